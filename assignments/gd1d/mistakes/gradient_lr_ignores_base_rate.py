"""Mistake: the gradient-based rate hard-codes the course's base rate, |grad| / 100, and never reads base_lr.
Written with type hints and docstrings, the math module and a history of Python floats."""

from __future__ import annotations

import math

import numpy as np

Row = tuple[float, float, float]


def loss(x):
    """Returns f(x) = 3x² − 3x + 4."""
    return 3 * x**2 - 3 * x + 4


def derivative(x):
    """Returns f'(x) = 6x − 3."""
    return 6 * x - 3


def fixed_lr(base_lr: float, epoch: int, n_epochs: int, grad: float) -> float:
    """The same rate in every epoch."""
    return base_lr


def time_decay_lr(base_lr: float, epoch: int, n_epochs: int, grad: float) -> float:
    """A rate falling in a straight line to 0 in the last epoch."""
    return base_lr * (1 - (epoch + 1) / n_epochs)


def gradient_lr(base_lr: float, epoch: int, n_epochs: int, grad: float) -> float:
    """A rate proportional to the slope: 1% of |grad|."""
    return math.fabs(grad) / 100


def gradient_descent(x0: float, learning_rate: float, n_epochs: int, schedule=fixed_lr) -> np.ndarray:
    """Runs n_epochs steps from x0 and returns one row (x, grad, lr) per epoch."""
    x = float(x0)
    rows: list[Row] = []
    for epoch in range(n_epochs):
        grad = derivative(x)
        lr = schedule(learning_rate, epoch, n_epochs, grad)
        x -= lr * grad
        rows.append((x, grad, lr))
    return np.asarray(rows, dtype=np.float64).reshape(n_epochs, 3)


def random_start(rng: np.random.Generator) -> float:
    """Draws a start from the course's grid."""
    return float(rng.choice(np.linspace(-2, 2, 2001)))
