"""Mistake, in the course notebook's own names: the derivative is taken again after the update, so each row
records f'(x) at the new x. x and the rate are right; only column 1 runs one epoch ahead."""

import numpy as np


# the function (as a function)
def loss(x):
    return 3*x**2 - 3*x + 4

# derivative function
def derivative(x):
    return 6*x - 3


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr

def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr*(1 - (epoch+1)/n_epochs)

def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr*np.abs(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    localmin = np.float64(x0)
    modelparams = np.zeros((n_epochs, 3))
    for i in range(n_epochs):
        grad = derivative(localmin)
        lr = schedule(learning_rate, i, n_epochs, grad)
        localmin = localmin - lr*grad
        grad = derivative(localmin)  # "the gradient at the new point", for the plot
        modelparams[i, :] = localmin, grad, lr
    return modelparams


def random_start(rng):
    return float(rng.choice(np.linspace(-2, 2, 2001)))
