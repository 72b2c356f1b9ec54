"""Decides which submissions a rerun into the same output folder must grade, and what changed.

Pure decisions over what an earlier run left (read by store.py): nothing here touches OUT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.assignment import Assignment
from grader.exports.gradebook import GradebookRow
from grader.grading.outcomes import Source, fingerprint
from grader.reports.results_file import StoredResult


@dataclass(frozen=True)
class Change:
    """A student whose regrade gave another score or status than before."""

    student: str
    old: GradebookRow
    new: GradebookRow


def to_grade(
    assignment: Assignment,
    sources: Sequence[Source],
    previous: Mapping[str, StoredResult],
    *,
    force: bool = False,
    language: str,
) -> list[Source]:
    """Returns the sources a run must grade, in their order: every one with `force`; else those with no
    finished result, graded with another grader, assignment or file (the fingerprint differs), or whose
    reports are in another language than asked (their reports are written anew)."""
    return [
        source
        for source in sources
        if force
        or (stored := previous.get(source.student)) is None
        or stored.fingerprint != fingerprint(assignment, source.path)
        or stored.language != language
    ]


def changes(previous: Mapping[str, StoredResult], regraded: Sequence[GradebookRow]) -> list[Change]:
    """Returns the regraded students whose score or status differs from their previous result, by student."""
    found = [
        Change(row.student, GradebookRow.from_stored(stored), row)
        for row in regraded
        if (stored := previous.get(row.student)) is not None
        and (stored.score, stored.status) != (row.score, row.status)
    ]
    return sorted(found, key=lambda change: change.student)
