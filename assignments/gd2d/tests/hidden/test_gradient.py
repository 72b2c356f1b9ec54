"""Hidden tests of gradient(x, y): both partial derivatives of peaks, each on its own, over the course's square.

Each test draws this submission's own points, one from each cell of a grid over [-2, 2]², so every region of
the landscape, where each term of the derivatives dominates, is in every draw.
"""

import numpy as np
import pytest
from gd2d_helpers import MINIMA, grid_points, near, pairs

from grader.authoring import N_, expect, expect_close

pytestmark = pytest.mark.about("gradient")

HINT = (
    "Differentiate each of the three terms of peaks with the product rule and the chain rule, once in x and once "
    "in y, and return them in the order [∂f/∂x, ∂f/∂y]. Check the sign each exponent's derivative brings down."
)
FIXED = [(0.0, 0.0), (1.0, -1.0), (-1.0, 1.0), MINIMA["deepest"]]


def expected_at(reference, points):
    return np.asarray([reference.gradient(x, y) for x, y in points], dtype=np.float64)


@pytest.mark.points(2)
@pytest.mark.hint(HINT)
@pytest.mark.parametrize("point", FIXED, ids=["(0, 0)", "(1, -1)", "(-1, 1)", "the deepest minimum"])
def test_gradient_at_a_point(submission, reference, rng, point):
    points = [point, near(rng, point, 0.5)]
    actual = pairs(submission.call_each("gradient", points))
    expect_close(
        actual,
        expected_at(reference, points),
        atol=1e-9,
        what=N_("gradient(x, y) at {points}"),
        values={"points": points},
    )


@pytest.mark.points(6)
@pytest.mark.hint(
    "∂f/∂x is wrong somewhere in the square. Differentiate each term in x: 3(1 − x)² e^(...) needs the product "
    "rule, and every exponent brings down its own derivative in x."
)
def test_partial_x_over_the_square(submission, reference, rng):
    points = grid_points(rng, 4)
    actual = pairs(submission.call_each("gradient", points))
    expect_close(
        actual[:, 0],
        expected_at(reference, points)[:, 0],
        atol=1e-9,
        what=N_("∂f/∂x, the first value of gradient(x, y), at 16 points of the square, in order"),
    )


@pytest.mark.points(6)
@pytest.mark.hint(
    "∂f/∂y is wrong somewhere in the square. Differentiate each term in y: x/5 − x³ − y⁵ gives −5y⁴, and every "
    "exponent brings down its own derivative in y."
)
def test_partial_y_over_the_square(submission, reference, rng):
    points = grid_points(rng, 4)
    actual = pairs(submission.call_each("gradient", points))
    expect_close(
        actual[:, 1],
        expected_at(reference, points)[:, 1],
        atol=1e-9,
        what=N_("∂f/∂y, the second value of gradient(x, y), at 16 points of the square, in order"),
    )


@pytest.mark.points(3)
@pytest.mark.hint("Return np.array([dfdx, dfdy]): one NumPy array of two float64 numbers, not a list or a tuple.")
def test_gradient_is_an_array_of_two_floats(submission, rng):
    x, y = grid_points(rng, 1)[0]
    value = submission.gradient(x, y)
    kind = f"{type(value).__name__} {getattr(value, 'dtype', '')} shape {np.shape(value)}".replace("  ", " ")
    expect(
        isinstance(value, np.ndarray) and value.shape == (2,) and value.dtype == np.float64,
        expected=N_("a NumPy array of shape (2,) and dtype float64"),
        actual=kind,
        what=N_("what gradient({x}, {y}) returned"),
        values={"x": x, "y": y},
    )
