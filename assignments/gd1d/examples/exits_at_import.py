"""Broken submission: sys.exit(0) while the file loads, as if stray script code ran on import."""

import sys

import numpy as np

sys.exit(0)


def derivative(x):
    return 6 * x - 3
