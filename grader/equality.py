"""Returns whether two values are the same to the grader: the one tolerance for "these values are equal".

Used wherever the grader compares values itself rather than through a hidden test's own assertion:
whether a named mistake's model reproduces a student's values (grading/proof.py), whether a replayed
call gives what was recorded (grading/replay.py), whether a renamed function is the missing one
(grading/missing.py). Hidden tests' `expect_close` starts from the same relative tolerance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

RTOL = 1e-7
"""Relative: far below any mistake a test is about, far above float64 rounding over a 1,000-step loop."""
ATOL = 1e-12
"""Absolute floor, so values that should be zero compare equal to rounding noise around zero."""


def close(a: Any, b: Any) -> bool:
    """Returns whether `a` and `b` have the same shape and equal values within RTOL/ATOL (nan equals nan).

    Values that are not numbers, or cannot be compared at all, are not close.
    """
    if type(a) in _EXACT_IN_FLOAT and type(b) in _EXACT_IN_FLOAT and abs(a) <= _EXACT_UP_TO >= abs(b):
        # Two finite plain numbers (the arguments a stand-in recorded: thousands a submission): NumPy's rule
        # without its arrays, which cost 20 microseconds a pair.
        return a == b or abs(float(a) - float(b)) <= ATOL + RTOL * abs(float(b))
    try:
        with np.errstate(all="ignore"):
            return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))
    except (TypeError, ValueError):
        return False


_EXACT_IN_FLOAT = (float, np.float64, int)
"""Types whose values NumPy compares as float64 without rounding, up to _EXACT_UP_TO (bool excluded)."""
_EXACT_UP_TO = 2**53
