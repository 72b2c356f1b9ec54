"""Named mistakes of gd1d, recognised from the values a submission's functions return.

Each probe runs in the trusted grading process, only when a hidden test it explains failed. It calls
the student's functions through `submission` on the smallest input that shows its mistake, compares
with the reference, and returns a Finding (expected against actual) or None. Probes never read source,
so a class, a while loop or a lambda making the same mistake is named the same way.

Texts are English and are the gettext msgids of assignments/gd1d/locale; keep the maths notation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.authoring import N_, Finding, mistake

SCHEDULE_ARGUMENTS = ["base_lr", "epoch", "n_epochs", "grad"]
STAND_IN_RATES = [0.05, 0.2, 0.0]
"""What the grader's stand-in schedule returns in epochs 0, 1, 2; none is the base rate 0.01."""
STAND_IN = N_("the grader's schedule")
"""How the smallest call that shows a mistake names the stand-in (the hidden tests name it the same)."""
LOOP_TESTS = (
    "test_gradient_descent_two_epochs",  # public
    "test_gradient_descent_with_time_decay",  # public
    "test_x_moves_against_the_derivative",
    "test_update_uses_the_scheduled_rate",
    "test_x_column_matches_the_reference",
    "test_schedule_comparison_matches_the_reference",
)


def rows(history: Any, n_epochs: int) -> np.ndarray | None:
    """Returns the history as an (n_epochs, 3) float array, reading a transposed one column-wise; else None."""
    try:
        array = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if array.shape == (n_epochs, 3):
        return array
    if array.shape == (3, n_epochs):
        return array.T
    return None


