"""Gradient descent in two dimensions on the course's "peaks" function: the answer key.

peaks(x, y) = 3(1 − x)² e^(−x² − (y + 1)²) − 10(x/5 − x³ − y⁵) e^(−x² − y²) − (1/3) e^(−(x + 1)² − y²)

Its partial derivatives are written out by hand (the course asks sympy for them), term by term with the
product and chain rules. The landscape has several local minima: which one gradient descent reaches
depends on the start and on the learning rate.
"""

import numpy as np


def peaks(x, y):
    """Returns peaks(x, y), element by element for arrays of one shape (a number for numbers)."""
    return (
        3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        - np.exp(-((x + 1) ** 2) - y**2) / 3
    )


def gradient(x, y):
    """Returns the gradient of peaks at (x, y) as a float64 array [∂f/∂x, ∂f/∂y]."""
    a = np.exp(-(x**2) - (y + 1) ** 2)
    b = np.exp(-(x**2) - y**2)
    c = np.exp(-((x + 1) ** 2) - y**2)
    inner = x / 5 - x**3 - y**5
    dfdx = (
        -6 * (1 - x) * a
        - 6 * x * (1 - x) ** 2 * a
        - 10 * (1 / 5 - 3 * x**2) * b
        + 20 * x * inner * b
        + 2 * (x + 1) * c / 3
    )
    dfdy = -6 * (1 - x) ** 2 * (y + 1) * a + 50 * y**4 * b + 20 * y * inner * b + 2 * y * c / 3
    return np.array([dfdx, dfdy], dtype=np.float64)


def gradient_descent_2d(start, learning_rate, n_epochs):
    """Returns the history of n_epochs updates p ← p − lr · ∇f(p) from start, one float64 row per epoch.

    Row i holds the point (x, y) after epoch i's update and the gradient (∂f/∂x, ∂f/∂y) that update used,
    taken at the point before it. Both coordinates move at once, with the gradient of the same point.
    """
    point = np.array(start, dtype=np.float64)  # a copy: the caller's start is left as it was
    history = np.zeros((n_epochs, 4), dtype=np.float64)
    for epoch in range(n_epochs):
        grad = gradient(point[0], point[1])
        point = point - learning_rate * grad
        history[epoch] = (point[0], point[1], grad[0], grad[1])
    return history


def random_start(rng):
    """Returns a start drawn uniformly from the square [-2, 2]² with the NumPy Generator rng, as the course does."""
    return rng.uniform(-2, 2, size=2)
