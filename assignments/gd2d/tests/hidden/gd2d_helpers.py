"""Helpers the gd2d hidden tests share (imported as `from gd2d_helpers import rows`).

The grader puts this folder on the import path only while the hidden tests run, in the trusted process;
a submission never lies here. The name carries the assignment's, so no installed module can shadow it.

Two rules keep a grade defensible, and these helpers hold them:

- **Every draw catches every known mistake.** Seeded inputs are each submission's own, so they must not
  decide what is caught: points are drawn one from each cell of a grid over the course's square [-2, 2]²,
  so every region of the landscape (where each term of peaks dominates) is in every draw.
- **One mistake costs its own tests.** A loop test takes the gradient as the reference computes it or as
  the student's own gradient does, and reads the columns a history has; its shape has tests of its own.
"""

import numpy as np

from grader.authoring import N_, expect

MINIMA = {
    "deepest": (0.228278920602, -1.625534957428),
    "left": (-1.347396244368, 0.204518866097),
    "shallow": (0.296445553847, 0.320196247667),
}
"""The three local minima of peaks gradient descent reaches from the course's square."""
COLUMNS = (N_("x after the update"), N_("y after the update"), N_("∂f/∂x used"), N_("∂f/∂y used"))


def grid_points(rng, cells, low=-2.0, high=2.0):
    """Returns one point drawn from each of cells × cells equal squares of [low, high]², to 4 decimals, in a
    drawn order."""
    edges = np.linspace(low, high, cells + 1)
    points = [
        (round(float(rng.uniform(edges[i], edges[i + 1])), 4), round(float(rng.uniform(edges[j], edges[j + 1])), 4))
        for i in range(cells)
        for j in range(cells)
    ]
    return [points[k] for k in rng.permutation(len(points))]


def near(rng, centre, radius):
    """Returns a point drawn at a distance between radius/2 and radius from centre, to 4 decimals."""
    angle, distance = rng.uniform(0, 2 * np.pi), rng.uniform(radius / 2, radius)
    return (
        round(float(centre[0] + distance * np.cos(angle)), 4),
        round(float(centre[1] + distance * np.sin(angle)), 4),
    )


def rate(rng):
    """Returns a learning rate of this submission's own in [0.005, 0.05], to 4 decimals."""
    return round(float(rng.uniform(0.005, 0.05)), 4)


def numbers(values):
    """Returns values as a float array, each 1-element value as its number: a value test judges values, and the
    shape of what a function returns has tests of its own."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return np.asarray([np.nan])
    if array.ndim > 1 and np.prod(array.shape[1:]) == 1:
        array = array.reshape(array.shape[0])
    return array


def pairs(values):
    """Returns the gradients a call_each gave as an (n, 2) float array (NaN where one is not two numbers)."""
    rows = []
    for value in values:
        try:
            array = np.asarray(value, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            array = np.empty(0)
        rows.append(array if array.shape == (2,) else np.full(2, np.nan))
    return np.asarray(rows, dtype=np.float64).reshape(-1, 2)


def failure_text(error):
    """Returns what the student's call raised, as the grader reports it ("" when it is not a failed call)."""
    return str(getattr(getattr(error, "failure", None), "exception", "") or "")


def failing_like_the_gradient(submission, failed, x, y):
    """Returns whether a loop call that `failed` fails as the reference loop would, driven by the student's own
    gradient at the start: the gradient raises the very exception the loop raised, or returns no pair of
    numbers and the loop raised the TypeError or ValueError that arithmetic on it raises."""
    raised = failure_text(failed)
    if not raised:
        return False
    try:
        returned = submission.gradient(np.float64(x), np.float64(y))
    except Exception as part_failed:  # noqa: BLE001 - the gradient's failure is compared with the loop's
        return failure_text(part_failed) == raised
    try:  # the reference's step on what the gradient gave back: a list, or no pair of numbers, fails here
        with np.errstate(all="ignore"):
            step = np.array([x, y], dtype=np.float64) - 0.01 * returned
        if np.shape(step) != (2,) or not np.all(np.isfinite(step)):
            raise ValueError("no pair of finite numbers")
    except (TypeError, ValueError):
        return raised.startswith(("TypeError", "ValueError"))
    return False


