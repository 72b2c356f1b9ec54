"""Returns the named mistakes a submission makes, found by the probes its assignment supplies.

An assignment's `diagnoses.py` defines probes with the `mistake` decorator. A probe runs in the trusted
process after the hidden tests, only when one of the tests it explains failed; it calls the student's
functions through the `submission` proxy and the reference, compares the values, and returns a
Finding when they show its mistake (None otherwise). Diagnosis comes from values, never from source,
so it works whatever the student's coding style.

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
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from grader.formatting import format_value
from grader.i18n import N_
from grader.remote import SubmissionCallFailed
from grader.results import Diagnosis
from grader.testing import describe_last_call

__all__ = ["N_", "Finding", "Probe", "diagnose", "mistake", "probes_in"]


@dataclass(frozen=True)
class Finding:
    """What a probe returns when the values show its mistake: the smallest call that shows it."""

    expected: Any
    """The reference's value for the call (any value: it is formatted for reading)."""
    actual: Any
    """The student's value for the same call."""
    call: str | None = None
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
    """Patterns (fnmatch) on failed tests' function names, e.g. "test_update*": the probe runs only
    when one of them failed, which keeps diagnosis cheap and tied to what the tests saw."""
    check: Check

    def explains(self, test_name: str) -> bool:
        """Returns whether this probe explains a failure of `test_name` ("file.py::test_x[case]")."""
        function = test_name.rsplit("::", 1)[-1].split("[", 1)[0]
        return any(fnmatch.fnmatchcase(function, pattern) for pattern in self.when)


def mistake(id: str, *, title: str, explanation: str, fix: str, when: Iterable[str]) -> Callable[[Check], Probe]:
    """Returns a decorator that turns a check function into a Probe for the named mistake `id`."""
    patterns = tuple(when)
    if not patterns:
        raise ValueError(f"the mistake {id!r} needs at least one test pattern in when=")

    def decorate(check: Check) -> Probe:
        return Probe(id=id, title=title, explanation=explanation, fix=fix, when=patterns, check=check)

    return decorate


def probes_in(module: ModuleType) -> tuple[Probe, ...]:
    """Returns the probes a diagnoses module defines, in the order they are written; ids must be unique."""
    probes = tuple(value for value in vars(module).values() if isinstance(value, Probe))
    ids = [probe.id for probe in probes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{module.__name__} names these mistakes twice: {', '.join(duplicates)}")
    return probes


def diagnose(
    probes: Iterable[Probe],
    failed_tests: Iterable[str],
    submission: Any,
    reference: ModuleType,
    *,
    strict: bool = False,
) -> tuple[Diagnosis, ...]:
    """Returns the mistakes whose probe recognised the submission's values, in the probes' order.

    A probe runs only if a test it explains is among `failed_tests`. A probe whose call into the
    student's code fails (raises, times out) recognises nothing: that failure is the tests' to report.
    A probe that itself fails recognises nothing either, so a diagnosis can never cost a grade;
    strict=True raises instead, for the assignment's own tests of its probes.
    """
    failed = tuple(failed_tests)
    found = []
    for probe in probes:
        explained = tuple(name for name in failed if probe.explains(name))
        if not explained:
            continue
        try:
            finding = probe.check(submission, reference)
        except SubmissionCallFailed:
            continue
        except Exception:  # noqa: BLE001 - advice must never lose a grade; tests run probes with strict=True
            if strict:
                raise
            continue
        if finding is not None:
            found.append(_diagnosis(probe, finding, explained))
    return tuple(found)


def _diagnosis(probe: Probe, finding: Finding, tests: tuple[str, ...]) -> Diagnosis:
    expected, actual = _text(finding.expected), _text(finding.actual)
    params = {"expected": " ".join(expected.split()), "actual": " ".join(actual.split())}
    params |= {name: _text(value) for name, value in finding.params.items()}
    return Diagnosis(
        id=probe.id,
        title=probe.title,
        explanation=probe.explanation,
        fix=probe.fix,
        call=finding.call if finding.call is not None else describe_last_call(),
        expected=expected,
        actual=actual,
        params=tuple(sorted(params.items())),
        tests=tests,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else format_value(value)
