"""Hidden tests of what gradient_descent returns and accepts: shape, dtype, int starts, the default schedule.

The runs use the grader's stand-in schedule and this submission's own start and rates, so a wrong schedule
costs nothing here and no answer shown in another report fits.
"""

import numpy as np
import pytest
from gd1d_helpers import base_rate, column, loop_run, rates, rows, start_left, start_right

from grader.authoring import N_, describe_last_call, expect, expect_close

pytestmark = pytest.mark.about("gradient_descent")
STAND_IN = N_("the grader's schedule")


def dtype_name(value):
    """Returns the dtype of an array, or the type of anything else, as a word to show a student."""
    return str(value.dtype) if isinstance(value, np.ndarray) else type(value).__name__


def run(submission, rng, x0, scheduled):
    """Returns what gradient_descent returns over len(scheduled) epochs with the stand-in schedule (None when it
    fails only because the student's derivative does: the derivative's tests say so)."""
    stand_in = submission.scripted(scheduled, name=STAND_IN)
    return loop_run(submission, [("derivative", (x0,))], x0, base_rate(rng), len(scheduled), stand_in)


@pytest.mark.points(2)
@pytest.mark.hint(
    "Return one row per epoch and three columns, shape (n_epochs, 3), also for a single epoch: "
    "not (3, n_epochs), not a flat array."
)
@pytest.mark.parametrize("n_epochs", [1, 7], ids=["n_epochs=1", "n_epochs=7"])
def test_history_shape(submission, rng, n_epochs):
    history = run(submission, rng, start_right(rng), rates(rng, n_epochs))
    if history is None:
        return
    shape = np.shape(history) if isinstance(history, (np.ndarray, list, tuple)) else None
    expect(
        shape == (n_epochs, 3),
        expected=N_("shape ({n_epochs}, 3)"),
        actual=f"shape {shape}" if shape is not None else history,
        what=N_("the history of {n_epochs} epoch(s)"),
        values={"n_epochs": n_epochs},
    )


@pytest.mark.points(2)
@pytest.mark.hint("Return a NumPy array of float64 (for example np.zeros((n_epochs, 3)) filled row by row).")
def test_history_is_a_float64_array(submission, rng):
    history = run(submission, rng, start_left(rng), rates(rng, 5))
    if history is None:
        return
    expect(
        isinstance(history, np.ndarray) and history.dtype == np.float64,
        expected=N_("a NumPy array of dtype float64"),
        actual=dtype_name(history),
        what=N_("the type of the history"),
    )


@pytest.mark.points(1)
@pytest.mark.hint(
    "x0 may be an int: convert it (x = np.float64(x0)) and do not build the history from x0's type, "
    "or an int array will cut every value to a whole number."
)
def test_int_start_gives_the_same_history_as_a_float_start(submission, rng):
    x0 = int(rng.choice([-2, -1, 1, 2]))
    scheduled = rates(rng, 5)
    from_int = run(submission, rng, x0, scheduled)
    if from_int is None:
        return
    int_call = describe_last_call()  # the call a difference shows: the int run's, not the float run after it
    expect(
        isinstance(from_int, np.ndarray) and from_int.dtype == np.float64,
        expected=N_("a NumPy array of dtype float64"),
        actual=dtype_name(from_int),
        what=N_("the type of the history from x0 = {x0} (an int)"),
        values={"x0": x0},
    )
    from_float = rows(run(submission, rng, float(x0), scheduled), 5)
    expect_close(
        rows(from_int, 5),
        from_float,
        what=N_("the history from x0 = {x0} (int)"),
        values={"x0": x0},
        against=N_("your own run from x0 = {x0}.0"),
        call=int_call,
    )
    if from_float.shape[1] == 3:  # the runs are this submission's own: they used the rates it was given
        expect_close(column(from_float, 2), scheduled, what=N_("the learning rate column (column 2)"))


@pytest.mark.points(2)
@pytest.mark.hint("Give the schedule parameter of gradient_descent the default fixed_lr (the function itself).")
def test_default_schedule_is_fixed_lr(submission, rng):
    x0, base_lr = start_right(rng), base_rate(rng)
    parts = [("derivative", (x0,)), ("fixed_lr", (base_lr, 0, 6, 0.5))]
    by_default = loop_run(submission, parts, x0, base_lr, 6)
    fixed = loop_run(submission, parts, x0, base_lr, 6, submission.function("fixed_lr"))
    if by_default is None or fixed is None:
        return
    by_default, fixed = rows(by_default, 6), rows(fixed, 6)
    expect_close(by_default, fixed, what=N_("the history without a schedule, against schedule=fixed_lr"))
