"""Hidden tests of what gradient_descent returns and accepts: shape, dtype, int starts, the default schedule."""

import numpy as np
import pytest
from gd1d_helpers import rows

from grader.authoring import N_, expect, expect_close


def dtype_name(value):
    """Returns the dtype of an array, or the type of anything else, as a word to show a student."""
    return str(value.dtype) if isinstance(value, np.ndarray) else type(value).__name__


@pytest.mark.points(2)
@pytest.mark.hint(
    "Return one row per epoch and three columns, shape (n_epochs, 3), also for a single epoch: "
    "not (3, n_epochs), not a flat array."
)
@pytest.mark.parametrize("n_epochs", [1, 7], ids=["n_epochs=1", "n_epochs=7"])
def test_history_shape(submission, n_epochs):
    history = submission.gradient_descent(2.0, 0.1, n_epochs, submission.function("fixed_lr"))
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
def test_history_is_a_float64_array(submission):
    history = submission.gradient_descent(2.0, 0.1, 5, submission.function("fixed_lr"))
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
def test_int_start_gives_the_same_history_as_a_float_start(submission):
    from_int = submission.gradient_descent(2, 0.1, 5, submission.function("fixed_lr"))
    expect(
        isinstance(from_int, np.ndarray) and from_int.dtype == np.float64,
        expected=N_("a NumPy array of dtype float64"),
        actual=dtype_name(from_int),
        what=N_("the type of the history from x0 = 2 (an int)"),
    )
    from_int = rows(from_int, 5)
    from_float = rows(submission.gradient_descent(2.0, 0.1, 5, submission.function("fixed_lr")), 5)
    expect_close(from_int, from_float, what=N_("the history from x0 = 2 (int), against x0 = 2.0"))


@pytest.mark.points(2)
@pytest.mark.hint("Give the schedule parameter of gradient_descent the default fixed_lr (the function itself).")
def test_default_schedule_is_fixed_lr(submission):
    by_default = rows(submission.gradient_descent(2.0, 0.05, 6), 6)
    fixed = rows(submission.gradient_descent(2.0, 0.05, 6, submission.function("fixed_lr")), 6)
    expect_close(by_default, fixed, what=N_("the history without a schedule, against schedule=fixed_lr"))
