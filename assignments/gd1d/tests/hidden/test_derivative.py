"""Hidden tests of derivative: f'(x) for f(x) = 3x² − 3x + 4, on numbers and on arrays.

Each test draws this submission's own points, one from each part of the course's grid (or of the part its
case is about), so both ends of the grid, where a clipped or guarded derivative shows, are in every draw.
"""

import numpy as np
import pytest
from gd1d_helpers import START_GRID, strata

from grader.authoring import N_, expect_close

pytestmark = pytest.mark.about("derivative")

HINT = (
    "Differentiate f(x) = 3x² − 3x + 4 term by term: check the factor the power rule brings down from x² "
    "and the sign and size of the constant term."
)
NEAR = {0.0: (-0.5, 0.5), 1.0: (0.5, 1.5), -2.0: (-2.0, -1.5), 2.0: (1.5, 2.0)}
"""The part of the grid each fixed point's case also draws from (never the point itself, never 0)."""


@pytest.mark.points(2)
@pytest.mark.hint(HINT)
@pytest.mark.parametrize("x", [0.0, 1.0, -2.0, 2.0], ids=["x=0", "x=1", "x=-2", "x=2"])
def test_derivative_at_a_point(submission, reference, rng, x):
    low, high = NEAR[x]
    near = START_GRID[(START_GRID >= low) & (START_GRID <= high) & (np.abs(START_GRID) > 0.1) & (START_GRID != x)]
    xs = [x, float(rng.choice(near))]
    actual = submission.call_each("derivative", [(value,) for value in xs])
    expect_close(actual, reference.derivative(np.asarray(xs)), what=N_("derivative(x) at x = {xs}"), values={"xs": xs})


@pytest.mark.points(5)
@pytest.mark.hint(HINT)
def test_derivative_at_starts_from_the_grid(submission, reference, rng):
    xs = np.asarray(rng.permutation(strata(rng, START_GRID, 9)))
    actual = submission.call_each("derivative", [(float(x),) for x in xs])
    expect_close(actual, reference.derivative(xs), what=N_("derivative(x) at 9 starts from the grid, in order"))


@pytest.mark.points(5)
@pytest.mark.hint(
    "derivative must also work on a NumPy array and return an array of the same shape: use arithmetic "
    "that NumPy applies element by element (no math module, no if on the value)."
)
def test_derivative_on_an_array(submission, reference, rng):
    xs = np.append(strata(rng, START_GRID, 8), 0.5)
    expect_close(submission.derivative(xs), reference.derivative(xs), what=N_("derivative of an array of 9 values"))
