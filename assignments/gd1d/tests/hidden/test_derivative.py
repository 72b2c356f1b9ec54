"""Hidden tests of derivative: f'(x) for f(x) = 3x² − 3x + 4, on numbers and on arrays."""

import numpy as np
import pytest

from grader.authoring import N_, expect_close

START_GRID = np.linspace(-2, 2, 2001)

HINT = (
    "Differentiate f(x) = 3x² − 3x + 4 term by term: check the factor the power rule brings down from x² "
    "and the sign and size of the constant term."
)


@pytest.mark.points(2)
@pytest.mark.hint(HINT)
@pytest.mark.parametrize("x", [0.0, 1.0, -2.0, 2.0], ids=["x=0", "x=1", "x=-2", "x=2"])
def test_derivative_at_a_point(submission, reference, x):
    expect_close(submission.derivative(x), reference.derivative(x), what=f"derivative({x})")


@pytest.mark.points(5)
@pytest.mark.hint(HINT)
def test_derivative_at_starts_from_the_grid(submission, reference, rng):
    xs = rng.choice(START_GRID, size=9, replace=False)
    actual = submission.call_each("derivative", [(float(x),) for x in xs])
    expect_close(actual, reference.derivative(xs), what=N_("derivative(x) at 9 starts from the grid, in order"))


@pytest.mark.points(5)
@pytest.mark.hint(
    "derivative must also work on a NumPy array and return an array of the same shape: use arithmetic "
    "that NumPy applies element by element (no math module, no if on the value)."
)
def test_derivative_on_an_array(submission, reference, rng):
    xs = np.append(np.sort(rng.choice(START_GRID, size=8, replace=False)), 0.5)
    expect_close(submission.derivative(xs), reference.derivative(xs), what=N_("derivative of an array of 9 values"))
