"""Hidden tests of peaks(x, y): its values over the course's square, on numbers and on arrays.

The value tests draw this submission's own points, one from each cell of a grid over [-2, 2]², and judge the
values alone (a 1-element array counts as its number); what peaks returns for numbers and for arrays has
tests of its own.
"""

import numpy as np
import pytest
from gd2d_helpers import grid_points, near, numbers

from grader.authoring import N_, expect, expect_close

pytestmark = pytest.mark.about("peaks")

HINT = (
    "Copy peaks term by term: 3(1 − x)² e^(−x² − (y + 1)²) − 10(x/5 − x³ − y⁵) e^(−x² − y²) "
    "− (1/3) e^(−(x + 1)² − y²). Check each exponent, each sign and the brackets around the exponents."
)
FIXED = [(0.0, 0.0), (1.0, -1.0), (-1.0, 1.0), (0.5, 1.5)]


@pytest.mark.points(2)
@pytest.mark.hint(HINT)
@pytest.mark.parametrize("point", FIXED, ids=[f"({x}, {y})" for x, y in FIXED])
def test_peaks_at_a_point(submission, reference, rng, point):
    points = [point, near(rng, point, 0.5)]
    actual = numbers(submission.call_each("peaks", points))
    expected = np.asarray([reference.peaks(x, y) for x, y in points])
    expect_close(actual, expected, what=N_("peaks(x, y) at {points}"), values={"points": points})


@pytest.mark.points(5)
@pytest.mark.hint(HINT)
def test_peaks_over_the_square(submission, reference, rng):
    points = grid_points(rng, 4)
    actual = numbers(submission.call_each("peaks", points))
    expected = np.asarray([reference.peaks(x, y) for x, y in points])
    expect_close(actual, expected, what=N_("peaks(x, y) at 16 points of the square [-2, 2]², in order"))


@pytest.mark.points(2)
@pytest.mark.hint(
    "peaks must also work on two NumPy arrays of one shape, element by element, and return an array of that "
    "shape: use NumPy's arithmetic and np.exp. Do not build a grid (np.meshgrid) inside peaks; the caller does that."
)
@pytest.mark.parametrize("shape", [(5,), (3, 4)], ids=["two vectors", "two grids"])
def test_peaks_on_arrays_is_element_by_element(submission, reference, rng, shape):
    points = np.asarray(grid_points(rng, 4))[: int(np.prod(shape))]
    xs, ys = points[:, 0].reshape(shape), points[:, 1].reshape(shape)
    expect_close(
        submission.peaks(xs, ys),
        reference.peaks(xs, ys),
        what=N_("peaks of two arrays of shape {shape}"),
        values={"shape": str(shape)},
    )


@pytest.mark.points(3)
@pytest.mark.hint(
    "For two numbers peaks returns one number, not an array: no np.meshgrid, no np.array([...]) around it."
)
def test_peaks_of_two_numbers_is_one_number(submission, rng):
    x, y = grid_points(rng, 1)[0]
    value = submission.peaks(x, y)
    expect(
        np.ndim(value) == 0,
        expected=N_("one number"),
        actual=value,
        what=N_("peaks({x}, {y})"),
        values={"x": x, "y": y},
    )
