"""A correct submission written differently from the reference: Python floats and a list of rows."""

import numpy as np


def loss(x):
    return 3 * x**2 - 3 * x + 4


def derivative(x):
    return 3.0 * (2.0 * x - 1.0)


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * (n_epochs - epoch - 1) / n_epochs


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * np.abs(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = float(x0)
    records = []
    for epoch in range(n_epochs):
        slope = derivative(x)
        rate = schedule(learning_rate, epoch, n_epochs, slope)
        x -= rate * slope
        records.append([x, slope, rate])
    return np.array(records, dtype=float).reshape(n_epochs, 3)


def random_start(rng):
    return float(rng.choice(np.linspace(-2, 2, 2001)))
