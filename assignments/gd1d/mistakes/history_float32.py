"""Mistake: the history is float32 ("half the memory of float64"), so every row is rounded to about 7 digits.
Written with a generator that yields one row per epoch, flattened into np.fromiter."""

import itertools

import numpy as np

GRID = np.linspace(-2, 2, 2001)


def loss(x):
    return 3 * x**2 - 3 * x + 4


def derivative(x):
    return 6 * x - 3


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - (epoch + 1) / n_epochs)


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * np.abs(grad)


def descend(x, learning_rate, n_epochs, schedule):
    """Yields (x after the step, slope, rate), epoch after epoch."""
    for epoch in range(n_epochs):
        slope = derivative(x)
        rate = schedule(learning_rate, epoch, n_epochs, slope)
        x = x - rate * slope
        yield x, slope, rate


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    steps = descend(np.float64(x0), learning_rate, n_epochs, schedule)
    with np.errstate(over="ignore", invalid="ignore"):
        flat = np.fromiter(itertools.chain.from_iterable(steps), dtype=np.float32, count=3 * n_epochs)
    return flat.reshape(n_epochs, 3)


def random_start(rng):
    return float(rng.choice(GRID))
