"""Public tests: a first check of each function on the worked examples from the instructions.

Passing them does not mean full marks: the hidden tests check many more points, both partial derivatives
on their own, what each row of the history holds, and the course's runs to the local minima.
"""

import numpy as np
import pytest


@pytest.mark.hint("Copy the formula of peaks term by term; check each exponent and each sign.")
def test_peaks_at_a_few_points(submission):
    for (x, y), expected in [((0.0, 0.0), 0.9810118431238463), ((1.0, -1.0), -0.2729165488062538)]:
        np.testing.assert_allclose(
            submission.peaks(x, y), expected, rtol=1e-9, err_msg=f"peaks({x}, {y}) should be {expected}"
        )


@pytest.mark.hint("peaks(x, y) of two arrays of one shape is an array of that shape: build no meshgrid inside it.")
def test_peaks_on_arrays_is_element_by_element(submission):
    xs, ys = np.array([0.0, 1.0, -1.0]), np.array([0.0, -1.0, 0.5])
    values = np.asarray(submission.peaks(xs, ys))
    assert values.shape == (3,), f"peaks of two arrays of shape (3,) should have shape (3,), got {values.shape}"
    np.testing.assert_allclose(values[:2], [0.9810118431238463, -0.2729165488062538], rtol=1e-9)


@pytest.mark.hint("Differentiate each term with the product rule and the chain rule; ∂f/∂x first, then ∂f/∂y.")
def test_gradient_at_the_origin(submission):
    np.testing.assert_allclose(
        submission.gradient(0.0, 0.0),
        [-3.9620236862476923, -2.207276647028654],
        rtol=1e-9,
        err_msg="gradient(0.0, 0.0) should be about [-3.9620, -2.2073]",
    )


@pytest.mark.hint("At a local minimum both partial derivatives are 0.")
def test_gradient_vanishes_at_the_deepest_minimum(submission):
    np.testing.assert_allclose(
        submission.gradient(0.228278920602, -1.625534957428),
        [0.0, 0.0],
        atol=1e-6,
        err_msg="the gradient at the deepest minimum, near (0.2283, -1.6255), should be about [0, 0]",
    )


@pytest.mark.hint("Return np.zeros((n_epochs, 4)) filled row by row: one row (x, y, ∂f/∂x, ∂f/∂y) per epoch.")
def test_gradient_descent_2d_returns_float64_rows(submission):
    history = submission.gradient_descent_2d((0.0, 0.0), 0.01, 5)
    assert isinstance(history, np.ndarray), (
        f"gradient_descent_2d((0.0, 0.0), 0.01, 5) should return a NumPy array, got {type(history).__name__}"
    )
    assert history.shape == (5, 4), f"the history of 5 epochs should have shape (5, 4), got {history.shape}"
    assert history.dtype == np.float64, f"the history should have dtype float64, got {history.dtype}"


@pytest.mark.hint("Row i holds the point after epoch i's update and the gradient taken before it: p ← p − lr·∇f(p).")
def test_gradient_descent_2d_two_epochs(submission):
    np.testing.assert_allclose(
        submission.gradient_descent_2d((0.0, 0.0), 0.01, 2),
        [
            [0.039620236862476926, 0.02207276647028654, -3.9620236862476923, -2.207276647028654],
            [0.07770768288164856, 0.04185633158582802, -3.808744601917164, -1.9783565115541477],
        ],
        rtol=1e-8,
        err_msg="gradient_descent_2d((0.0, 0.0), 0.01, 2) is not the reference's history",
    )
