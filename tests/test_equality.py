"""The grader's one tolerance: plain numbers take a shortcut that must agree with NumPy's rule exactly."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.equality import ATOL, RTOL, close


def _numpy_rule(a, b) -> bool:
    with np.errstate(all="ignore"):
        return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


EDGES = [0.0, -0.0, 1.0, 1.0 + 1e-7, 1.0 + 2e-7, 1e-12, -1e-12, 2e-12, 1e-300, math.inf, -math.inf, math.nan, 5, -5,
         2**53, 2**53 + 1, 2**60, 1e308, -1e308, np.float64(3.0), 3, True, np.float32(0.1), 0.1]  # fmt: skip


def test_every_pair_of_edge_values_compares_as_numpy_compares_it():
    for a in EDGES:
        for b in EDGES:
            assert close(a, b) == _numpy_rule(a, b), (a, b)


@settings(max_examples=800, deadline=None)
@given(
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**60), 2**60),
    st.floats(min_value=-1e-6, max_value=1e-6) | st.floats(allow_nan=True),
    st.floats(min_value=-1e-11, max_value=1e-11),
)
def test_numbers_near_each_other_compare_as_numpy_compares_them(a, relative, absolute):
    b = a * (1 + relative) + absolute if math.isfinite(relative) else relative
    assert close(a, b) == _numpy_rule(a, b), (a, b)
    assert close(b, a) == _numpy_rule(b, a), (b, a)
