"""Returns the named mistakes a submission makes, found by the probes its assignment supplies.

A probe (see grader.authoring.mistake) runs in the trusted process after the hidden tests, only when
one of the tests it explains failed and one of its mistake's models (grader.grading.models) reproduces
that test's calls; it calls the student's functions through the `submission` proxy and the reference,
compares the values, and returns a Finding when they show its mistake (grader.grading.proof says when a
model reproduces what the student's code did).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.assignment import Assignment, import_trusted
from grader.authoring import Finding, Probe, describe_last_call
from grader.errors import GraderError
from grader.formatting import format_value
from grader.grading.proof import Evidence, reproduces
from grader.grading.proxy import SubmissionCallFailed
from grader.results import Diagnosis
from grader.text import as_verbatim


def probes_in(module: ModuleType) -> tuple[Probe, ...]:
    """Returns the probes a diagnoses module defines, in the order they are written; ids must be unique."""
    probes = tuple(value for value in vars(module).values() if isinstance(value, Probe))
    ids = [probe.id for probe in probes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{module.__name__} names these mistakes twice: {', '.join(duplicates)}")
    return probes


@cache
def load_diagnoses(path: Path) -> tuple[Probe, ...]:
    """Returns the probes an assignment's diagnoses.py defines, imported once per process."""
    module = import_trusted(path, "diagnoses")
    try:
        return probes_in(module)
    except ValueError as error:
        raise GraderError(f"{path}: {error}", "give every mistake its own id") from None


def mistake_titles(assignment: Assignment) -> dict[str, str]:
    """Returns the English title of each mistake the assignment names, by id, in the order it names them."""
    probes = load_diagnoses(assignment.diagnoses_file) if assignment.diagnoses_file else ()
    return {probe.id: probe.title for probe in probes}


def diagnose(
    probes: Iterable[Probe],
    failed_tests: Iterable[str],
    submission: Any,
    reference: ModuleType,
    *,
    models: Mapping[str, Sequence[ModuleType]],
    evidence: Mapping[str, Sequence[Evidence]],
    points: Mapping[str, float] | None = None,
    strict: bool = False,
) -> tuple[Diagnosis, ...]:
    """Returns the mistakes the submission's values prove, the one that explains the most lost points first.

    A name is a claim, so it needs proof on both sides. A probe runs only if a test it explains is among
    `failed_tests`, and only those failed tests whose calls (`evidence`) one of the mistake's `models`
    reproduces are attached to it; then the probe finds the smallest call that shows the mistake, and a
    model must reproduce the calls it made for that too. A mistake without a model is never named. A
    probe whose call into the student's code fails (raises, times out) recognises nothing: that failure
    is the tests' to report.
    A probe that itself fails recognises nothing either, so a diagnosis can never cost a grade;
    strict=True raises instead, for the assignment's own tests of its probes. `points` (nodeid → points
    lost) orders the names: ties keep the probes' order.
    """
    failed = tuple(failed_tests)
    found = []
    for probe in probes:
        explained = tuple(name for name in failed if probe.explains(name))
        mistake_models = models.get(probe.id, ())
        proven = tuple(name for name in explained if _proven(mistake_models, evidence.get(name, ())))
        if not proven:
            continue
        finding, shown = _finding(probe, submission, reference, strict)
        if finding is not None and (not shown or _proven(mistake_models, shown)):
            found.append(_diagnosis(probe, finding, proven))
    lost = points or {}
    return tuple(sorted(found, key=lambda d: -sum(lost.get(name, 0.0) for name in d.tests)))


def _proven(models: Sequence[ModuleType], evidence: Sequence[Evidence]) -> bool:
    return any(reproduces(model, evidence) for model in models)


def _finding(
    probe: Probe, submission: Any, reference: ModuleType, strict: bool
) -> tuple[Finding | None, list[Evidence]]:
    """Returns the probe's finding and the calls it made into the submission (kept as evidence)."""
    shown: list[Evidence] = []
    if submission is not None:
        submission.evidence = shown
    try:
        return probe.check(submission, reference), shown
    except SubmissionCallFailed:
        return None, shown
    except Exception:  # noqa: BLE001 - advice must never lose a grade; tests run probes with strict=True
        if strict:
            raise
        return None, shown
    finally:
        if submission is not None:
            submission.evidence = None


def _diagnosis(probe: Probe, finding: Finding, tests: tuple[str, ...]) -> Diagnosis:
    expected, actual = _text(finding.expected), _text(finding.actual)
    params = {"expected": " ".join(expected.split()), "actual": " ".join(actual.split())}
    params |= {name: _text(value) for name, value in finding.params.items()}
    call = as_verbatim(finding.call) if finding.call is not None else describe_last_call()
    return Diagnosis(
        id=probe.id,
        title=probe.title,
        explanation=probe.explanation,
        fix=probe.fix,
        call=call.render() if call is not None else None,
        call_text=call,
        expected=expected,
        actual=actual,
        params=tuple(sorted(params.items())),
        tests=tests,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else format_value(value)
