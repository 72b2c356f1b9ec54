"""Gradient descent in one dimension on f(x) = 3x² − 3x + 4.

Fill in the five functions that raise NotImplementedError. `loss` and `random_start` are given.
Do the arithmetic with NumPy float64 (start with x = np.float64(x0)), so that a run that diverges
overflows to inf instead of raising an error.
"""

import numpy as np


def loss(x):
    """Returns f(x) = 3x² − 3x + 4, for a number or an array."""
    return 3 * x**2 - 3 * x + 4


def derivative(x):
    """Returns f'(x), the derivative of the loss, for a number or a NumPy array.

    Example: derivative(1.0) gives 3.0.
    """
    raise NotImplementedError("derivative: return f'(x) for the loss f(x) = 3x² − 3x + 4")


def fixed_lr(base_lr, epoch, n_epochs, grad):
    """Returns the learning rate for this epoch under the fixed schedule: always base_lr.

    Example: fixed_lr(0.01, 7, 50, -2.0) gives 0.01.
    """
    raise NotImplementedError("fixed_lr: return the learning rate of the fixed schedule")


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    """Returns the learning rate for this epoch under time-based decay: base_lr · (1 − (epoch + 1) / n_epochs).

    epoch counts from 0, so the first epoch's rate is a little below base_lr and the last one's is 0.
    Example: time_decay_lr(0.1, 0, 10, 5.0) gives 0.09.
    """
    raise NotImplementedError("time_decay_lr: return the learning rate of the time-based schedule")


def gradient_lr(base_lr, epoch, n_epochs, grad):
    """Returns the learning rate for this epoch under the gradient-based schedule: base_lr · |grad|.

    Example: gradient_lr(0.01, 0, 50, -4.0) gives 0.04.
    """
    raise NotImplementedError("gradient_lr: return the learning rate of the gradient-based schedule")


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    """Returns the history of n_epochs gradient descent updates from x0: a float64 array of shape (n_epochs, 3).

    In epoch i (counting from 0): grad = derivative(x), lr = schedule(learning_rate, i, n_epochs, grad),
    then x ← x − lr · grad. Row i holds x after the update, grad and lr.

    Example: gradient_descent(2.0, 0.1, 2) gives
        [[1.1 , 9.  , 0.1 ],
         [0.74, 3.6 , 0.1 ]]
    (epoch 0: f'(2) = 9, x = 2 − 0.1·9 = 1.1; epoch 1: f'(1.1) = 3.6, x = 1.1 − 0.1·3.6 = 0.74).
    """
    raise NotImplementedError("gradient_descent: run the loop and return the history")


def random_start(rng):
    """Returns a start drawn from np.linspace(-2, 2, 2001) with the NumPy Generator rng."""
    return float(rng.choice(np.linspace(-2, 2, 2001)))
