"""Decides which submissions a rerun into the same output folder must grade, and what changed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.exports.gradebook import GradebookRow, spreadsheet_text
from grader.formatting import format_points
from grader.results import read_stored

CHANGES_COLUMNS = ("student", "old_score", "new_score", "old_status", "new_status")


@dataclass(frozen=True)
class Previous:
    """What an earlier run left in OUT/<student>/results.json."""

    fingerprint: str
    row: GradebookRow


@dataclass(frozen=True)
class Change:
    """A student whose regrade gave another score or status than before."""

    student: str
    old: GradebookRow
    new: GradebookRow


def read_previous(out: Path, students: Iterable[str], folders: Mapping[str, str] | None = None) -> dict[str, Previous]:
    """Returns the finished results an earlier run left for these students (in OUT/folders[student]);
    unreadable ones are absent."""
    found = {}
    for student in students:
        folder = (folders or {}).get(student, student)
        stored = read_stored(out / folder)
        if stored is None:
            continue
        try:
            late = stored.get("late") is True
            row = GradebookRow(student, float(stored["score"]), float(stored["max_score"]), stored["status"], late)
        except (ValueError, KeyError, TypeError):
            continue
        found[student] = Previous(str(stored.get("fingerprint", "")), row)
    return found


def changes(previous: dict[str, Previous], regraded: Sequence[GradebookRow]) -> list[Change]:
    """Returns the regraded students whose score or status differs from their previous result."""
    return [
        Change(row.student, previous[row.student].row, row)
        for row in regraded
        if row.student in previous
        and (previous[row.student].row.score, previous[row.student].row.status) != (row.score, row.status)
    ]


def write_changes(found: Sequence[Change], path: Path) -> None:
    """Writes OUT/changes.csv: one row per changed student, sorted by student."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CHANGES_COLUMNS)
        for change in sorted(found, key=lambda c: c.student):
            writer.writerow(
                [
                    spreadsheet_text(change.student),
                    format_points(change.old.score),
                    format_points(change.new.score),
                    change.old.status,
                    change.new.status,
                ]
            )
