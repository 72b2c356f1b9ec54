"""Mistake: the run stops once the slope is nearly flat ("we are there"), leaving the remaining rows zero.
Written with a tolerance constant, a while loop on a counter and rows kept in a preallocated table."""

import numpy as np

TOLERANCE = 0.1


def loss(x):
    return 3.0 * np.square(x) - 3.0 * x + 4.0


def derivative(x):
    return 6.0 * x - 3.0


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr - base_lr * (epoch + 1) / n_epochs


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * abs(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    table = np.zeros((n_epochs, 3))
    x, epoch = np.float64(x0), 0
    with np.errstate(over="ignore", invalid="ignore"):
        while epoch < n_epochs:
            slope = derivative(x)
            if abs(slope) < TOLERANCE:
                break  # close enough to the minimum
            rate = schedule(learning_rate, epoch, n_epochs, slope)
            x = x - rate * slope
            table[epoch] = [x, slope, rate]
            epoch += 1
    return table


def random_start(rng):
    return float(rng.choice(np.linspace(-2, 2, 2001)))
