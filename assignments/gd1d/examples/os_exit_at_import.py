"""Broken submission: os._exit(0) while the file loads, ending the process without any cleanup."""

import os

import numpy as np

os._exit(0)


def derivative(x):
    return 6 * x - 3
