"""Broken submission: an endless loop at module level, so loading the file never finishes."""

import numpy as np

while True:
    pass


def derivative(x):
    return 6 * x - 3