def number(value: Any) -> float | None:
    """Returns a value that holds one number as a float, else None."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return float(array.reshape(-1)[0]) if array.size == 1 else None


def close(actual: Any, expected: Any) -> bool:
    with np.errstate(all="ignore"):
        return bool(np.allclose(actual, expected, rtol=1e-9, atol=1e-12, equal_nan=True))


def stand_in_run(submission: Any) -> tuple[Any, np.ndarray | None]:
    """Returns the stand-in schedule and the 3-epoch history from x0 = 2 with base rate 0.01 it drove."""
    stand_in = submission.scripted(STAND_IN_RATES, name=STAND_IN)
    return stand_in, rows(submission.gradient_descent(2.0, 0.01, 3, stand_in), 3)


def with_rates(reference: Any, x0: float, rates: list[float]) -> np.ndarray:
    return reference.gradient_descent(x0, 0.01, len(rates), schedule=lambda b, epoch, n, g: rates[epoch])


# -- the update ----------------------------------------------------------------------------------------


@mistake(
    "uphill_update",
    title=N_("The update goes uphill: x + lr·f'(x) instead of x − lr·f'(x)"),
    explanation=N_(
        "After one epoch from x0 = 2 with lr = 0.1, x should move toward the minimum 0.5, to {expected_x}; "
        "yours moved away from it, to {actual_x}. Your update adds the step lr·f'(x) instead of subtracting "
        "it, so x climbs the slope: at lr = 0.01 it never reaches the minimum, and at lr = 1 it diverges "
        "for the wrong reason."
    ),
    fix=N_("Step against the derivative: x = x − lr · grad (a minus sign, not a plus)."),
    when=(*LOOP_TESTS, "test_lr_001_reaches_the_minimum", "test_lr_0001_*"),
)
def uphill_update(submission: Any, reference: Any) -> Finding | None:
    history = rows(submission.gradient_descent(2.0, 0.1, 1, submission.function("fixed_lr")), 1)
    if history is None:
        return None
    x, grad = history[0, 0], history[0, 1]
    if grad == 0 or not close(x, 2.0 + 0.1 * grad) or close(x, 2.0 - 0.1 * grad):
        return None
    expected = reference.gradient_descent(2.0, 0.1, 1)[0]
    return Finding(expected=expected, actual=history[0], params={"expected_x": expected[0], "actual_x": x})


@mistake(
    "x_recorded_before_update",
    title=N_("x is recorded before the update instead of after it"),
    explanation=N_(
        "Row i of the history should hold x after epoch i's update. Your first row holds the start x0 = 2 "
        "and each later row the x the previous row should have had: your rows run one epoch behind the "
        "reference."
    ),
    fix=N_(
        "Compute grad and lr, update x = x − lr · grad, and only then store the row (x, grad, lr); grad is "
        "still the derivative before the update."
    ),
    when=(*LOOP_TESTS, "test_derivative_column_holds_the_derivative_before_the_update"),
)
def x_recorded_before_update(submission: Any, reference: Any) -> Finding | None:
    history = rows(submission.gradient_descent(2.0, 0.1, 2, submission.function("fixed_lr")), 2)
    if history is None:
        return None
    x, grad = history[:, 0], history[:, 1]
    if not (x[0] == 2.0 and grad[0] != 0 and close(x[1], x[0] - 0.1 * grad[0])):
        return None
    return Finding(expected=reference.gradient_descent(2.0, 0.1, 2), actual=history)


@mistake(
    "x_clipped",
    title=N_("x is clipped or guarded, so lr = 1 no longer diverges"),
    explanation=N_(
        "At lr = 1 every step overshoots 0.5 and lands five times farther away on the other side: x should "
        "reach about 1e70 after 100 epochs and overflow to inf after about 440. Your x follows the reference "
        "until epoch {epoch}, where it stops growing: something in your loop clips x, stops the loop or "
        "replaces inf and nan."
    ),
    fix=N_(
        "Let the run diverge: no np.clip, min/max, break or check on x. Start from x = np.float64(x0) so "
        "that overflow gives inf (and then nan) instead of an error."
    ),
    when=("test_lr_1_diverges", "test_lr_1_overflows_to_inf_or_nan"),
)
def x_clipped(submission: Any, reference: Any) -> Finding | None:
    fixed_lr = submission.function("fixed_lr")
    history = rows(submission.gradient_descent(2.0, 1.0, 500, fixed_lr), 500)
    if history is None:
        return None
    with np.errstate(all="ignore"):
        expected = reference.gradient_descent(2.0, 1.0, 500)
    # float32's precision: a history that rounds x (another mistake) still follows the reference until it overflows
    same = np.isclose(history[:, 0], expected[:, 0], rtol=1e-6, atol=0.0, equal_nan=True)
    if same.all() or not same[:2].all():
        return None  # diverges as it should, or goes wrong from the start: another mistake
    epoch = int(np.argmin(same))
    if not history[epoch].any():
        return None  # an empty row, not a clipped x: the loop skipped that epoch (another mistake)
    with np.errstate(all="ignore"):
        smaller = not np.isfinite(expected[epoch, 0]) or abs(history[epoch, 0]) < abs(expected[epoch, 0])
    if not smaller:
        return None
    smallest = rows(submission.gradient_descent(2.0, 1.0, epoch + 1, fixed_lr), epoch + 1)
    if smallest is None:
        return None
    return Finding(expected=expected[epoch, 0], actual=smallest[-1, 0], params={"epoch": epoch})


# -- the history's layout ------------------------------------------------------------------------------------


@mistake(
    "transposed_history",
    title=N_("The history is transposed: (3, n_epochs) instead of (n_epochs, 3)"),
    explanation=N_(
        "gradient_descent should return one row per epoch and three columns (x, f'(x), lr). Yours has "
        "{actual}: one row per quantity, one column per epoch."
    ),
    fix=N_(
        "Build the history as np.zeros((n_epochs, 3)) and fill row history[epoch] = (x, grad, lr), or "
        "return history.T if you built it the other way round."
    ),
    when=("test_history_shape", "test_gradient_descent_returns_float64_rows"),
)
def transposed_history(submission: Any, reference: Any) -> Finding | None:
    shape = _shape(submission.gradient_descent(2.0, 0.1, 2, submission.function("fixed_lr")))
    return Finding(expected="shape (2, 3)", actual=f"shape {shape}") if shape == (3, 2) else None


@mistake(
    "history_wrong_shape",
    title=N_("The history has the wrong shape"),
    explanation=N_(
        "gradient_descent should return one row per epoch and three columns (x after the update, f'(x), "
        "lr): for 2 epochs an array of shape (2, 3). Yours has {actual}."
    ),
    fix=N_(
        "Return a 2-D array: start with history = np.zeros((n_epochs, 3)) and set one whole row per epoch, "
        "history[epoch] = (x, grad, lr). Do not flatten it, drop a column or return only the last x."
    ),
    # A history without its rate column also fails the test of that column, and only that one.
    when=("test_history_shape", "test_gradient_descent_returns_float64_rows", "test_rate_column_*"),
)
def history_wrong_shape(submission: Any, reference: Any) -> Finding | None:
    shape = _shape(submission.gradient_descent(2.0, 0.1, 2, submission.function("fixed_lr")))
    # Rows of three with a row too many or too few come from the loop, not the layout: another mistake.
    wrong = shape not in ((2, 3), (3, 2)) and not (shape is not None and len(shape) == 2 and shape[1] == 3)
    return Finding(expected="shape (2, 3)", actual=f"shape {shape}" if shape is not None else "?") if wrong else None


def _shape(value: Any) -> tuple[int, ...] | None:
    try:
        return tuple(np.shape(value))
    except (TypeError, ValueError):
        return None


PIPELINE_TESTS = ("test_lr_*", "test_start_at_the_minimum_*", "test_schedule_comparison_*")
"""The course-behaviour tests, which run every function together: a model of a mistake anywhere proves it there."""


# -- the derivative ----------------------------------------------------------------------------------------


def _line(submission: Any) -> tuple[float, float] | None:
    """Returns (slope, intercept) when the student's derivative is a straight line on 0, 1, 2; else None."""
    values = [number(value) for value in submission.call_each("derivative", [(0.0,), (1.0,), (2.0,)])]
    if any(v is None or not np.isfinite(v) for v in values):
        return None
    d0, d1, d2 = values  # type: ignore[misc]
    slope = d1 - d0
    return (slope, d0) if close(d2 - d1, slope) else None


