"""Hidden tests of the gradient_descent_2d loop: the update, what each row records, shape and types.

Every expected value is the reference's step on the student's own inputs: the update of epoch i starts from the
point the student's loop had before it (the start, then the previous row's point), and takes the gradient as the
reference computes it or as the student's own gradient does (a loop that calls a wrong gradient is a right loop:
the gradient's tests say what is wrong). Starts and rates are this submission's own draws, one start from each
quarter of the square. Each test checks one thing, so a loop that records the point before the update, or moves
x and y one after the other, loses only the tests about that.
"""

import numpy as np
import pytest
from gd2d_helpers import (
    closest,
    column,
    gradient_candidates,
    grid_points,
    loop_run,
    points_before_each_update,
    rate,
    rows,
)

from grader.authoring import N_, describe_last_call, expect, expect_close

pytestmark = pytest.mark.about("gradient_descent_2d")

N_EPOCHS = 8


def run(submission, start, learning_rate, n_epochs=N_EPOCHS):
    """Returns the rows of the student's run, or None when it fails only because the student's gradient does."""
    history = loop_run(submission, start, learning_rate, n_epochs)
    return None if history is None else rows(history, n_epochs)


def expected_points(submission, reference, start, history, learning_rate):
    """Returns the point after each epoch the loop ran, by the reference's step from the student's own point
    before it, with the reference's gradient or the student's own."""
    before = points_before_each_update(start, history)
    candidates = gradient_candidates(submission, reference, before)
    return closest(history[:, :2], [lambda slope=slope: before - learning_rate * slope() for slope in candidates])


@pytest.mark.points(4)
@pytest.mark.hint(
    "Check the update: both coordinates move at once against the gradient of the same point, "
    "(x, y) ← (x, y) − lr·∇f(x, y), and row i records the point after epoch i's update, not before it."
)
@pytest.mark.parametrize("start", ["(0, 0)", "seeded"], ids=["start (0, 0)", "seeded start"])
def test_point_moves_against_the_gradient(submission, reference, rng, start):
    # The seeded case starts once in each quarter of the square, so both signs of each coordinate and of each
    # partial derivative are in every draw.
    begins = [(0.0, 0.0)] if start == "(0, 0)" else grid_points(rng, 2)
    for begin in begins:
        learning_rate = rate(rng)
        history = run(submission, begin, learning_rate)
        if history is None:
            return
        call = describe_last_call()  # the loop's call, not the gradient calls the expected values make
        expect_close(
            history[:, :2],
            expected_points(submission, reference, begin, history, learning_rate),
            atol=1e-12,
            what=N_("the point after each update (columns 0 and 1) from {start} at lr = {rate}"),
            values={"start": begin, "rate": learning_rate},
            call=call,
        )


@pytest.mark.points(5)
@pytest.mark.hint(
    "Columns 2 and 3 hold ∂f/∂x and ∂f/∂y at the point before the update: the gradient the update used, which is "
    "the gradient at the start in the first row and at the previous row's point after that."
)
def test_gradient_columns_hold_the_gradient_before_the_update(submission, reference, rng):
    for begin in grid_points(rng, 2):  # one start in each quarter of the square
        learning_rate = rate(rng)
        history = run(submission, begin, learning_rate)
        if history is None:
            return
        call = describe_last_call()  # the loop's call, not the gradient calls the expected values make
        used = np.stack([column(history, 2), column(history, 3)], axis=1)
        candidates = gradient_candidates(submission, reference, points_before_each_update(begin, history))
        expect_close(
            used,
            closest(used, candidates),
            atol=1e-12,
            what=N_("the gradient columns (columns 2 and 3) from {start}"),
            values={"start": begin},
            call=call,
        )


@pytest.mark.points(3)
@pytest.mark.hint(
    "Work two epochs out by hand and compare the points row by row with the reference. The tests on the update "
    "and on the gradient columns point at the part that differs."
)
@pytest.mark.parametrize("start", ["(1, -0.25)", "seeded"], ids=["start (1, -0.25)", "seeded start"])
def test_path_matches_the_reference(submission, reference, rng, start):
    begins = [(1.0, -0.25)] if start == "(1, -0.25)" else grid_points(rng, 2)
    for begin in begins:
        learning_rate = rate(rng)
        history = run(submission, begin, learning_rate, 20)
        if history is None:
            return
        call = describe_last_call()  # the loop's call, not the gradient calls the expected values make
        rows_ran = len(history)
        candidates = [
            lambda b=begin, lr=learning_rate, n=rows_ran: reference.gradient_descent_2d(b, lr, 20)[:n, :2],
            lambda b=begin, lr=learning_rate, n=rows_ran: own_path(submission, b, lr, 20)[:n],
        ]
        expect_close(
            history[:, :2],
            closest(history[:, :2], candidates),
            atol=1e-12,
            what=N_("the point after each of 20 updates from {start} at lr = {rate}"),
            values={"start": begin, "rate": learning_rate},
            call=call,
        )


