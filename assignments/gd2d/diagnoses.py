"""Named mistakes of gd2d, recognised from the values a submission's functions return.

Each probe runs in the trusted grading process, only when a hidden test it explains failed. It calls
the student's functions through `submission` on the smallest input that shows its mistake, compares
with the reference, and returns a Finding (expected against actual) or None. Probes never read source,
so any style making the same mistake is named the same way; a name is attached only when a model of the
mistake in mutants.py reproduces the student's values.

Texts are English and are the gettext msgids of assignments/gd2d/locale; keep the maths notation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.authoring import N_, Finding, mistake

PROBE_POINTS = [(0.0, 0.0), (1.0, -1.0), (-1.0, 1.0), (0.5, 1.5)]
"""Where the probes of the gradient look: the partials differ in size and sign there, and no term vanishes."""
LOOP_TESTS = (
    "test_gradient_descent_2d_two_epochs",  # public
    "test_point_moves_against_the_gradient*",
    "test_path_matches_the_reference*",
)
PIPELINE_TESTS = ("test_lr_001_*", "test_the_learning_rate_decides_*", "test_course_run_*")
"""The course-behaviour tests, which run the gradient and the loop together: a model of a mistake in either
proves it there."""
GRADIENT_TESTS = (
    "test_gradient_at_a_point*",
    "test_partial_*",
    "test_gradient_at_the_origin",  # public
    "test_gradient_vanishes_*",  # public
)


def array(value: Any) -> np.ndarray | None:
    """Returns a value as a float array, or None when it holds no numbers."""
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def close(actual: Any, expected: Any) -> bool:
    with np.errstate(all="ignore"):
        return bool(np.allclose(actual, expected, rtol=1e-9, atol=1e-12, equal_nan=True))


def history(submission: Any, start: tuple[float, float], learning_rate: float, n_epochs: int) -> np.ndarray | None:
    """Returns the student's history as an (n_epochs, 4) float array, or None when it has another shape."""
    returned = array(submission.gradient_descent_2d(start, learning_rate, n_epochs))
    return returned if returned is not None and returned.shape == (n_epochs, 4) else None


# -- peaks ------------------------------------------------------------------------------------------------------


@mistake(
    "meshgrid_peaks",
    title=N_("peaks builds a grid: it evaluates every x with every y"),
    explanation=N_(
        "peaks(x, y) should be evaluated at the points (x[k], y[k]), element by element: for two arrays of 3 "
        "values, 3 values. Yours returns an array of shape {shape}, every x with every y, the way the course's "
        "peaks calls np.meshgrid(x, y) to draw the landscape; for two numbers it returns a 1 × 1 array instead "
        "of a number. The values on its diagonal are the right ones."
    ),
    fix=N_(
        "Remove x, y = np.meshgrid(x, y) from peaks and compute the formula on x and y as they come. To draw "
        "the landscape, build the grid outside: X, Y = np.meshgrid(xs, ys), then peaks(X, Y)."
    ),
    when=("test_peaks_*",),
)
def meshgrid_peaks(submission: Any, reference: Any) -> Finding | None:
    xs, ys = np.array([0.0, 1.0, -1.0]), np.array([0.0, -1.0, 0.5])
    values = array(submission.peaks(xs, ys))
    if values is None or values.shape != (3, 3):
        return None
    expected = reference.peaks(xs, ys)
    if not close(np.diag(values), expected):
        return None
    return Finding(expected=expected, actual=values, params={"shape": str(values.shape)})


# -- the gradient -----------------------------------------------------------------------------------------------