@mistake(
    "derivative_missing_power_factor",
    title=N_("The derivative misses the power rule's factor: d/dx 3x² is 6x, not 3x"),
    explanation=N_(
        "The derivative of f(x) = 3x² − 3x + 4 is f'(x) = 6x − 3. Your derivative grows by {slope} per unit "
        "of x instead of 6: the power rule brings the exponent 2 down as a factor, d/dx 3x² = 2 · 3x = 6x, "
        "and that factor is missing. Every gradient step is then about half as large as it should be."
    ),
    fix=N_("Multiply by the exponent: the derivative of 3x² is 2 · 3 · x = 6x, so f'(x) = 6x − 3."),
    when=("test_derivative_*", *PIPELINE_TESTS),
)
def derivative_missing_power_factor(submission: Any, reference: Any) -> Finding | None:
    line = _line(submission)
    if line is None or not close(line[0], 3.0):
        return None
    actual = submission.derivative(1.0)
    return Finding(expected=reference.derivative(1.0), actual=actual, params={"slope": line[0]})


@mistake(
    "derivative_wrong_constant",
    title=N_("The derivative has the wrong constant term"),
    explanation=N_(
        "The derivative of f(x) = 3x² − 3x + 4 is f'(x) = 6x − 3: the term −3x gives the constant −3 and "
        "the constant 4 gives 0. At x = 0 your derivative is {actual} instead of −3."
    ),
    fix=N_("Differentiate term by term: (3x²)' = 6x, (−3x)' = −3, (4)' = 0, so f'(x) = 6x − 3."),
    when=("test_derivative_*", *PIPELINE_TESTS),
)
def derivative_wrong_constant(submission: Any, reference: Any) -> Finding | None:
    line = _line(submission)
    if line is None or not close(line[0], 6.0) or close(line[1], -3.0):
        return None  # a wrong slope is another mistake (or one this module cannot name)
    return Finding(expected=reference.derivative(0.0), actual=submission.derivative(0.0))


# -- the schedules -----------------------------------------------------------------------------------------

DECAY_CALL = "[time_decay_lr(0.1, epoch, 10, 5.0) for epoch in (0, 1, 2)]"


