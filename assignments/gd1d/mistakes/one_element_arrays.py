"""Mistake: x starts as a 1-element array, as after the course's localmin = np.random.choice(x, 1), so every
row assignment stores an array into a cell. Written with module-level settings and a tuple row."""

import numpy as np

xs = np.linspace(-2, 2, 2001)


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


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    localmin = np.array([x0], dtype=np.float64)  # in the notebook: np.random.choice(xs, 1)
    modelparams = np.zeros((n_epochs, 3))
    for i in range(n_epochs):
        grad = derivative(localmin)
        lr = schedule(learning_rate, i, n_epochs, grad)
        localmin = localmin - lr * grad
        modelparams[i, :] = localmin, grad, lr
    return modelparams


def random_start(rng):
    return float(rng.choice(xs))
