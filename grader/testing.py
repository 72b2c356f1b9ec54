"""Returns nothing or raises Mismatch: the checks hidden tests use to compare a student's values.

A Mismatch carries the failing call, the expected and the actual value already formatted for a
student, so a report can show them without ever showing the test's source.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.formatting import format_value

last_call: contextvars.ContextVar[Callable[[], str] | None] = contextvars.ContextVar("last_call", default=None)
"""Describes the most recent call a test made into the submission; set by the submission proxy.

A function rather than text: most calls succeed, and formatting their arguments would be wasted.
"""


def describe_last_call() -> str | None:
    """Returns the most recent call into the submission as a student would write it, if there was one."""
    describe = last_call.get()
    return describe() if describe is not None else None


class Mismatch(AssertionError):
    """A student's value differs from what the reference says it should be."""

    def __init__(self, message: str, *, expected: str, actual: str, call: str | None = None):
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.actual = actual
        self.call = call if call is not None else describe_last_call()


def expect(condition: Any, *, expected: str, actual: Any, what: str = "the returned value") -> None:
    """Returns None when `condition` holds; otherwise raises Mismatch describing the property."""
    if bool(condition):
        return
    shown = format_value(actual)
    raise Mismatch(f"{what} is {' '.join(shown.split())}; expected {expected}", expected=expected, actual=shown)


def expect_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-7,
    atol: float = 0.0,
    what: str = "the returned value",
) -> None:
    """Returns None when `actual` matches `expected` within tolerance; otherwise raises Mismatch.

    Shapes must agree; inf and nan must stand where the reference has them.
    """
    expected_array = np.asarray(expected, dtype=np.float64)
    try:
        actual_array = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        raise Mismatch(
            f"{what} is not a number or an array of numbers",
            expected=format_value(expected),
            actual=format_value(actual),
        ) from None
    if actual_array.shape != expected_array.shape:
        raise Mismatch(
            f"{what} has shape {actual_array.shape}, expected shape {expected_array.shape}",
            expected=format_value(expected),
            actual=format_value(actual),
        )
    close = np.isclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    where = f" at index {first if len(first) != 1 else first[0]}" if first else ""
    raise Mismatch(
        f"{what} differs from the reference{where}: expected {format_value(expected_array[first])}, "
        f"got {format_value(actual_array[first])}",
        expected=format_value(expected),
        actual=format_value(actual),
    )
