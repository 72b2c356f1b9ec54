"""Hostile submission: at import it patches pytest, NumPy's comparisons and builtins to make every check pass,
and every function returns 0.0. The patches reach only the worker, never the trusted process: it must score 0."""

import builtins
import sys

import numpy as np
import numpy.testing

import _pytest.assertion.util
import pytest


def _always_equal(*args, **kwargs):
    class Anything:
        def __eq__(self, other):
            return True

    return Anything()


pytest.approx = _always_equal
pytest.fail = lambda *args, **kwargs: None
_pytest.assertion.util.assertrepr_compare = lambda *args, **kwargs: None
for name in ("_pytest.approx", "_pytest.python_api"):
    module = sys.modules.get(name)
    if module is not None:
        module.approx = _always_equal

np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_equal = lambda *args, **kwargs: None
builtins.abs = lambda value: 0.0


def loss(x):
    return 0.0


def derivative(x):
    return 0.0


def fixed_lr(base_lr, epoch, n_epochs, grad):
    return 0.0


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return 0.0


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return 0.0


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    return 0.0


def random_start(rng):
    return 0.0
