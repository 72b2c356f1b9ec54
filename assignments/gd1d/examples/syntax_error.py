"""Broken submission: a syntax error, so the file cannot even be loaded."""

import numpy as np


def derivative(x)
    return 6 * x - 3
