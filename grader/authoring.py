"""The API for assignment authors: checks for hidden tests, and named mistakes for diagnoses.py.

Hidden tests compare a student's values with `expect` and `expect_close`; each raises Mismatch, which
carries the failing call, the expected and the actual value already formatted for a student, so a
report can show them without ever showing the test's source. `N_` marks a test's `what` and
`expected` texts for translation.

An assignment's diagnoses.py names mistakes with the `mistake` decorator:

    @mistake(
        "sign_flipped",
        title=N_("The result has the wrong sign"),
        explanation=N_("Your function returns {actual} where the reference returns {expected}."),
        fix=N_("Negate ..."),
        when=("test_negate*",),
    )
    def sign_flipped(submission, reference):
        actual = submission.negate(2.0)
        if actual == 2.0:
            return Finding(expected=reference.negate(2.0), actual=actual)
        return None

Texts are English and are also the gettext msgids (mark them with N_ so extraction finds them);
`{expected}`, `{actual}` and the Finding's params fill their placeholders.

An assignment's mutants.py gives each named mistake a mutant of the reference for `grader audit`:

    @mutant("sign_flipped", replaces="negate")
    def sign_flipped(x):
        return x

See docs/authoring.md.
"""

from __future__ import annotations

import contextvars
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from grader.equality import RTOL
from grader.formatting import format_value
from grader.text import N_, Text, as_verbatim, text

__all__ = ["N_", "Finding", "Mismatch", "Probe", "describe_last_call", "expect", "expect_close", "mistake", "mutant"]

last_call: contextvars.ContextVar[Callable[[], Text | str] | None] = contextvars.ContextVar("last_call", default=None)
"""Describes the most recent call a test made into the submission; set by the submission proxy.

A function rather than text: most calls succeed, and formatting their arguments would be wasted.
"""


def describe_last_call() -> Text | None:
    """Returns the most recent call into the submission as a student would write it, if there was one.

    Text shown as written: only the names of functions the grader supplied in it are translated.
    """
    describe = last_call.get()
    return as_verbatim(describe()) if describe is not None else None


class Mismatch(AssertionError):
    """A student's value differs from what the reference says it should be."""

    def __init__(self, sentence: Text, *, expected: Text | str, actual: str, call: Text | str | None = None):
        self.text = sentence
        self.message = sentence.render()
        super().__init__(self.message)
        self.expected_text = expected if isinstance(expected, Text) else None
        self.expected = expected.render() if isinstance(expected, Text) else expected
        self.actual = actual
        self.call_text = as_verbatim(call) if call is not None else describe_last_call()
        """The call, with the names of functions the grader supplied translatable; `call` is its English."""
        self.call = self.call_text.render() if self.call_text is not None else None


def expect(
    condition: Any,
    *,
    expected: str,
    actual: Any,
    what: str = N_("the returned value"),
    values: Mapping[str, Any] | None = None,
    call: Text | str | None = None,
) -> None:
    """Returns None when `condition` holds; otherwise raises Mismatch describing the property.

    `what` and `expected` may hold {name} placeholders filled from `values`; written as N_("...") in a
    hidden test, they are extracted into the assignment's catalog and translated in reports. `call` is the
    call that gave `actual` when it is not the last one made (capture it with describe_last_call()).
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
    raise Mismatch(sentence, expected=property_, actual=shown, call=call)


def expect_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float = RTOL,
    atol: float = 0.0,
    what: str = N_("the returned value"),
    values: Mapping[str, Any] | None = None,
    against: str | None = None,
    call: Text | str | None = None,
) -> None:
    """Returns None when `actual` matches `expected` within tolerance; otherwise raises Mismatch.

    Shapes must agree; inf and nan must stand where the reference has them. `what` may hold {name}
    placeholders filled from `values`, as for expect(). `against` names what `expected` is when it is not
    the reference's value (e.g. N_("your own run from {x0}.0"), filled from `values`); `call` is the call
    that gave `actual` when it is not the last one made.
    """
    described = _filled(what, values)
    expected_array = np.asarray(expected, dtype=np.float64)
    try:
        actual_array = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
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
    at_first: dict[str, Text | str] = {
        "expected": format_value(expected_array[first]),
        "actual": format_value(actual_array[first]),
    }
    if against is not None:
        at_first["against"] = _filled(against, values)
    if first:
        at_first["index"] = str(first if len(first) != 1 else first[0])
    sentence = text(_DIFFERS[(against is not None, bool(first))], what=described, **at_first)
    raise Mismatch(sentence, expected=format_value(expected), actual=format_value(actual), call=call)


_DIFFERS = {
    (False, True): N_("{what} differs from the reference at index {index}: expected {expected}, got {actual}"),
    (False, False): N_("{what} differs from the reference: expected {expected}, got {actual}"),
    (True, True): N_("{what} differs from {against} at index {index}: expected {expected}, got {actual}"),
    (True, False): N_("{what} differs from {against}: expected {expected}, got {actual}"),
}
"""expect_close's sentence: against the reference or what `against` names, at an index of an array or not."""


