"""Hidden tests of the gradient_descent loop, run with a schedule the test supplies.

submission.scripted(rates, name=...) stands in for the schedule, so a wrong schedule costs nothing here, and the
tests check the update, the history's columns and the calls the loop makes to its schedule. The rates are this
submission's own draw. Every expected value is the reference's step on the student's own inputs: the update of
epoch i starts from the x the student's loop had before it (x0, then the previous row's x), and takes f'(x) as
the reference computes it or as the student's own derivative does (a loop that calls a wrong derivative is a
right loop: the derivative's tests say what is wrong). Each test checks one column or one property, over the
epochs the loop ran, so a loop that records the derivative at the wrong moment, or drops the rate column, loses
only the tests about that.
"""

import numpy as np
import pytest
from gd1d_helpers import (
    closest,
    column,
    derivative_candidates,
    loop_run,
    rates,
    rows,
    start_left,
    start_right,
    tolerance,
)

from grader.authoring import N_, expect, expect_close

pytestmark = pytest.mark.about("gradient_descent")

SCHEDULE_ARGUMENTS = ["base_lr", "epoch", "n_epochs", "grad"]
N_EPOCHS = 7
STAND_IN = N_("the grader's schedule")
"""How a failed call shows the stand-in: gradient_descent(..., schedule=<the grader's schedule>)."""


def x_before_each_update(x0, history):
    """Returns x before each epoch's update: x0, then x after the previous epoch."""
    return np.concatenate([[x0], history[:-1, 0]])


def run_with_rates(submission, x0, scheduled, base_lr=0.01):
    """Returns the stand-in schedule, the rows of the epochs ran by a loop whose schedule returns `scheduled` and
    the tolerance of their values; None when the loop fails only because the student's derivative does."""
    stand_in = submission.scripted(list(scheduled), name=STAND_IN)
    history = loop_run(submission, [("derivative", (x0,))], x0, base_lr, len(scheduled), stand_in)
    if history is None:
        return None
    return stand_in, rows(history, len(scheduled), calls=len(stand_in.calls)), tolerance(history)


def expected_steps(submission, reference, x0, history, scheduled):
    """Returns x after each epoch the loop ran, by the reference's step from the student's own x before it."""
    before = x_before_each_update(x0, history)
    step = np.asarray(scheduled[: len(before)], dtype=np.float64)
    slopes = derivative_candidates(submission, reference, before)
    return closest(history[:, 0], [lambda slope=slope: before - step * slope() for slope in slopes])


UPDATE_HINT = (
    "Check the update: gradient descent moves against the derivative, x ← x − lr·f'(x), and row i records "
    "x after epoch i's update, not before it."
)


@pytest.mark.points(3)
@pytest.mark.hint(UPDATE_HINT)
@pytest.mark.parametrize("start", ["2.0", "seeded"], ids=["x0=2", "seeded start"])
def test_x_moves_against_the_derivative(submission, reference, rng, start):
    x0 = 2.0 if start == "2.0" else start_left(rng)
    scheduled = rates(rng, 1) * 8
    ran = run_with_rates(submission, x0, scheduled, base_lr=scheduled[0])
    if ran is None:
        return
    _, history, atol = ran
    expected = expected_steps(submission, reference, x0, history, scheduled)
    expect_close(
        history[:, 0],
        expected,
        atol=atol,
        what=N_("x after each update (column 0) at rate {rate}"),
        values={"rate": scheduled[0]},
    )


