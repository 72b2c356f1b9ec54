"""Returns nothing or raises Mismatch: the checks hidden tests use to compare a student's values.

`N_` is here too, so a hidden test can mark its `what` and `expected` texts for translation.

A Mismatch carries the failing call, the expected and the actual value already formatted for a
student, so a report can show them without ever showing the test's source.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from grader.formatting import format_value
from grader.i18n import N_
from grader.results import Text, text

__all__ = ["N_", "Mismatch", "describe_last_call", "expect", "expect_close", "last_call"]

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

    def __init__(self, sentence: Text, *, expected: Text | str, actual: str, call: str | None = None):
        self.text = sentence
        self.message = sentence.render()
        super().__init__(self.message)
        self.expected_text = expected if isinstance(expected, Text) else None
        self.expected = expected.render() if isinstance(expected, Text) else expected
        self.actual = actual
        self.call = call if call is not None else describe_last_call()


def expect(
    condition: Any,
    *,
    expected: str,
    actual: Any,
    what: str = N_("the returned value"),
    values: Mapping[str, Any] | None = None,
) -> None:
    """Returns None when `condition` holds; otherwise raises Mismatch describing the property.

    `what` and `expected` may hold {name} placeholders filled from `values`; written as N_("...") in a
    hidden test, they are extracted into the assignment's catalog and translated in reports.
    """
    if bool(condition):
        return
    shown = format_value(actual)
    property_ = _filled(expected, values)
    sentence = text(
        N_("{what} is {actual}; expected {expected}"),
        what=_filled(what, values),
        actual=" ".join(shown.split()),
        expected=property_,
    )
    raise Mismatch(sentence, expected=property_, actual=shown)


def expect_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = 1e-7,
    atol: float = 0.0,
    what: str = N_("the returned value"),
    values: Mapping[str, Any] | None = None,
) -> None:
    """Returns None when `actual` matches `expected` within tolerance; otherwise raises Mismatch.

    Shapes must agree; inf and nan must stand where the reference has them. `what` may hold {name}
    placeholders filled from `values`, as for expect().
    """
    described = _filled(what, values)
    expected_array = np.asarray(expected, dtype=np.float64)
    try:
        actual_array = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        sentence = text(N_("{what} is not a number or an array of numbers"), what=described)
        raise Mismatch(sentence, expected=format_value(expected), actual=format_value(actual)) from None
    if actual_array.shape != expected_array.shape:
        sentence = text(
            N_("{what} has shape {shape}, expected shape {expected_shape}"),
            what=described,
            shape=str(actual_array.shape),
            expected_shape=str(expected_array.shape),
        )
        raise Mismatch(sentence, expected=format_value(expected), actual=format_value(actual))
    close = np.isclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    at_first = {"expected": format_value(expected_array[first]), "actual": format_value(actual_array[first])}
    sentence = (
        text(
            N_("{what} differs from the reference at index {index}: expected {expected}, got {actual}"),
            what=described,
            index=str(first if len(first) != 1 else first[0]),
            **at_first,
        )
        if first
        else text(
            N_("{what} differs from the reference: expected {expected}, got {actual}"), what=described, **at_first
        )
    )
    raise Mismatch(sentence, expected=format_value(expected), actual=format_value(actual))


def _filled(template: str, values: Mapping[str, Any] | None) -> Text:
    """Returns `template` as a translatable Text, its placeholders filled with formatted `values`."""
    return Text(
        template,
        tuple(
            (name, value if isinstance(value, str) else format_value(value)) for name, value in (values or {}).items()
        ),
    )
