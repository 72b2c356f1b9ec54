"""Mistake: each epoch asks the schedule for its rate twice, once to check that it is not negative and once to
use it. Written as a fold over the epochs (functools.reduce) with a NamedTuple holding the state."""

import functools
from typing import NamedTuple

import numpy as np


class State(NamedTuple):
    x: float
    rows: tuple


def loss(x):
    return 3 * x**2 - 3 * x + 4


def derivative(x):
    return 6 * x - 3


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - (epoch + 1) / n_epochs)


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * abs(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    def one_epoch(state, epoch):
        grad = derivative(state.x)
        if schedule(learning_rate, epoch, n_epochs, grad) < 0:
            raise ValueError("a learning rate cannot be negative")
        lr = schedule(learning_rate, epoch, n_epochs, grad)
        x = state.x - lr * grad
        return State(x, state.rows + ((x, grad, lr),))

    with np.errstate(over="ignore", invalid="ignore"):
        final = functools.reduce(one_epoch, range(n_epochs), State(np.float64(x0), ()))
    return np.array(final.rows, dtype=np.float64).reshape(n_epochs, 3)


def random_start(rng):
    return float(rng.choice(np.linspace(-2, 2, 2001)))
