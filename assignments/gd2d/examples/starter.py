"""Gradient descent in two dimensions on the course's "peaks" function.

Fill in the three functions that raise NotImplementedError. `random_start` is given.
Do the arithmetic with NumPy float64 (start with point = np.array(start, dtype=float)).
"""

import numpy as np


def peaks(x, y):
    """Returns peaks(x, y), element by element for two arrays of one shape, a number for two numbers.

    peaks(x, y) = 3(1 − x)² e^(−x² − (y + 1)²) − 10(x/5 − x³ − y⁵) e^(−x² − y²) − (1/3) e^(−(x + 1)² − y²)
    Example: peaks(0.0, 0.0) gives 0.9810 (to 4 decimals).
    """
    raise NotImplementedError("peaks: return the value of the peaks function at (x, y)")


def gradient(x, y):
    """Returns the gradient of peaks at (x, y) as a NumPy array [∂f/∂x, ∂f/∂y] of two float64 numbers.

    Work the partial derivatives out by hand (product rule and chain rule, term by term).
    Example: gradient(0.0, 0.0) gives, to 4 decimals, array([-3.9620, -2.2073]).
    """
    raise NotImplementedError("gradient: return [∂f/∂x, ∂f/∂y] of peaks at (x, y)")


def gradient_descent_2d(start, learning_rate, n_epochs):
    """Returns the history of n_epochs gradient descent updates from start: a float64 array of shape (n_epochs, 4).

    start is a pair (x, y): a tuple, a list or a NumPy array; leave it as it is (work on a copy).
    In epoch i (counting from 0): grad = gradient(x, y) at the current point, then both coordinates move at once,
    (x, y) ← (x, y) − learning_rate · grad. Row i holds x and y after the update, then ∂f/∂x and ∂f/∂y of grad.

    Example: gradient_descent_2d((0.0, 0.0), 0.01, 1) gives, to 4 decimals,
        [[0.0396, 0.0221, -3.9620, -2.2073]]
    """
    raise NotImplementedError("gradient_descent_2d: run the loop and return the history")


def random_start(rng):
    """Returns a start drawn uniformly from the square [-2, 2]² with the NumPy Generator rng, as the course does."""
    return rng.uniform(-2, 2, size=2)
