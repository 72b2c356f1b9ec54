"""Helpers the gd1d hidden tests share (imported as `from gd1d_helpers import rows`).

The grader puts this folder on the import path only while the hidden tests run, in the trusted process;
a submission never lies here. The name carries the assignment's, so no installed module can shadow it.

Two rules keep a grade defensible, and these helpers hold them:

- **Every draw catches every known mistake.** Seeded inputs are each submission's own (answers memorised
  from a classmate's report earn nothing), so they must not decide what is caught: draws are stratified,
  one from each part of a range, so the regions where known mistakes show (both ends of the course's grid,
  large negative gradients, the last epoch) are in every draw.
- **One mistake costs its own tests.** A test reads the columns a history has and the epochs the loop ran;
  its shape and length have tests of their own.
"""

import numpy as np

from grader.authoring import N_, expect

START_GRID = np.linspace(-2, 2, 2001)
"""The starts the course draws from."""
COLUMNS = (N_("x after the update"), N_("the derivative used"), N_("the rate used"))


def strata(rng, values, count):
    """Returns one value drawn from each of `count` equal parts of the sorted `values`, in order."""
    return [float(rng.choice(part)) for part in np.array_split(np.sort(np.asarray(values)), count)]


def start_right(rng):
    """Returns a start right of the minimum, at least 1 from it, in [1.5, 2].

    Starts are drawn to 4 decimals, not from the course's grid of 2001: a call with another submission's
    start is then as good as never repeated, so no table of answers shown in a report fits it.
    """
    return round(float(rng.uniform(1.5, 2.0)), 4)


def start_left(rng):
    """Returns a start left of the minimum, at least 1 from it, in [-2, -0.5]."""
    return round(float(rng.uniform(-2.0, -0.5)), 4)


def start_far(rng, side):
    """Returns a start from the outer quarter of the grid on `side` ("left" or "right"): the course's runs from
    there cross every region where a known mistake shows (a derivative clipped to ±10 shows left of −7/6)."""
    return round(float(rng.uniform(-2.0, -1.5) if side == "left" else rng.uniform(1.5, 2.0)), 4)


def last_epochs(history, n_epochs):
    """Returns the rows of the first n_epochs epochs (all of them when the loop recorded fewer)."""
    return table(history, n_epochs)[:n_epochs]


def tolerance(history):
    """Returns the absolute tolerance for a history's values: float64's, or float32's for a float32 history
    (its dtype has a test of its own)."""
    return 1e-5 if getattr(history, "dtype", None) == np.float32 else 1e-12


def base_rate(rng):
    """Returns a base learning rate for a run the stand-in schedule drives: it only reaches the schedule."""
    return round(float(rng.uniform(0.01, 0.05)), 5)


def failing_like_its_parts(submission, failed, parts):
    """Returns whether a loop call that `failed` fails as the reference loop would, driven by the student's own
    functions: one of `parts` ((name, args) the loop calls first) raises the very exception the loop raised,
    or returns no number and the loop raised the TypeError or ValueError that arithmetic on it raises.

    Then the loop cannot be judged apart from them, and their own tests say what is wrong.
    """
    raised = str(getattr(getattr(failed, "failure", None), "exception", "") or "")
    if not raised:
        return False
    for name, args in parts:
        try:
            value = np.asarray(getattr(submission, name)(*args), dtype=np.float64)
        except (TypeError, ValueError):
            return raised.startswith(("TypeError", "ValueError"))
        except Exception as part_failed:  # noqa: BLE001 - the part's failure is compared with the loop's
            return str(getattr(getattr(part_failed, "failure", None), "exception", "") or "") == raised
        if value.shape != () or not np.isfinite(value):
            return raised.startswith(("TypeError", "ValueError"))
    return False


def loop_run(submission, parts, *args):
    """Returns submission.gradient_descent(*args), or None when the call fails as the reference loop driven by
    the student's own `parts` would (see failing_like_its_parts): a test of the loop then has nothing to judge."""
    try:
        return submission.gradient_descent(*args)
    except Exception as failed:
        if failing_like_its_parts(submission, failed, parts):
            return None
        raise


def rates(rng, count):
    """Returns `count` learning rates for the grader's stand-in schedule, each its own draw in [0.02, 0.06].

    Never 0 and never the base rate 0.01, so a loop that steps with the base rate shows. From a start at least
    1 from the minimum, 8 epochs at these rates leave |f'(x)| above 0.25 and each step above 0.005: a loop
    that stops once the derivative or the step is small still runs every epoch of every loop test.
    """
    return [round(float(rate), 3) for rate in rng.uniform(0.02, 0.06, count)]


def table(history, n_epochs):
    """Returns the history as a float array with one row per epoch, or fails naming its shape.

    A transposed history is read column-wise, and a history without its rate column is read as it is: its
    layout costs only the tests of the layout. The rows may be more or fewer than n_epochs.
    """
    try:
        array = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        array = np.empty(0)
    if array.ndim == 2 and array.shape[1] == n_epochs and array.shape[0] in (2, 3) and n_epochs not in (2, 3):
        array = array.T
    expect(
        array.ndim == 2 and array.shape[0] >= 1 and array.shape[1] in (2, 3),
        expected=N_("an array of shape ({n_epochs}, 3): one row (x, derivative, rate) per epoch"),
        actual=history,
        what=N_("the history gradient_descent returned"),
        values={"n_epochs": n_epochs},
    )
    return array


def rows(history, n_epochs, calls=None):
    """Returns the rows of the epochs the loop ran, at most n_epochs of them.

    `calls` is how many times the loop called the grader's stand-in schedule: rows left at zero after that
    many are epochs the loop never ran (its length has tests of its own).
    """
    array = table(history, n_epochs)[:n_epochs]
    if calls is not None and 0 < calls < len(array) and not array[calls:].any():
        array = array[:calls]
    return array


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


def derivative_candidates(submission, reference, xs):
    """Returns f'(xs) as a loop may rightly compute it, each as a function to call when needed: the
    reference's, then the student's own derivative's (NaN when it fails or is not one number per x).

    A loop that calls the student's derivative is a right loop even when that derivative is wrong: the
    derivative's own tests say so.
    """
    xs = np.asarray(xs, dtype=np.float64)

    def own():
        try:
            values = np.asarray(submission.call_each("derivative", [(float(x),) for x in xs]), dtype=np.float64)
        except Exception:  # noqa: BLE001 - a failing derivative is its own tests' to report
            return np.full(xs.shape, np.nan)
        return values if values.shape == xs.shape else np.full(xs.shape, np.nan)

    return [lambda: reference.derivative(xs), own]


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
