"""Returns a class roster read from CSV, and writes the gradebook an LMS (Canvas) imports.

A roster maps each submission's name (the student id the grader uses: a file stem or folder name) to
the id the LMS knows the student by. Its CSV needs a header row naming, in any case and with spaces or
underscores alike:

- an id column, the first found of `SIS User ID`, `SIS Login ID`, `Login ID`, `ID` (Canvas's export
  names; `sis_user_id` and `login_id` work too). Its header is kept as the gradebook's column name,
  so the gradebook imports back into the LMS;
- optionally `submission`, the name the student's submission has. Without it, the login id (or else
  the id column) is the submission's name;
- optionally a name column, `Student` or `Name`, copied to the gradebook for people reading it.

Rows up to the header are skipped, as are Canvas's "Points Possible" row and rows without an id.
Names are matched without regard to case.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.exports.gradebook import GradebookRow, score_cells, spreadsheet_text

ID_COLUMNS = ("sisuserid", "sisloginid", "loginid", "id")
"""Accepted id headers, normalized (lower case, no spaces, underscores or hyphens), in order of preference."""
LOGIN_COLUMNS = ("sisloginid", "loginid")
NAME_COLUMNS = ("student", "name")
SUBMISSION_COLUMN = "submission"
HEADER_ROWS_SEARCHED = 5
MAX_ROSTER_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Student:
    """One roster row: the submission's name, the LMS's id for the student and, when given, their name."""

    submission: str
    id: str
    name: str = ""


@dataclass(frozen=True)
class Roster:
    """A class roster: submission name (case-folded) → student, and the headers to write back."""

    id_column: str
    """The id column's header as the roster spells it, e.g. "SIS User ID"."""
    name_column: str | None
    students: dict[str, Student]

    def find(self, submission: str) -> Student | None:
        """Returns the student a submission belongs to, or None when the submission is not on the roster."""
        return self.students.get(submission.casefold())

    def missing(self, submissions: Iterable[str]) -> list[str]:
        """Returns the roster's submission names that none of `submissions` matches, sorted."""
        handed_in = {name.casefold() for name in submissions}
        return sorted(s.submission for key, s in self.students.items() if key not in handed_in)

    def unknown(self, submissions: Iterable[str]) -> list[str]:
        """Returns the submissions that are not on the roster, sorted."""
        return sorted(name for name in submissions if self.find(name) is None)


def read_roster(path: Path) -> Roster:
    """Returns the roster in the CSV at `path`; raises GraderError naming what is wrong with it."""
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise GraderError(f"the roster {path} is larger than 10 MB", "pass a class roster CSV")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GraderError(f"no such roster: {path}", "pass the path of the class roster CSV to --roster") from None
    except (OSError, UnicodeDecodeError) as error:
        raise GraderError(f"cannot read the roster {path} ({error})", "save it as UTF-8 CSV") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise GraderError(f"the roster {path} is not valid CSV ({error})", "save it as CSV") from None
    header_at = next(
        (i for i, row in enumerate(rows[:HEADER_ROWS_SEARCHED]) if any(_key(cell) in ID_COLUMNS for cell in row)), None
    )
    if header_at is None:
        raise GraderError(
            f"the roster {path} has no id column in its header",
            "name one SIS User ID, SIS Login ID, Login ID or ID (a Canvas export has them)",
        )
    header = [_key(cell) for cell in rows[header_at]]
    id_at = next(header.index(key) for key in ID_COLUMNS if key in header)
    login_at = next((header.index(key) for key in LOGIN_COLUMNS if key in header), id_at)
    name_at = next((header.index(key) for key in NAME_COLUMNS if key in header), None)
    submission_at = header.index(SUBMISSION_COLUMN) if SUBMISSION_COLUMN in header else login_at
    students: dict[str, Student] = {}
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = [cell.strip() for cell in row] + [""] * len(header)
        if not cells[id_at] or any(cell == "Points Possible" for cell in cells[:2]):
            continue
        submission = cells[submission_at]
        if not submission:
            raise GraderError(
                f"row {number} of the roster {path} has no {rows[header_at][submission_at].strip()}",
                "fill it in, or remove the row",
            )
        if submission.casefold() in students:
            raise GraderError(
                f"the roster {path} lists {submission!r} twice (row {number})", "keep one row per student"
            )
        students[submission.casefold()] = Student(
            submission, cells[id_at], cells[name_at] if name_at is not None else ""
        )
    if not students:
        raise GraderError(f"the roster {path} lists no students", "pass a roster with one row per student")
    name_column = rows[header_at][name_at].strip() if name_at is not None else None
    return Roster(rows[header_at][id_at].strip(), name_column, students)


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


def _key(header: str) -> str:
    return "".join(c for c in header.casefold() if c not in " _-\t")
