"""The gradient returns [df_y, df_x]."""

import numpy as np


def peaks(x, y):

    z = 3 * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2) \
        - 10 * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2) \
        - 1 / 3 * np.exp(-((x + 1) ** 2) - y**2)
    return z


def df_x(x, y):
    return (
        -6 * (1 - x) * np.exp(-(x**2) - (y + 1) ** 2)
        - 6 * x * (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2)
        - 10 * (1 / 5 - 3 * x**2) * np.exp(-(x**2) - y**2)
        + 20 * x * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        + 2 / 3 * (x + 1) * np.exp(-((x + 1) ** 2) - y**2)
    )


def df_y(x, y):
    return (
        -6 * (1 - x) ** 2 * (y + 1) * np.exp(-(x**2) - (y + 1) ** 2)
        + 50 * y**4 * np.exp(-(x**2) - y**2)
        + 20 * y * (x / 5 - x**3 - y**5) * np.exp(-(x**2) - y**2)
        + 2 / 3 * y * np.exp(-((x + 1) ** 2) - y**2)
    )


def gradient(x, y):
    return np.array([df_y(x, y), df_x(x, y)])


def gradient_descent_2d(start, learning_rate, n_epochs):
    localmin = np.array(start, dtype=float)
    trajectory = np.zeros((n_epochs, 4))
    for i in range(n_epochs):
        grad = gradient(localmin[0], localmin[1])
        localmin = localmin - learning_rate * grad
        trajectory[i, :] = localmin[0], localmin[1], grad[0], grad[1]
    return trajectory


def random_start(rng):
    return rng.uniform(-2, 2, size=2)


if __name__ == "__main__":
    localmin = random_start(np.random.default_rng())
    print(localmin, gradient_descent_2d(localmin, 0.01, 1000)[-1])
