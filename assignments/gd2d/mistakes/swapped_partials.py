"""Mistake: the gradient returns [df/dy, df/dx]."""

import numpy as np

E = np.exp


def peaks(x, y):
    return 3 * (1 - x) ** 2 * E(-x * x - (y + 1) ** 2) - 10 * (x / 5 - x**3 - y**5) * E(-x * x - y * y) - E(
        -(x + 1) ** 2 - y * y
    ) / 3


def gradient(x, y):
    first = E(-x * x - (y + 1) * (y + 1))
    middle = E(-x * x - y * y)
    last = E(-(x + 1) * (x + 1) - y * y)
    poly = x / 5 - x**3 - y**5
    fx = -6 * (1 - x) * first - 6 * x * (1 - x) ** 2 * first
    fx = fx - (2 - 30 * x * x) * middle + 20 * x * poly * middle
    fx = fx + 2 / 3 * (x + 1) * last
    fy = -6 * (1 - x) ** 2 * (y + 1) * first + 50 * y**4 * middle
    fy = fy + 20 * y * poly * middle + 2 / 3 * y * last
    return np.array([fy, fx])


class Descent:
    def __init__(self, start, rate):
        self.x, self.y = float(start[0]), float(start[1])
        self.rate = rate
        self.rows = []

    def epoch(self):
        gx, gy = gradient(self.x, self.y)
        self.x, self.y = self.x - self.rate * gx, self.y - self.rate * gy
        self.rows.append((self.x, self.y, gx, gy))

    def history(self):
        return np.array(self.rows, dtype=float).reshape(-1, 4)


def gradient_descent_2d(start, learning_rate, n_epochs):
    run = Descent(start, learning_rate)
    done = 0
    while done < n_epochs:
        run.epoch()
        done += 1
    return run.history()


def random_start(rng):
    return rng.uniform(-2, 2, size=2)
