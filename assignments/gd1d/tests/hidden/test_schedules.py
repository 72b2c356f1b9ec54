"""Hidden tests of the three learning-rate schedules, each on its own: fixed, time-based decay, gradient-based."""

import numpy as np
import pytest

from grader.authoring import N_, expect_close

START_GRID = np.linspace(-2, 2, 2001)


@pytest.mark.points(3)
@pytest.mark.hint("fixed_lr returns the base learning rate unchanged, whatever the epoch and the gradient.")
@pytest.mark.parametrize(
    "base_lr, epoch, n_epochs, grad",
    [
        pytest.param(0.01, 0, 50, 9.0, id="first epoch"),
        pytest.param(0.1, 99, 100, -2.5, id="last epoch, negative gradient"),
    ],
)
def test_fixed_lr(submission, reference, base_lr, epoch, n_epochs, grad):
    expect_close(
        submission.fixed_lr(base_lr, epoch, n_epochs, grad),
        reference.fixed_lr(base_lr, epoch, n_epochs, grad),
        what=f"fixed_lr({base_lr}, {epoch}, {n_epochs}, {grad})",
    )


TIME_DECAY_HINT = (
    "Time-based decay is base_lr · (1 − (epoch + 1) / n_epochs) with epoch counted from 0: check the + 1 "
    "(the first epoch's rate is already below base_lr) and that the rate shrinks as epochs go by."
)


@pytest.mark.points(2)
@pytest.mark.hint(TIME_DECAY_HINT)
@pytest.mark.parametrize(
    "base_lr, epoch, n_epochs, grad",
    [
        pytest.param(0.1, 0, 10, 5.0, id="first epoch"),
        pytest.param(0.1, 24, 50, -1.0, id="middle epoch"),
    ],
)
def test_time_decay_lr(submission, reference, base_lr, epoch, n_epochs, grad):
    expect_close(
        submission.time_decay_lr(base_lr, epoch, n_epochs, grad),
        reference.time_decay_lr(base_lr, epoch, n_epochs, grad),
        what=f"time_decay_lr({base_lr}, {epoch}, {n_epochs}, {grad})",
    )


@pytest.mark.points(2)
@pytest.mark.hint(TIME_DECAY_HINT)
def test_time_decay_lr_at_a_seeded_epoch(submission, reference, rng):
    n_epochs = int(rng.integers(20, 500))
    epoch = int(rng.integers(1, n_epochs - 1))
    base_lr = float(rng.choice([0.5, 0.1, 0.05, 0.01]))
    grad = float(rng.normal())
    expect_close(
        submission.time_decay_lr(base_lr, epoch, n_epochs, grad),
        reference.time_decay_lr(base_lr, epoch, n_epochs, grad),
        what=f"time_decay_lr({base_lr}, {epoch}, {n_epochs}, {grad:.6g})",
    )


@pytest.mark.points(2)
@pytest.mark.hint(TIME_DECAY_HINT + " With 50 epochs, epoch 49 is the last one and its rate is exactly 0.")
def test_time_decay_lr_reaches_zero_at_the_last_epoch(submission, reference):
    actual = submission.call_each("time_decay_lr", [(0.1, epoch, 50, 0.3) for epoch in (48, 49)])
    expected = [reference.time_decay_lr(0.1, epoch, 50, 0.3) for epoch in (48, 49)]
    expect_close(actual, expected, atol=1e-15, what=N_("time_decay_lr(0.1, epoch, 50, 0.3) for epochs 48 and 49"))


GRADIENT_HINT = (
    "The gradient-based rate is base_lr times the size of the gradient: a rate is never negative, so "
    "check what happens when the gradient is negative."
)


@pytest.mark.points(2)
@pytest.mark.hint(GRADIENT_HINT)
@pytest.mark.parametrize(
    "base_lr, epoch, n_epochs, grad",
    [
        pytest.param(0.01, 0, 50, 9.0, id="positive gradient"),
        pytest.param(0.01, 3, 50, -4.5, id="negative gradient"),
        pytest.param(0.05, 49, 50, 2.0, id="last epoch"),
    ],
)
def test_gradient_lr(submission, reference, base_lr, epoch, n_epochs, grad):
    expect_close(
        submission.gradient_lr(base_lr, epoch, n_epochs, grad),
        reference.gradient_lr(base_lr, epoch, n_epochs, grad),
        what=f"gradient_lr({base_lr}, {epoch}, {n_epochs}, {grad})",
    )


@pytest.mark.points(2)
@pytest.mark.hint(GRADIENT_HINT)
def test_gradient_lr_left_of_the_minimum(submission, reference, rng):
    x = float(rng.choice(START_GRID[START_GRID < 0.4]))
    grad = float(reference.derivative(x))
    epoch = int(rng.integers(0, 50))
    expect_close(
        submission.gradient_lr(0.01, epoch, 50, grad),
        reference.gradient_lr(0.01, epoch, 50, grad),
        what=f"gradient_lr(0.01, {epoch}, 50, {grad:.6g})",
    )
