"""Public tests: a first check of each function on the worked examples from the instructions.

Passing them does not mean full marks: the hidden tests check more values, the loop's calls to its schedule
and the behaviour the course describes.
"""

import numpy as np
import pytest


@pytest.mark.hint("Differentiate 3x² − 3x + 4 term by term with the power rule.")
def test_derivative_at_a_few_points(submission):
    for x, expected in [(1.0, 3.0), (0.5, 0.0), (-2.0, -15.0)]:
        np.testing.assert_allclose(
            submission.derivative(x), expected, atol=1e-12, err_msg=f"derivative({x}) should be {expected}"
        )


@pytest.mark.hint("Use arithmetic NumPy applies element by element, so an array in gives an array out.")
def test_derivative_on_an_array(submission):
    xs = np.array([-2.0, 0.0, 0.5, 2.0])
    np.testing.assert_allclose(
        submission.derivative(xs),
        [-15.0, -3.0, 0.0, 9.0],
        atol=1e-12,
        err_msg="derivative(np.array([-2.0, 0.0, 0.5, 2.0])) should be [-15, -3, 0, 9]",
    )


@pytest.mark.hint("fixed_lr returns the base learning rate, whatever the epoch and the gradient.")
def test_fixed_lr(submission):
    np.testing.assert_allclose(
        submission.fixed_lr(0.01, 7, 50, -2.0), 0.01, err_msg="fixed_lr(0.01, 7, 50, -2.0) should be 0.01"
    )


@pytest.mark.hint("Time-based decay is base_lr · (1 − (epoch + 1) / n_epochs), epoch counted from 0.")
def test_time_decay_lr_first_and_last_epoch(submission):
    np.testing.assert_allclose(
        submission.time_decay_lr(0.1, 0, 10, 5.0), 0.09, err_msg="time_decay_lr(0.1, 0, 10, 5.0) should be 0.09"
    )
    np.testing.assert_allclose(
        submission.time_decay_lr(0.1, 9, 10, 5.0),
        0.0,
        atol=1e-15,
        err_msg="time_decay_lr(0.1, 9, 10, 5.0) should be 0: the last epoch's rate is 0",
    )


@pytest.mark.hint("The gradient-based rate is base_lr times the size of the gradient; a rate is never negative.")
def test_gradient_lr_with_a_negative_gradient(submission):
    np.testing.assert_allclose(
        submission.gradient_lr(0.01, 0, 50, -4.0), 0.04, err_msg="gradient_lr(0.01, 0, 50, -4.0) should be 0.04"
    )


@pytest.mark.hint("Return np.zeros((n_epochs, 3)) filled row by row: one row per epoch, dtype float64.")
def test_gradient_descent_returns_float64_rows(submission):
    history = submission.gradient_descent(2.0, 0.01, 5)
    assert isinstance(history, np.ndarray), (
        f"gradient_descent(2.0, 0.01, 5) should return a NumPy array, got {type(history).__name__}"
    )
    assert history.shape == (5, 3), (
        f"gradient_descent(2.0, 0.01, 5) should have shape (5, 3), one row per epoch; got {history.shape}"
    )
    assert history.dtype == np.float64, f"the history should have dtype float64, got {history.dtype}"


@pytest.mark.hint("Row i holds x after epoch i's update, f'(x) before the update, and the rate used: x ← x − lr·f'(x).")
def test_gradient_descent_two_epochs(submission):
    np.testing.assert_allclose(
        submission.gradient_descent(2.0, 0.1, 2),
        [[1.1, 9.0, 0.1], [0.74, 3.6, 0.1]],
        rtol=1e-9,
        err_msg="gradient_descent(2.0, 0.1, 2) should be [[1.1, 9, 0.1], [0.74, 3.6, 0.1]]",
    )


@pytest.mark.hint("Call the schedule each epoch as schedule(learning_rate, epoch, n_epochs, grad) and record its rate.")
def test_gradient_descent_with_time_decay(submission):
    np.testing.assert_allclose(
        submission.gradient_descent(2.0, 0.1, 2, submission.function("time_decay_lr")),
        [[1.55, 9.0, 0.05], [1.55, 6.3, 0.0]],
        rtol=1e-9,
        atol=1e-15,
        err_msg="gradient_descent(2.0, 0.1, 2, time_decay_lr) should be [[1.55, 9, 0.05], [1.55, 6.3, 0]]",
    )