def _gradients(submission: Any, reference: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Returns the reference's and the student's gradient at the probe points, as (n, 2) arrays; None when the
    student's are not pairs of numbers."""
    values = [array(value) for value in submission.call_each("gradient", PROBE_POINTS)]
    if any(value is None or value.shape != (2,) for value in values):
        return None
    expected = np.asarray([reference.gradient(x, y) for x, y in PROBE_POINTS])
    return expected, np.asarray(values)


@mistake(
    "swapped_partials",
    title=N_("The partial derivatives are swapped: [∂f/∂y, ∂f/∂x]"),
    explanation=N_(
        "gradient(x, y) should return [∂f/∂x, ∂f/∂y], in that order. Yours returns the same two values the other "
        "way round: at (0, 0) {actual} instead of {expected}. Gradient descent then moves x by y's slope and y by "
        "x's, and ends somewhere that is not a minimum."
    ),
    fix=N_("Return np.array([dfdx, dfdy]): the partial in x first, then the one in y."),
    when=(*GRADIENT_TESTS, *PIPELINE_TESTS),
)
def swapped_partials(submission: Any, reference: Any) -> Finding | None:
    found = _gradients(submission, reference)
    if found is None:
        return None
    expected, actual = found
    if close(actual, expected) or not close(actual, expected[:, ::-1]):
        return None
    return Finding(call="gradient(0.0, 0.0)", expected=expected[0], actual=actual[0])


@mistake(
    "partial_sign_error",
    title=N_("One partial derivative has a sign error"),
    explanation=N_(
        "Your ∂f/∂{right} is right, but your ∂f/∂{wrong} is not: at {point} it is {actual} where the reference "
        "has {expected}. One of its terms has the wrong sign, as when the minus that the derivative of an "
        "exponent brings down, d/d{wrong} e^(−{wrong}²) = −2{wrong}·e^(−{wrong}²), is lost or doubled."
    ),
    fix=N_(
        "Differentiate ∂f/∂{wrong} again term by term and check each sign: the −1/3 and −10 in front of their "
        "terms, and the −2x or −2y each exponent brings down."
    ),
    when=(*GRADIENT_TESTS, *PIPELINE_TESTS),
)
def partial_sign_error(submission: Any, reference: Any) -> Finding | None:
    found = _gradients(submission, reference)
    if found is None:
        return None
    expected, actual = found
    same = [close(actual[:, k], expected[:, k]) for k in (0, 1)]
    if same[0] == same[1]:
        return None  # both right, or both wrong: another mistake (swapped partials, a wrong formula)
    k = 0 if not same[0] else 1
    at = int(np.argmax(np.abs(actual[:, k] - expected[:, k])))
    x, y = PROBE_POINTS[at]
    names = ("x", "y")
    return Finding(
        call=f"gradient({x}, {y})",
        expected=expected[at, k],
        actual=actual[at, k],
        params={"wrong": names[k], "right": names[1 - k], "point": f"({x}, {y})"},
    )


# -- the loop ---------------------------------------------------------------------------------------------------


@mistake(
    "point_recorded_before_update",
    title=N_("The point is recorded before the update instead of after it"),
    explanation=N_(
        "Row i of the history should hold the point after epoch i's update. Your first row holds the start "
        "(0, 0) and each later row the point the previous row should have had: your rows run one epoch behind "
        "the reference."
    ),
    fix=N_(
        "Take grad = gradient(x, y), update the point, and only then store the row (x, y, grad[0], grad[1]); "
        "grad is still the gradient before the update."
    ),
    when=(*LOOP_TESTS, "test_gradient_columns_*", *PIPELINE_TESTS),
)
def point_recorded_before_update(submission: Any, reference: Any) -> Finding | None:
    rows = history(submission, (0.0, 0.0), 0.01, 2)
    if rows is None or not close(rows[0, :2], [0.0, 0.0]) or not np.any(rows[0, 2:]):
        return None
    if not close(rows[1, :2], rows[0, :2] - 0.01 * rows[0, 2:]):
        return None
    return Finding(expected=reference.gradient_descent_2d((0.0, 0.0), 0.01, 2), actual=rows)


@mistake(
    "sequential_update",
    title=N_("x and y are updated one after the other, not at once"),
    explanation=N_(
        "Both coordinates should move at once, with the gradient of the same point. Your loop moves x first and "
        "then takes y's partial derivative at the new x: after one epoch from (0, 0) at lr = 0.1 your y is "
        "{actual_y}, where the step with ∂f/∂y(0, 0) gives {expected_y}."
    ),
    fix=N_(
        "Take the whole gradient once per epoch, grad = gradient(x, y), then update both coordinates from it: "
        "x, y = x − lr · grad[0], y − lr · grad[1] (or point = point − lr · grad)."
    ),
    when=(*LOOP_TESTS, "test_gradient_columns_*", *PIPELINE_TESTS),
)
def sequential_update(submission: Any, reference: Any) -> Finding | None:
    rows = history(submission, (0.0, 0.0), 0.1, 1)
    if rows is None:
        return None
    at_start = array(submission.gradient(0.0, 0.0))
    if at_start is None or at_start.shape != (2,):
        return None
    x, y = rows[0, 0], rows[0, 1]
    if not close(x, -0.1 * at_start[0]) or close(y, -0.1 * at_start[1]):
        return None
    at_new_x = array(submission.gradient(float(x), 0.0))
    if at_new_x is None or at_new_x.shape != (2,) or not close(y, -0.1 * at_new_x[1]):
        return None
    expected = reference.gradient_descent_2d((0.0, 0.0), 0.1, 1)[0]
    return Finding(
        call="gradient_descent_2d((0.0, 0.0), 0.1, 1)",
        expected=expected,
        actual=rows[0],
        params={"expected_y": -0.1 * at_start[1], "actual_y": y},
    )


@mistake(
    "uphill_update",
    title=N_("The update goes uphill: p + lr·∇f(p) instead of p − lr·∇f(p)"),
    explanation=N_(
        "After one epoch from (0, 0) at lr = 0.1 the point should move against the gradient, downhill, to "
        "{expected}; yours moved with it, uphill, to {actual}. Your update adds the step instead of subtracting "
        "it, so the run climbs toward a peak instead of settling in a minimum."
    ),
    fix=N_("Step against the gradient: point = point − lr · grad (a minus sign, not a plus)."),
    when=(*LOOP_TESTS, *PIPELINE_TESTS),
)
def uphill_update(submission: Any, reference: Any) -> Finding | None:
    rows = history(submission, (0.0, 0.0), 0.1, 1)
    if rows is None or not np.any(rows[0, 2:]):
        return None
    if not close(rows[0, :2], 0.1 * rows[0, 2:]):
        return None
    return Finding(
        call="gradient_descent_2d((0.0, 0.0), 0.1, 1)",
        expected=reference.gradient_descent_2d((0.0, 0.0), 0.1, 1)[0, :2],
        actual=rows[0, :2],
    )


@mistake(
    "history_points_only",
    title=N_("The history holds the points alone, without the gradient used"),
    explanation=N_(
        "gradient_descent_2d should return one row per epoch and four columns: the point after the update and "
        "the gradient that update used. Yours has {actual}: the course's trajectory, the points alone."
    ),
    fix=N_(
        "Build the history as np.zeros((n_epochs, 4)) and store history[epoch] = (x, y, grad[0], grad[1]), "
        "with grad the gradient the update used."
    ),
    when=("test_history_shape*", "test_gradient_columns_*", "test_gradient_descent_2d_returns_float64_rows"),
)
def history_points_only(submission: Any, reference: Any) -> Finding | None:
    returned = array(submission.gradient_descent_2d((0.0, 0.0), 0.1, 3))
    if returned is None or returned.shape != (3, 2):
        return None
    if not close(returned, reference.gradient_descent_2d((0.0, 0.0), 0.1, 3)[:, :2]):
        return None
    return Finding(expected="shape (3, 4)", actual=f"shape {returned.shape}")
