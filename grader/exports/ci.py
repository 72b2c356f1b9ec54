"""Returns what a CI job shows for one graded submission: annotations, a step summary, JUnit XML, a verdict.

Pure functions of a SubmissionResult; the CLI's `ci` command writes them where CI looks:
`::error file=...,line=...::` lines on stdout (GitHub Actions turns them into annotations on the
student's file), the Markdown report appended to $GITHUB_STEP_SUMMARY, and JUnit XML for CI systems
that read test reports.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.defaults import CI_MIN_SCORE
from grader.formatting import format_points
from grader.results import Failure, Outcome, Status, SubmissionResult

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

DEFAULT_MIN_SCORE = CI_MIN_SCORE
MAX_ANNOTATIONS = 10
"""GitHub Actions shows at most 10 error annotations per step; the rest are in the summary anyway."""


@dataclass(frozen=True)
class Verdict:
    """How a CI job ends: its exit code and the one line that says why."""

    exit_code: int
    line: str


def verdict(result: SubmissionResult, min_score: float) -> Verdict:
    """Returns exit 0 at or above `min_score` percent, 1 below, 2 when the grader itself failed."""
    score = f"{format_points(result.score)}/{format_points(result.max_score)} points ({result.percent:.1f}%)"
    if result.status is Status.INTERNAL_ERROR:
        return Verdict(2, log_safe(f"grader error: {result.status_message}"))
    status = "" if result.status is Status.GRADED else f", status {result.status.value}"
    student = log_safe(result.student)
    if round(result.percent, 6) >= min_score:
        return Verdict(0, f"{student}: {score}{status}; at or above the minimum of {min_score:g}%")
    return Verdict(1, f"{student}: {score}{status}; below the minimum of {min_score:g}%")


def error_commands(result: SubmissionResult, file: str) -> list[str]:
    """Returns GitHub `::error` workflow commands, one per line of `file` a failure points at.

    Failures at the same line are merged (a mistake in one function fails many test cases there); a
    submission that did not load gets the one annotation saying where it stopped.
    """
    by_line: dict[int, list[tuple[str, Failure]]] = {}
    if result.failure is not None and result.failure.line is not None:
        by_line.setdefault(result.failure.line, []).append((result.status.value, result.failure))
    for test in result.tests if result.status is Status.GRADED else ():  # else every test failed for that one reason
        if test.failure is not None and test.failure.line is not None and test.outcome is not Outcome.PASSED:
            by_line.setdefault(test.failure.line, []).append((test.name, test.failure))
    commands = []
    for line in sorted(by_line)[:MAX_ANNOTATIONS]:
        found = by_line[line]
        first_name, first = found[0]
        also = f" (and {len(found) - 1} more test(s) failing here)" if len(found) > 1 else ""
        detail = first.exception or first.message
        title = f"{first_name}{also}"
        commands.append(f"::error file={_property(file)},line={line},title={_property(title)}::{_data(detail)}")
    return commands


def annotated_path(submission: Path, environment: Mapping[str, str] = os.environ) -> str:
    """Returns the submission's path as GitHub wants it in annotations: relative to the workspace."""
    workspace = environment.get("GITHUB_WORKSPACE")
    resolved = submission.resolve()
    if workspace and resolved.is_relative_to(Path(workspace).resolve()):
        return resolved.relative_to(Path(workspace).resolve()).as_posix()
    return submission.as_posix()


def junit_xml(result: SubmissionResult) -> str:
    """Returns a JUnit XML report: one testcase per hidden test, plus one for a submission that did not load."""
    suite = ET.Element(
        "testsuite",
        name=result.assignment,
        tests="0",
        failures="0",
        errors="0",
        skipped="0",
        time=f"{result.seconds:.3f}",
    )
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    if result.status is not Status.GRADED:
        case = ET.SubElement(suite, "testcase", classname=result.student, name=f"load ({result.status.value})")
        element = "error" if result.status is Status.INTERNAL_ERROR else "failure"
        ET.SubElement(case, element, message=_xml(result.status_message), type=result.status.value).text = _details(
            result.failure
        )
        counts["tests"] += 1
        counts["errors" if element == "error" else "failures"] += 1
    for test in result.tests:
        file, _, case_name = test.name.partition("::")
        case = ET.SubElement(suite, "testcase", classname=file.removesuffix(".py"), name=case_name or file)
        properties = ET.SubElement(case, "properties")
        ET.SubElement(
            properties, "property", name="points", value=f"{format_points(test.score)}/{format_points(test.max_score)}"
        )
        counts["tests"] += 1
        if test.outcome is Outcome.PASSED:
            continue
        message = _xml(test.message + (f" Hint: {test.hint}" if test.hint else ""))
        if test.outcome in (Outcome.SKIPPED, Outcome.NOT_RUN):
            ET.SubElement(case, "skipped", message=message)
            counts["skipped"] += 1
        else:
            kind = "error" if test.failure is not None and test.failure.kind == "internal" else "failure"
            ET.SubElement(case, kind, message=message, type=test.outcome.value).text = _details(test.failure)
            counts["errors" if kind == "error" else "failures"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    ET.indent(suite)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def _details(failure: Failure | None) -> str:
    if failure is None:
        return ""
    parts = [
        (label, value)
        for label, value in (
            ("call", failure.call),
            ("expected", failure.expected),
            ("actual", failure.actual),
            ("exception", failure.exception),
            ("line", None if failure.line is None else f"{failure.line}: {failure.code or ''}"),
        )
        if value is not None
    ]
    return _xml("\n".join([failure.message, *(f"{label}: {value}" for label, value in parts)]))


def _xml(text: str) -> str:
    """Returns `text` without the characters XML 1.0 cannot hold (a student's output may have any)."""
    return _NOT_XML.sub("\ufffd", text)


_WORKFLOW_COMMAND = re.compile(r"(^|[\r\n])([^\S\r\n]*)(::|##\[)")


def log_safe(text: str) -> str:
    """Returns `text` for a CI log with no line a runner reads as a workflow command (`::add-mask::`,
    `::error::`, the older `##[error]`): a zero-width space goes after the first character of each.

    The runner splits lines at \\r as well as \\n and ignores leading white space, so both count.
    """
    return _WORKFLOW_COMMAND.sub(lambda found: f"{found[1]}{found[2]}{found[3][0]}\u200b{found[3][1:]}", text)


def _data(text: str) -> str:
    """Escapes a workflow command's message, so a newline cannot start another command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
