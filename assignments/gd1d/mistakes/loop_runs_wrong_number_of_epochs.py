"""Mistake: the loop runs range(n_epochs + 1), "epochs 0 to n_epochs", one epoch too many. Written with NumPy's
error handling set once at import and a history grown row by row with np.vstack."""

import numpy as np

np.seterr(over="ignore", invalid="ignore")  # a diverging run may overflow: that is the point of lr = 1


def loss(x):
    return 3 * np.power(x, 2) - 3 * x + 4


def derivative(x):
    return np.subtract(np.multiply(6, x), 3)


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - (epoch + 1) / n_epochs)


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * np.absolute(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    history = np.empty((0, 3))
    x = np.float64(x0)
    for epoch in range(n_epochs + 1):  # epochs 0 to n_epochs
        grad = derivative(x)
        lr = schedule(learning_rate, epoch, n_epochs, grad)
        x = x - lr * grad
        history = np.vstack([history, [x, grad, lr]])
    return history


def random_start(rng):
    return float(rng.choice(np.linspace(-2, 2, 2001)))