@pytest.mark.points(3)
@pytest.mark.hint(
    "Each epoch's update must use the rate the schedule returns for that epoch: "
    "lr = schedule(learning_rate, epoch, n_epochs, grad), then x ← x − lr·grad."
)
def test_update_uses_the_scheduled_rate(submission, reference, rng):
    scheduled = rates(rng, N_EPOCHS)
    ran = run_with_rates(submission, 2.0, scheduled)
    if ran is None:
        return
    _, history, atol = ran
    expected = expected_steps(submission, reference, 2.0, history, scheduled)
    expect_close(history[:, 0], expected, atol=atol, what=N_("x after each update (column 0) with scheduled rates"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Call the schedule exactly once per epoch, passing the epoch number counted from 0; "
    "keep its value in a variable rather than calling it again."
)
def test_schedule_is_called_once_per_epoch_in_order(submission, rng):
    scheduled = rates(rng, N_EPOCHS)
    stand_in, x0 = submission.scripted(scheduled, name=STAND_IN), start_right(rng)
    if loop_run(submission, [("derivative", (x0,))], x0, 0.01, N_EPOCHS, stand_in) is None:
        return
    epochs = [call.get("epoch") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    expect(
        epochs == list(range(N_EPOCHS)),
        expected=N_("one call per epoch with epoch = {epochs}"),
        actual=epochs,
        what=N_("the epoch passed to the schedule, call by call"),
        values={"epochs": str(list(range(N_EPOCHS)))},
    )


@pytest.mark.points(2)
@pytest.mark.hint(
    "Pass the schedule the learning rate gradient_descent was given and the total number of epochs, "
    "in the order schedule(learning_rate, epoch, n_epochs, grad)."
)
def test_schedule_gets_the_base_rate_and_the_number_of_epochs(submission, rng):
    base_lr = float(rng.choice([0.01, 0.02, 0.05]))
    stand_in, x0 = submission.scripted(rates(rng, N_EPOCHS), name=STAND_IN), start_right(rng)
    if loop_run(submission, [("derivative", (x0,))], x0, base_lr, N_EPOCHS, stand_in) is None:
        return
    calls = stand_in.bound(SCHEDULE_ARGUMENTS)
    passed = [(call.get("base_lr"), call.get("n_epochs")) for call in calls]
    expect(
        len(calls) > 0 and all(base == base_lr and n_epochs == N_EPOCHS for base, n_epochs in passed),
        expected=N_("(base_lr, n_epochs) = ({base_lr}, {n_epochs}) in every call"),
        actual=passed,
        what=N_("the base rate and number of epochs passed to the schedule"),
        values={"base_lr": base_lr, "n_epochs": N_EPOCHS},
    )


@pytest.mark.points(2)
@pytest.mark.hint(
    "Pass the schedule the derivative at x before the update, the same value the update uses and the history records."
)
def test_schedule_gets_the_derivative_used(submission, reference, rng):
    x0 = start_left(rng)
    ran = run_with_rates(submission, x0, rates(rng, N_EPOCHS))
    if ran is None:
        return
    stand_in, history, atol = ran
    grads = [call.get("grad") for call in stand_in.bound(SCHEDULE_ARGUMENTS)][: len(history)]
    expect(
        len(grads) > 0 and all(g is not None for g in grads),
        expected=N_("one call per epoch, each with a grad"),
        actual=grads,
        what=N_("the grad passed to the schedule, call by call"),
    )
    before = x_before_each_update(x0, history)[: len(grads)]
    expected = closest(grads, derivative_candidates(submission, reference, before), atol)
    expect_close(grads, expected, atol=atol, what=N_("the grad passed to the schedule, call by call"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Column 2 of the history holds the rate actually used in that epoch (what the schedule returned), "
    "not the base learning_rate."
)
def test_rate_column_holds_the_rate_used(submission, rng):
    scheduled = rates(rng, N_EPOCHS)
    ran = run_with_rates(submission, start_right(rng), scheduled)
    if ran is None:
        return
    _, history, atol = ran
    expect_close(column(history, 2), scheduled[: len(history)], what=N_("the learning rate column (column 2)"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Column 1 of the history holds f'(x) at x before the update, which is x0 in the first row and the "
    "previous row's x after that."
)
def test_derivative_column_holds_the_derivative_before_the_update(submission, reference, rng):
    x0 = start_left(rng)
    ran = run_with_rates(submission, x0, rates(rng, N_EPOCHS))
    if ran is None:
        return
    _, history, atol = ran
    actual = column(history, 1)
    candidates = derivative_candidates(submission, reference, x_before_each_update(x0, history))
    expected = closest(actual, candidates, atol)
    expect_close(actual, expected, atol=atol, what=N_("the derivative column (column 1)"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Work two epochs out by hand and compare x row by row with the reference. The tests on the update and "
    "on each column point at the part that differs."
)
@pytest.mark.parametrize("start", ["2.0", "seeded"], ids=["x0=2", "seeded start"])
def test_x_column_matches_the_reference(submission, reference, rng, start):
    x0 = 2.0 if start == "2.0" else start_left(rng)
    scheduled = rates(rng, N_EPOCHS)
    ran = run_with_rates(submission, x0, scheduled)
    if ran is None:
        return
    _, history, atol = ran
    candidates = [
        lambda own=own: trajectory(submission, reference, x0, scheduled, own)[: len(history)] for own in (0, 1)
    ]
    expected = closest(history[:, 0], candidates, atol)
    expect_close(
        history[:, 0],
        expected,
        atol=atol,
        what=N_("x after each update (column 0) from x0 = {x0} with scheduled rates"),
        values={"x0": x0},
    )


def trajectory(submission, reference, x0, scheduled, own):
    """Returns x after each epoch of the reference's loop, its f'(x) the reference's or (own=1) the student's."""
    if not own:
        return reference.gradient_descent(x0, 0.01, len(scheduled), schedule=lambda b, epoch, n, g: scheduled[epoch])[
            :, 0
        ]
    x, xs = np.float64(x0), []
    for rate in scheduled:
        x = x - rate * derivative_candidates(submission, reference, [x])[1]()[0]
        xs.append(x)
    return np.asarray(xs)