def own_path(submission, start, learning_rate, n_epochs):
    """Returns the points of the reference's loop driven by the student's own gradient (NaN once it fails)."""
    point, path = np.asarray(start, dtype=np.float64), []
    for _ in range(n_epochs):
        try:
            slope = np.asarray(submission.gradient(point[0], point[1]), dtype=np.float64)
        except Exception:  # noqa: BLE001 - a failing gradient is its own tests' to report
            slope = np.full(2, np.nan)
        point = point - learning_rate * (slope if slope.shape == (2,) else np.full(2, np.nan))
        path.append(point)
    return np.asarray(path)


@pytest.mark.points(2)
@pytest.mark.hint(
    "Return one row per epoch and four columns (x, y, ∂f/∂x, ∂f/∂y), shape (n_epochs, 4), also for a single "
    "epoch: not (4, n_epochs), not the points alone."
)
@pytest.mark.parametrize("n_epochs", [1, 6], ids=["n_epochs=1", "n_epochs=6"])
def test_history_shape(submission, rng, n_epochs):
    history = loop_run(submission, grid_points(rng, 2)[0], rate(rng), n_epochs)
    if history is None:
        return
    shape = np.shape(history) if isinstance(history, (np.ndarray, list, tuple)) else None
    expect(
        shape == (n_epochs, 4),
        expected=N_("shape ({n_epochs}, 4)"),
        actual=f"shape {shape}" if shape is not None else history,
        what=N_("the history of {n_epochs} epoch(s)"),
        values={"n_epochs": n_epochs},
    )


@pytest.mark.points(2)
@pytest.mark.hint("Return a NumPy array of float64 (for example np.zeros((n_epochs, 4)) filled row by row).")
def test_history_is_a_float64_array(submission, rng):
    history = loop_run(submission, grid_points(rng, 2)[0], rate(rng), 5)
    if history is None:
        return
    kind = str(history.dtype) if isinstance(history, np.ndarray) else type(history).__name__
    expect(
        isinstance(history, np.ndarray) and history.dtype == np.float64,
        expected=N_("a NumPy array of dtype float64"),
        actual=kind,
        what=N_("the type of the history"),
    )


@pytest.mark.points(3)
@pytest.mark.hint(
    "start may be a tuple, a list or a NumPy array: make your own float array of it first, "
    "point = np.array(start, dtype=float), and work on that."
)
def test_start_may_be_a_tuple_a_list_or_an_array(submission, rng):
    begin, learning_rate = grid_points(rng, 2)[0], rate(rng)
    from_array = loop_run(submission, np.asarray(begin), learning_rate, 5)
    if from_array is None:
        return
    from_array = rows(from_array, 5)
    for kind, start in ((N_("a tuple"), tuple(begin)), (N_("a list"), list(begin))):
        other = rows(submission.gradient_descent_2d(start, learning_rate, 5), 5)
        expect_close(
            other,
            from_array,
            what=N_("the history from {start} given as {kind}"),
            values={"start": tuple(begin), "kind": kind},
            against=N_("your own run from the same start given as a NumPy array"),
            call=describe_last_call(),
        )


@pytest.mark.points(2)
@pytest.mark.hint(
    "start may hold ints: convert it first (point = np.array(start, dtype=float)). Updating an int array in place "
    "(point -= lr * grad) fails, and a history built from the start's type cuts every value to a whole number."
)
def test_int_start_gives_the_same_history_as_a_float_start(submission, rng):
    begin = [(int(x), int(y)) for x, y in [rng.choice([-1, 0, 1], size=2)]][0]
    learning_rate = rate(rng)
    from_ints = loop_run(submission, begin, learning_rate, 5)
    int_call = describe_last_call()  # the call a difference shows: the int run's, not the float run after it
    from_floats = loop_run(submission, (float(begin[0]), float(begin[1])), learning_rate, 5)
    if from_ints is None or from_floats is None:
        return
    expect_close(
        rows(from_ints, 5),
        rows(from_floats, 5),
        what=N_("the history from {start} (ints)"),
        values={"start": begin},
        against=N_("your own run from the same start given as floats"),
        call=int_call,
    )