def loop_run(submission, start, *args):
    """Returns submission.gradient_descent_2d(start, *args), or None when the call fails as the reference loop
    driven by the student's own gradient would: the loop cannot be judged apart from it, and the gradient's own
    tests say what is wrong."""
    try:
        return submission.gradient_descent_2d(start, *args)
    except Exception as failed:
        if failing_like_the_gradient(submission, failed, float(start[0]), float(start[1])):
            return None
        raise


def table(history, n_epochs):
    """Returns the history as a float array with one row per epoch, or fails naming its shape.

    A transposed history is read column-wise, and a history of the points alone (the course's trajectory, two
    columns) is read as it is: its layout costs only the tests of the layout.
    """
    try:
        array = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        array = np.empty(0)
    if array.ndim == 2 and array.shape[1] == n_epochs and array.shape[0] in (2, 4) and n_epochs not in (2, 4):
        array = array.T
    expect(
        array.ndim == 2 and array.shape[0] >= 1 and array.shape[1] in (2, 4),
        expected=N_("an array of shape ({n_epochs}, 4): one row (x, y, ∂f/∂x, ∂f/∂y) per epoch"),
        actual=history,
        what=N_("the history gradient_descent_2d returned"),
        values={"n_epochs": n_epochs},
    )
    return array


def rows(history, n_epochs):
    """Returns the rows of the first n_epochs epochs (all of them when the loop recorded fewer)."""
    return table(history, n_epochs)[:n_epochs]


def column(history, index):
    """Returns one column of a history read by rows(), or fails saying the column is missing."""
    expect(
        history.shape[1] > index,
        expected=N_("a column {index} holding {name}"),
        actual=f"shape {history.shape}",
        what=N_("the history's columns"),
        values={"index": index, "name": COLUMNS[index]},
    )
    return history[:, index]


def gradient_candidates(submission, reference, points):
    """Returns ∇f at each point as a loop may rightly compute it, each as a function giving an (n, 2) array when
    called: the reference's, then the student's own gradient's (NaN where it fails).

    A loop that calls the student's gradient is a right loop even when that gradient is wrong: the gradient's
    own tests say so.
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)

    def theirs():
        return np.asarray([reference.gradient(x, y) for x, y in points], dtype=np.float64).reshape(-1, 2)

    def own():
        try:
            # np.float64, as the loop passes them: 6 / x at x = 0 is inf there, not a ZeroDivisionError
            return pairs(submission.call_each("gradient", [(np.float64(x), np.float64(y)) for x, y in points]))
        except Exception:  # noqa: BLE001 - a failing gradient is its own tests' to report
            return np.full(points.shape, np.nan)

    return [theirs, own]


def closest(actual, candidates, atol=1e-12):
    """Returns the first candidate (a function giving an expected value) that `actual` matches within the tests'
    tolerance, computing the next only when needed; else the one closest to it (the first of another shape)."""
    actual = np.asarray(actual, dtype=np.float64)
    seen = []
    for candidate in candidates:
        value = np.asarray(candidate(), dtype=np.float64)
        if value.shape == actual.shape:
            with np.errstate(all="ignore"):
                if np.allclose(actual, value, rtol=1e-7, atol=atol, equal_nan=True):
                    return value
        seen.append(value)
    return min(seen, key=lambda value: _distance(actual, value))


def _distance(actual, value):
    if actual.shape != value.shape:
        return np.inf
    with np.errstate(all="ignore"):
        gaps = np.abs(actual - value)
    gaps[np.isnan(actual) & np.isnan(value)] = 0.0
    return float(np.nan_to_num(gaps, nan=np.inf).max(initial=0.0))


def points_before_each_update(start, history):
    """Returns the point before each epoch's update: the start, then the point after the previous epoch."""
    return np.concatenate([np.asarray([start], dtype=np.float64), history[:-1, :2]])