def _decay_rates(submission: Any, reference: Any) -> tuple[list[float], list[float]] | None:
    rates = submission.call_each("time_decay_lr", [(0.1, epoch, 10, 5.0) for epoch in (0, 1, 2)])
    actual = [number(rate) for rate in rates]
    if any(rate is None for rate in actual):
        return None
    return [float(reference.time_decay_lr(0.1, epoch, 10, 5.0)) for epoch in (0, 1, 2)], actual  # type: ignore[return-value]


@mistake(
    "time_decay_off_by_one",
    title=N_("Time-based decay is off by one epoch"),
    explanation=N_(
        "With epoch counted from 0, the rate is base_lr · (1 − (epoch + 1) / n_epochs): already below base_lr "
        "in epoch 0 and exactly 0 in the last epoch. Your rates are the reference's shifted by one epoch."
    ),
    fix=N_(
        "Use base_lr * (1 - (epoch + 1) / n_epochs). The course writes 1 − i/N with i counted from 1; in "
        "code the epoch counts from 0, hence the + 1."
    ),
    when=("test_time_decay_lr*", "test_schedule_comparison_matches_the_reference[time-based*]"),
)
def time_decay_off_by_one(submission: Any, reference: Any) -> Finding | None:
    rates = _decay_rates(submission, reference)
    if rates is None:
        return None
    expected, actual = rates
    late = [0.1 * (1 - epoch / 10) for epoch in (0, 1, 2)]
    early = [0.1 * (1 - (epoch + 2) / 10) for epoch in (0, 1, 2)]
    if close(actual, expected) or not (close(actual, late) or close(actual, early)):
        return None
    return Finding(call=DECAY_CALL, expected=expected, actual=actual)


@mistake(
    "time_decay_grows",
    title=N_("Time-based decay grows instead of decaying"),
    explanation=N_(
        "A time-based schedule should take large steps early and smaller ones later: the rate falls from "
        "0.09 to 0 over 10 epochs at base_lr = 0.1. Yours rises from epoch to epoch."
    ),
    fix=N_("Subtract the fraction of epochs done from 1: base_lr * (1 - (epoch + 1) / n_epochs)."),
    when=("test_time_decay_lr*", "test_schedule_comparison_matches_the_reference[time-based*]"),
)
def time_decay_grows(submission: Any, reference: Any) -> Finding | None:
    rates = _decay_rates(submission, reference)
    if rates is None:
        return None
    expected, actual = rates
    return Finding(call=DECAY_CALL, expected=expected, actual=actual) if actual[2] > actual[1] > actual[0] else None


@mistake(
    "gradient_lr_without_abs",
    title=N_("The gradient-based rate forgets the absolute value"),
    explanation=N_(
        "The gradient-based rate is base_lr · |grad|: a step size, never negative. For a negative gradient "
        "yours returns {actual}, a negative rate, which turns the update x − lr·grad uphill left of the "
        "minimum."
    ),
    fix=N_("Take the size of the gradient: base_lr * abs(grad)."),
    when=("test_gradient_lr*", "test_schedule_comparison_matches_the_reference[gradient-based*]"),
)
def gradient_lr_without_abs(submission: Any, reference: Any) -> Finding | None:
    rate = number(submission.gradient_lr(0.01, 3, 50, -4.5))
    if rate is None or not close(rate, -0.045):
        return None
    return Finding(expected=reference.gradient_lr(0.01, 3, 50, -4.5), actual=rate)


BASE_RATES = (0.01, 0.05)
BASE_RATES_CALL = "[gradient_lr(base_lr, 0, 50, 2.0) for base_lr in (0.01, 0.05)]"


@mistake(
    "gradient_lr_ignores_base_rate",
    title=N_("The gradient-based rate ignores base_lr"),
    explanation=N_(
        "The gradient-based rate is base_lr · |grad|: the base rate the caller chose, scaled by the size of the "
        "gradient. At the same gradient 2.0, base_lr = 0.01 and 0.05 should give {expected}; yours gives "
        "{actual}, the same rate whatever base_lr is. The course's 0.01 is written into your function (as "
        "|grad| / 100 or 0.01 · |grad|), so it looks right only when base_lr is 0.01."
    ),
    fix=N_("Use the parameter instead of a number of your own: base_lr * abs(grad)."),
    when=("test_gradient_lr*", "test_schedule_comparison_matches_the_reference[gradient-based*]"),
)
def gradient_lr_ignores_base_rate(submission: Any, reference: Any) -> Finding | None:
    rates = [number(rate) for rate in submission.call_each("gradient_lr", [(base, 0, 50, 2.0) for base in BASE_RATES])]
    if rates[0] is None or rates[1] is None or not close(rates[0], rates[1]):
        return None
    expected = [float(reference.gradient_lr(base, 0, 50, 2.0)) for base in BASE_RATES]
    return Finding(call=BASE_RATES_CALL, expected=expected, actual=rates)


