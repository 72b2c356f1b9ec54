"""Writes the gradebook an LMS (Canvas) imports, with the id and name columns of a roster (rosters.py)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from grader.exports.gradebook import GradebookRow, score_cells, spreadsheet_text
from grader.exports.rosters import Roster, Student, read_roster

__all__ = ["Roster", "Student", "read_roster", "write_lms_gradebook"]  # the roster's types, read in rosters.py


def write_lms_gradebook(roster: Roster, rows: Sequence[GradebookRow], path: Path) -> None:
    """Writes the gradebook with the roster's id (and name) columns, one row per submission by student.

    Columns: student, [the roster's name column], the roster's id column, score, max_score, percent,
    status, late. A submission not on the roster has an empty id.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        names = [roster.name_column] if roster.name_column else []
        writer.writerow(["student", *names, roster.id_column, "score", "max_score", "percent", "status", "late"])
        for row in sorted(rows, key=lambda r: r.student):
            student = roster.find(row.student) or Student(row.student, "")
            writer.writerow(
                [
                    spreadsheet_text(row.student),
                    *([spreadsheet_text(student.name)] if roster.name_column else []),
                    student.id,
                    *score_cells(row),
                ]
            )
