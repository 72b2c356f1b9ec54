"""Hidden tests of the gradient_descent loop, run with a schedule the test supplies.

submission.scripted(rates, name=...) stands in for the schedule, so a wrong schedule costs nothing here, and the
tests check the update, the history's columns and the calls the loop makes to its schedule. Every expected
value comes from the reference, on the student's own inputs: the update of epoch i is the reference's step
from the x the student's loop had before it (x0, then the previous row's x), never a value built from
another column of the student's history. Each test checks one column or one property, so a loop that
records the derivative at the wrong moment loses only the tests about the derivative column.
"""

import numpy as np
import pytest
from gd1d_helpers import rows

from grader.authoring import N_, expect, expect_close

START_GRID = np.linspace(-2, 2, 2001)
SCHEDULE_ARGUMENTS = ["base_lr", "epoch", "n_epochs", "grad"]
RATES = [0.05, 0.2, 0.0, 0.1, 0.02, 0.15, 0.08]
"""Rates the stand-in schedule returns, epoch by epoch; none equals the base rate 0.01 the loop is given."""
STAND_IN = N_("the grader's schedule")
"""How a failed call shows the stand-in: gradient_descent(..., schedule=<the grader's schedule>)."""


def seeded_start(rng):
    """Returns a start from the course's grid at least 0.1 away from the minimum, so x has somewhere to go."""
    return float(rng.choice(START_GRID[np.abs(START_GRID - 0.5) > 0.1]))


def x_before_each_update(x0, history):
    """Returns x before each epoch's update: x0, then x after the previous epoch."""
    return np.concatenate([[x0], history[:-1, 0]])


def reference_steps(reference, x0, history, rates):
    """Returns x after each epoch's update by the reference, from the x the student's loop had before it."""
    before = x_before_each_update(x0, history)
    return before - np.asarray(rates, dtype=np.float64) * reference.derivative(before)


def run_with_rates(submission, x0, rates, base_lr=0.01):
    """Returns the stand-in schedule and the history of a run whose schedule returns `rates` in turn."""
    stand_in = submission.scripted(list(rates), name=STAND_IN)
    history = submission.gradient_descent(x0, base_lr, len(rates), stand_in)
    return stand_in, rows(history, len(rates))


UPDATE_HINT = (
    "Check the update: gradient descent moves against the derivative, x ← x − lr·f'(x), and row i records "
    "x after epoch i's update, not before it."
)


@pytest.mark.points(3)
@pytest.mark.hint(UPDATE_HINT)
@pytest.mark.parametrize("start", ["2.0", "seeded"], ids=["x0=2", "seeded start"])
def test_x_moves_against_the_derivative(submission, reference, rng, start):
    x0 = 2.0 if start == "2.0" else seeded_start(rng)
    _, history = run_with_rates(submission, x0, [0.05] * 8, base_lr=0.05)
    expected = reference_steps(reference, x0, history, [0.05] * 8)
    expect_close(history[:, 0], expected, atol=1e-12, what=N_("x after each update (column 0) at rate 0.05"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Each epoch's update must use the rate the schedule returns for that epoch: "
    "lr = schedule(learning_rate, epoch, n_epochs, grad), then x ← x − lr·grad."
)
def test_update_uses_the_scheduled_rate(submission, reference):
    _, history = run_with_rates(submission, 2.0, RATES)
    expected = reference_steps(reference, 2.0, history, RATES)
    expect_close(history[:, 0], expected, atol=1e-12, what=N_("x after each update (column 0) with scheduled rates"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Call the schedule exactly once per epoch, passing the epoch number counted from 0; "
    "keep its value in a variable rather than calling it again."
)
def test_schedule_is_called_once_per_epoch_in_order(submission):
    stand_in, _ = run_with_rates(submission, 2.0, RATES)
    epochs = [call.get("epoch") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    expect(
        epochs == list(range(len(RATES))),
        expected=N_("one call per epoch with epoch = {epochs}"),
        actual=epochs,
        what=N_("the epoch passed to the schedule, call by call"),
        values={"epochs": str(list(range(len(RATES))))},
    )


@pytest.mark.points(2)
@pytest.mark.hint(
    "Pass the schedule the learning rate gradient_descent was given and the total number of epochs, "
    "in the order schedule(learning_rate, epoch, n_epochs, grad)."
)
def test_schedule_gets_the_base_rate_and_the_number_of_epochs(submission):
    stand_in, _ = run_with_rates(submission, 2.0, RATES)
    calls = stand_in.bound(SCHEDULE_ARGUMENTS)
    passed = [(call.get("base_lr"), call.get("n_epochs")) for call in calls]
    expect(
        len(calls) > 0 and all(base_lr == 0.01 and n_epochs == len(RATES) for base_lr, n_epochs in passed),
        expected=N_("(base_lr, n_epochs) = (0.01, {n_epochs}) in every call"),
        actual=passed,
        what=N_("the base rate and number of epochs passed to the schedule"),
        values={"n_epochs": len(RATES)},
    )


@pytest.mark.points(2)
@pytest.mark.hint(
    "Pass the schedule the derivative at x before the update, the same value the update uses and the history records."
)
def test_schedule_gets_the_derivative_used(submission, reference):
    stand_in, history = run_with_rates(submission, 2.0, RATES)
    grads = [call.get("grad") for call in stand_in.bound(SCHEDULE_ARGUMENTS)]
    expect(
        len(grads) == len(RATES) and all(g is not None for g in grads),
        expected=N_("{count} calls, each with a grad"),
        actual=grads,
        what=N_("the grad passed to the schedule, call by call"),
        values={"count": len(RATES)},
    )
    expected = reference.derivative(x_before_each_update(2.0, history))
    expect_close(grads, expected, atol=1e-12, what=N_("the grad passed to the schedule, call by call"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Column 2 of the history holds the rate actually used in that epoch (what the schedule returned), "
    "not the base learning_rate."
)
def test_rate_column_holds_the_rate_used(submission):
    _, history = run_with_rates(submission, 2.0, RATES)
    expect_close(history[:, 2], RATES, what=N_("the learning rate column (column 2)"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Column 1 of the history holds f'(x) at x before the update, which is x0 in the first row and the "
    "previous row's x after that."
)
def test_derivative_column_holds_the_derivative_before_the_update(submission, reference, rng):
    x0 = seeded_start(rng)
    _, history = run_with_rates(submission, x0, RATES)
    expected = reference.derivative(x_before_each_update(x0, history))
    expect_close(history[:, 1], expected, atol=1e-12, what=N_("the derivative column (column 1)"))


@pytest.mark.points(3)
@pytest.mark.hint(
    "Work two epochs out by hand and compare x row by row with the reference. The tests on the update and "
    "on each column point at the part that differs."
)
@pytest.mark.parametrize("start", ["2.0", "seeded"], ids=["x0=2", "seeded start"])
def test_x_column_matches_the_reference(submission, reference, rng, start):
    x0 = 2.0 if start == "2.0" else seeded_start(rng)
    _, history = run_with_rates(submission, x0, RATES)
    expected = reference.gradient_descent(x0, 0.01, len(RATES), schedule=lambda b, epoch, n, g: RATES[epoch])
    expect_close(
        history[:, 0],
        expected[:, 0],
        atol=1e-12,
        what=N_("x after each update (column 0) from x0 = {x0} with scheduled rates"),
        values={"x0": x0},
    )