# -- how the loop uses its schedule ----------------------------------------------------------------------------

SCHEDULE_TESTS = (
    "test_gradient_descent_with_time_decay",  # public
    "test_update_uses_the_scheduled_rate",
    "test_schedule_*",
    "test_rate_column_holds_the_rate_used",
    "test_x_column_matches_the_reference",
)


@mistake(
    "loop_ignores_schedule",
    title=N_("The loop ignores the schedule"),
    explanation=N_(
        "gradient_descent should ask its schedule for the rate of every epoch and step with that rate. "
        "Given a schedule that returns 0.05, 0.2 and 0 in epochs 0, 1 and 2, yours called it {calls} "
        "times and stepped with the base rate 0.01 all the same, so every schedule behaves like the fixed one."
    ),
    fix=N_(
        "In each epoch call lr = schedule(learning_rate, epoch, n_epochs, grad) and update with that lr: "
        "x = x − lr · grad."
    ),
    when=(*SCHEDULE_TESTS, "test_schedule_comparison_matches_the_reference"),
)
def loop_ignores_schedule(submission: Any, reference: Any) -> Finding | None:
    stand_in, history = stand_in_run(submission)
    if history is None:
        return None
    grad = history[0, 1]
    if grad == 0 or not close(history[0, 0], 2.0 - 0.01 * grad) or close(history[0, 0], 2.0 - 0.05 * grad):
        return None
    expected = with_rates(reference, 2.0, STAND_IN_RATES)
    return Finding(expected=expected, actual=history, params={"calls": len(stand_in.calls)})


