"""Typical mistake: each row records x before the update instead of after it. Otherwise correct."""

import numpy as np

START_GRID = np.linspace(-2, 2, 2001)
"""The starts the course draws from; it holds 0.5 itself, where gradient descent does not move."""


def loss(x):
    """Returns f(x) = 3x² − 3x + 4, for a number or an array."""
    return 3 * x**2 - 3 * x + 4


def derivative(x):
    """Returns f'(x) = 6x − 3, for a number or an array."""
    return 6 * x - 3


def fixed_lr(base_lr, epoch, n_epochs, grad):
    """Returns the base learning rate, whatever the epoch and the gradient."""
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    """Returns base_lr · (1 − (epoch + 1) / n_epochs): epoch counts from 0, so the last epoch's rate is 0."""
    return base_lr * (1 - (epoch + 1) / n_epochs)


def gradient_lr(base_lr, epoch, n_epochs, grad):
    """Returns base_lr · |grad|: large steps far from the minimum, small ones close to it."""
    return base_lr * abs(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    """Returns the history of n_epochs updates x ← x − lr · f'(x) from x0, one float64 row per epoch.

    Row i holds x after epoch i's update, the derivative f'(x) used in epoch i (taken before the update)
    and the learning rate used in epoch i, which is schedule(learning_rate, i, n_epochs, f'(x)).
    """
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3), dtype=np.float64)
    # A diverging run is part of the lesson: inf and nan are its expected values, not warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(n_epochs):
            grad = derivative(x)
            lr = schedule(learning_rate, epoch, n_epochs, grad)
            history[epoch] = (x, grad, lr)
            x = x - lr * grad
    return history


def random_start(rng):
    """Returns a start drawn from np.linspace(-2, 2, 2001) with the NumPy Generator rng."""
    return float(rng.choice(START_GRID))