def _filled(template: str, values: Mapping[str, Any] | None) -> Text:
    """Returns `template` as a translatable Text, its placeholders filled with formatted `values`."""
    return Text(
        template,
        tuple(
            (name, value if isinstance(value, str) else format_value(value)) for name, value in (values or {}).items()
        ),
    )


# -- named mistakes, for an assignment's diagnoses.py ------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What a probe returns when the values show its mistake: the smallest call that shows it."""

    expected: Any
    """The reference's value for the call (any value: it is formatted for reading)."""
    actual: Any
    """The student's value for the same call."""
    call: Text | str | None = None
    """The call as a student would type it; by default the last call the probe made into the submission."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """More values for the texts' placeholders (formatted like expected and actual)."""


Check = Callable[[Any, ModuleType], "Finding | None"]


@dataclass(frozen=True)
class Probe:
    """One named mistake an assignment can recognise, and how."""

    id: str
    title: str
    explanation: str
    fix: str
    when: tuple[str, ...]
    """Patterns (fnmatch) on failed tests' function names, e.g. "test_update*", or on one case of a
    parametrised test, e.g. "test_compare[second*]" (the brackets literal): the probe runs only when
    one of them failed, and its mistake is attached only to the cases it explains."""
    check: Check

    def explains(self, test_name: str) -> bool:
        """Returns whether this probe explains a failure of `test_name` ("file.py::test_x[case]")."""
        function, _, case = test_name.rsplit("::", 1)[-1].partition("[")
        return any(_matches(function, case.removesuffix("]"), pattern) for pattern in self.when)


def _matches(function: str, case: str, pattern: str) -> bool:
    """Returns whether a test's function (and, when the pattern names one in brackets, its case) matches."""
    function_pattern, bracket, case_pattern = pattern.partition("[")
    if not fnmatch.fnmatchcase(function, function_pattern):
        return False
    return not bracket or fnmatch.fnmatchcase(case, case_pattern.removesuffix("]"))


def mistake(id: str, *, title: str, explanation: str, fix: str, when: Iterable[str]) -> Callable[[Check], Probe]:
    """Returns a decorator that turns a check function into a Probe for the named mistake `id`."""
    patterns = tuple(when)
    if not patterns:
        raise ValueError(f"the mistake {id!r} needs at least one test pattern in when=")

    def decorate(check: Check) -> Probe:
        return Probe(id=id, title=title, explanation=explanation, fix=fix, when=patterns, check=check)

    return decorate


# -- mutants of the reference, for an assignment's mutants.py (read by `grader audit`, never run) -----------


def mutant(mistake: str, *, replaces: str, description: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Returns a decorator marking a function as the reference function `replaces`, written with the named mistake.

    `grader audit` reads mutants.py as source and never imports it: it takes the decorated function's
    statements and puts them in place of the reference function's (whose docstring stays), then grades
    that copy of the reference and expects it to lose points and to be given the name `mistake`.
    """

    def mark(function: Callable[..., Any]) -> Callable[..., Any]:
        return function

    return mark