@mistake(
    "loop_passes_wrong_epoch",
    title=N_("The loop passes the schedule the wrong epoch"),
    explanation=N_(
        "The schedule needs the number of the current epoch, counted from 0, as its second argument, in the "
        "order schedule(learning_rate, epoch, n_epochs, grad). Over 3 epochs it should get 0, 1, 2; yours "
        "passed {actual}."
    ),
    fix=N_(
        "Loop with for epoch in range(n_epochs) and call schedule(learning_rate, epoch, n_epochs, grad) "
        "with that epoch, once per epoch."
    ),
    when=SCHEDULE_TESTS,
)
def loop_passes_wrong_epoch(submission: Any, reference: Any) -> Finding | None:
    stand_in, _ = stand_in_run(submission)
    epochs = [call.get("epoch") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    if len(epochs) != 3 or epochs == [0, 1, 2]:
        return None  # another number of calls is another mistake (called twice, too many or too few epochs)
    return Finding(expected=[0, 1, 2], actual=epochs)


@mistake(
    "loop_passes_wrong_epoch_count",
    title=N_("The loop passes the schedule the wrong number of epochs"),
    explanation=N_(
        "The schedule's third argument is the total number of epochs of the run, the same in every call: "
        "over 3 epochs it should get 3 each time; yours passed {actual}."
    ),
    fix=N_("Pass n_epochs itself: schedule(learning_rate, epoch, n_epochs, grad)."),
    when=SCHEDULE_TESTS,
)
def loop_passes_wrong_epoch_count(submission: Any, reference: Any) -> Finding | None:
    stand_in, _ = stand_in_run(submission)
    counts = [call.get("n_epochs") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    # Call by call: how many calls the loop makes is another mistake (called twice, too many or too few epochs).
    if all(count == 3 for count in counts):
        return None
    return Finding(expected=[3] * len(counts), actual=counts)


@mistake(
    "schedule_called_twice",
    title=N_("The loop calls the schedule twice per epoch"),
    explanation=N_(
        "gradient_descent should ask its schedule for the rate once per epoch and use that one value both for "
        "the update and for the row. Over 3 epochs yours called it {calls} times, with the epochs {actual} "
        "instead of {expected}. A schedule may answer differently each time it is called (the grader's does, "
        "and so would one that counts its calls or draws at random), so the rate you checked or recorded is not "
        "the one you stepped with."
    ),
    fix=N_(
        "Call the schedule once per epoch and keep its value: lr = schedule(learning_rate, epoch, n_epochs, "
        "grad); then check, use and record that lr instead of calling the schedule again."
    ),
    when=SCHEDULE_TESTS,
)
def schedule_called_twice(submission: Any, reference: Any) -> Finding | None:
    stand_in, _ = stand_in_run(submission)
    epochs = [call.get("epoch") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    each = len(epochs) // 3
    if each < 2 or epochs != [epoch for epoch in (0, 1, 2) for _ in range(each)]:
        return None
    return Finding(expected=[0, 1, 2], actual=epochs, params={"calls": len(epochs)})


@mistake(
    "lr_column_holds_base_rate",
    title=N_("The rate column holds the base rate, not the rate used"),
    explanation=N_(
        "Column 2 of each row should hold the rate the update used in that epoch, what the schedule "
        "returned. Your loop steps with the schedule's rates 0.05, 0.2 and 0 but records {actual}, the "
        "base learning_rate, so the plotted rates of every schedule look flat."
    ),
    fix=N_("Store the lr the schedule returned: history[epoch] = (x, grad, lr), not learning_rate."),
    when=(*SCHEDULE_TESTS, "test_schedule_comparison_matches_the_reference"),
)
def lr_column_holds_base_rate(submission: Any, reference: Any) -> Finding | None:
    _, history = stand_in_run(submission)
    if history is None:
        return None
    grad, rates = history[0, 1], history[:, 2]
    used_schedule = grad != 0 and close(history[0, 0], 2.0 - 0.05 * grad)
    if not (used_schedule and close(rates, [0.01, 0.01, 0.01])):
        return None
    return Finding(expected=STAND_IN_RATES, actual=rates)


# -- what the rows record, when the loop stops, what kind of values it holds -----------------------------------

LOOP_RUN_TESTS = (
    *LOOP_TESTS,
    "test_history_*",
    "test_int_start_*",
    "test_default_schedule_*",
    "test_x_*",
    "test_rate_column_*",
    "test_derivative_column_*",
    "test_schedule_gets_*",
    "test_schedule_is_called_*",
    "test_lr_*",
    "test_start_at_the_minimum_*",
    "test_gradient_descent_returns_float64_rows",  # public
)


@mistake(
    "derivative_recorded_after_update",
    title=N_("The derivative column holds f'(x) after the update, not the one the update used"),
    explanation=N_(
        "Row i should hold the derivative that epoch i's update used: f'(x) at x before the update. Your x "
        "column is right, so your update is right; but your derivative column holds {actual}, f'(x) at the x "
        "after each update, where the reference records {expected}."
    ),
    fix=N_(
        "Keep the derivative the update uses in a variable and record that one: grad = derivative(x), then "
        "x = x − lr · grad, then history[epoch] = (x, grad, lr). Do not call derivative(x) again after the update."
    ),
    when=("test_derivative_column_holds_the_derivative_before_the_update", "test_gradient_descent_two_epochs"),
)
def derivative_recorded_after_update(submission: Any, reference: Any) -> Finding | None:
    history = rows(submission.gradient_descent(2.0, 0.1, 2, submission.function("fixed_lr")), 2)
    if history is None:
        return None
    expected = reference.gradient_descent(2.0, 0.1, 2)
    x, grad = history[:, 0], history[:, 1]
    if not close(x, expected[:, 0]) or close(grad, expected[:, 1]) or not close(grad, reference.derivative(x)):
        return None
    return Finding(expected=expected[:, 1], actual=grad)


@mistake(
    "loop_runs_wrong_number_of_epochs",
    title=N_("The loop runs one epoch too many or too few"),
    explanation=N_(
        "gradient_descent should run exactly n_epochs epochs, numbered from 0: over 3 epochs it calls the "
        "schedule for the epochs {expected} and fills 3 rows. Yours ran {count} epochs, {actual}. "
        "range(n_epochs + 1) runs one epoch too many and range(n_epochs − 1) one too few, which leaves the last "
        "row of np.zeros((n_epochs, 3)) at zero; range(n_epochs) runs epochs 0 to n_epochs − 1."
    ),
    fix=N_(
        "Loop with for epoch in range(n_epochs) and fill row history[epoch] in each epoch, so the history has "
        "exactly n_epochs rows and none left empty."
    ),
    when=LOOP_RUN_TESTS,
)
def loop_runs_wrong_number_of_epochs(submission: Any, reference: Any) -> Finding | None:
    stand_in, _ = stand_in_run(submission)
    epochs = [call.get("epoch") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    if not epochs or len(epochs) == 3 or epochs != list(range(len(epochs))):
        return None  # no call, or calls out of order: other mistakes
    return Finding(expected=[0, 1, 2], actual=epochs, params={"count": len(epochs)})


@mistake(
    "loop_stops_early",
    title=N_("The loop stops before the last epoch"),
    explanation=N_(
        "gradient_descent should run all n_epochs epochs, however small the derivative gets: the course "
        "compares runs epoch by epoch. From x0 = 2 at lr = 0.1 over 60 epochs your loop follows the reference "
        "until epoch {epoch} and then stops: it returns {actual}, with the rows after the stop missing or zero."
    ),
    fix=N_(
        "Remove the break (or the while condition) that tests the size of the derivative or the change in "
        "x: loop for epoch in range(n_epochs) and fill every row."
    ),
    when=LOOP_RUN_TESTS,
)
def loop_stops_early(submission: Any, reference: Any) -> Finding | None:
    fixed_lr = submission.function("fixed_lr")
    far = rows(submission.gradient_descent(2.0, 0.01, 3, fixed_lr), 3)
    if far is None or not np.all(far.any(axis=1)):
        return None  # rows missing or empty far from the minimum: the loop runs the wrong number of epochs
    returned = np.asarray(submission.gradient_descent(2.0, 0.1, 60, fixed_lr), dtype=float)
    expected = reference.gradient_descent(2.0, 0.1, 60)
    if returned.ndim != 2 or returned.shape[1] != 3 or not 0 < returned.shape[0] <= 60:
        return None
    stop = returned.shape[0]
    if stop == 60:
        empty = np.flatnonzero(np.all(returned == 0, axis=1) & (expected[:, 0] != 0))
        if empty.size == 0 or not np.all(returned[empty[0] :] == 0):
            return None
        stop = int(empty[0])
    if stop == 0 or not close(returned[:stop, 0], expected[:stop, 0]):
        return None
    return Finding(
        expected=f"shape (60, 3), last x {expected[-1, 0]:.6g}",
        actual=f"shape {returned.shape}, last x {returned[-1, 0]:.6g}",
        params={"epoch": stop - 1},
    )


@mistake(
    "one_element_arrays",
    title=N_("x is a 1-element array, not a number"),
    explanation=N_(
        "Your loop keeps x (and so f'(x)) as an array holding one number, the course's habit of "
        "localmin = np.random.choice(x, 1). Storing such an array into one cell of the history only warned in "
        "older NumPy versions, such as Colab's; the grader's NumPy refuses it: {actual}. Storing x[0] and grad[0] "
        "instead is not enough while the schedule still gets the array as its grad: the gradient-based rate is "
        "then an array too, and the row cannot hold it."
    ),
    fix=N_(
        "Make x a number before the loop: x = np.float64(x0), or float(x0); if you start from "
        "np.random.choice(x, 1), take its value with .item() or [0]."
    ),
    when=LOOP_RUN_TESTS,
)
def one_element_arrays(submission: Any, reference: Any) -> Finding | None:
    stand_in = submission.scripted(STAND_IN_RATES, name=STAND_IN)
    try:
        returned = submission.gradient_descent(2.0, 0.01, 3, stand_in)
    except Exception as error:  # noqa: BLE001 - the failed call is the evidence: its exception, never its source
        failure = getattr(error, "failure", None)
        raised = str(getattr(failure, "exception", "") or "")
        if not any(sign in raised for sign in ONE_ELEMENT_ERRORS):
            return None
        return Finding(expected=with_rates(reference, 2.0, STAND_IN_RATES), actual=raised)
    grads = [call.get("grad") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    if any(isinstance(grad, np.ndarray) and grad.shape == (1,) for grad in grads):
        return _schedule_gets_one_element_grad(submission, reference)
    shape = _shape(returned)
    if shape not in ((3, 3, 1), (3, 1, 3), (3, 1)) and not (isinstance(returned, list) and _holds_arrays(returned)):
        return None
    return Finding(expected=with_rates(reference, 2.0, STAND_IN_RATES), actual=f"shape {shape}")


ONE_ELEMENT_ERRORS = (
    "setting an array element with a sequence",
    "only 0-dimensional arrays can be converted",
    "only length-1 arrays can be converted",
    "inhomogeneous shape",
)
"""What NumPy raises when a 1-element array goes where one number should."""


def _schedule_gets_one_element_grad(submission: Any, reference: Any) -> Finding | None:
    """Returns what a loop whose rows hold numbers but whose schedule gets 1-element arrays does with the
    gradient-based rate, whose value is then an array: the failed call, if it fails as NumPy does."""
    try:
        submission.gradient_descent(2.0, 0.01, 1, submission.function("gradient_lr"))
    except Exception as error:  # noqa: BLE001 - the failed call is the evidence: its exception, never its source
        raised = str(getattr(getattr(error, "failure", None), "exception", "") or "")
        if any(sign in raised for sign in ONE_ELEMENT_ERRORS):
            return Finding(expected=reference.gradient_descent(2.0, 0.01, 1, reference.gradient_lr), actual=raised)
    return None  # the student's gradient_lr makes a number of the array: nothing a model of this mistake shows


def _holds_arrays(value: list[Any]) -> bool:
    return any(isinstance(item, np.ndarray) and item.ndim > 0 for row in value for item in np.atleast_1d(row))


@mistake(
    "history_float32",
    title=N_("The history is float32, not float64"),
    explanation=N_(
        "gradient_descent should return its history as float64, NumPy's default for np.zeros. Yours is float32: "
        "{actual}. float32 keeps about 7 significant digits instead of 16, so every row rounds x, f'(x) and the "
        "rate, and it overflows to inf near 3.4e38 instead of 1.8e308, so a diverging run turns into inf hundreds "
        "of epochs early."
    ),
    fix=N_(
        "Create the history as np.zeros((n_epochs, 3)): float64 is the default. Leave out dtype=np.float32 (or "
        "write dtype=np.float64)."
    ),
    when=LOOP_RUN_TESTS,
)
def history_float32(submission: Any, reference: Any) -> Finding | None:
    returned = submission.gradient_descent(2.0, 0.1, 1, submission.function("fixed_lr"))
    if not (isinstance(returned, np.ndarray) and returned.dtype == np.float32):
        return None
    return Finding(expected=reference.gradient_descent(2.0, 0.1, 1), actual=returned)


SCHEDULE_CALLS = (
    ("fixed_lr", (0.01, 3, 50, -4.5)),
    ("time_decay_lr", (0.1, 0, 10, 5.0)),
    ("gradient_lr", (0.01, 3, 50, -4.5)),
)


@mistake(
    "schedule_returns_array",
    title=N_("A schedule returns an array instead of one rate"),
    explanation=N_(
        "A schedule gives the rate of one epoch: one number. Yours returns {actual}, so lr · grad is an "
        "array too and the loop cannot store it in one cell of the history."
    ),
    fix=N_(
        "Return the rate of the epoch you are given, a single number: base_lr * (1 - (epoch + 1) / n_epochs), "
        "not the rates of all epochs at once (no np.arange or np.linspace over the epochs)."
    ),
    when=(
        "test_fixed_lr*",
        "test_time_decay_lr*",
        "test_gradient_lr*",
        "test_schedule_comparison_matches_the_reference",
    ),
)
def schedule_returns_array(submission: Any, reference: Any) -> Finding | None:
    for name, args in SCHEDULE_CALLS:
        value = getattr(submission, name)(*args)
        if isinstance(value, np.ndarray) and value.ndim > 0:
            call = f"{name}{args}"
            return Finding(call=call, expected=getattr(reference, name)(*args), actual=value)
    return None
