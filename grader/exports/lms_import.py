"""Writes the grade files each LMS's own importer takes back: Canvas's gradebook CSV, Moodle's grading worksheet.

Each file follows the importer's source, not its help pages (docs/lms.md cites both):

- Canvas (`app/models/gradebook_importer.rb`): the header's first cell contains "Student", the second
  "ID", then "SIS User ID", "SIS Login ID" and a "Section" column ending the student columns; every other
  column is an assignment, matched by the id in `Title (1234)`, else by its exact title, else created as a
  new assignment. So this file has one assignment column, points only; the grader's other columns stay in
  gradebook.csv. A row whose first cell contains "Points Possible" gives each column's points.
- Moodle (`mod/assign/feedback/offline/importgradeslib.php`): the columns named exactly "Identifier",
  "Grade" and "Last modified (grade)" are required; "Identifier" is "Participant " and the participant id;
  a grade is skipped when empty, negative, above the assignment's maximum, or older than the grade Moodle
  holds (more than 60 s, unless the instructor ticks "ignore modified"); "Feedback comments" is saved as
  the comment's HTML.

Both are UTF-8 with a byte-order mark (both importers strip it; spreadsheets need it to show names right).
A student the LMS has no id for has no row: an importer would create a student or ignore the row.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.exports.gradebook import GradebookRow, spreadsheet_text
from grader.exports.rosters import Roster
from grader.formatting import format_points
from grader.results import Status

ENCODING = "utf-8-sig"
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_COLUMNS = (
    "Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
    "Last modified (submission)", "Last modified (grade)", "Feedback comments",
)  # fmt: skip
"""The columns of Moodle's "Download grading worksheet" (mod/assign/gradingtable.php), in its order."""
MOODLE_PARTICIPANT = "Participant "
"""get_string('hiddenuser', 'assign'): what the importer strips before the participant id."""
DECIMALS = 2
"""Both LMSs keep and compare grades to two decimals (Canvas's importer says so in no_change_to_value?)."""
NO_GRADE = {Status.INTERNAL_ERROR.value}
"""Statuses whose cell stays empty: the grader failed, not the student, so an import keeps what the LMS holds."""
CANVAS_ID_COLUMNS = {"id": 1, "sisuserid": 2, "sisloginid": 3, "loginid": 3}
"""A roster's id column (normalized) → where Canvas's header has it."""


@dataclass(frozen=True)
class Written:
    """One export written: where, how many rows, and the students left out for want of the LMS's id."""

    path: Path
    rows: int
    left_out: tuple[str, ...] = field(default=())


def grade_cell(row: GradebookRow) -> str:
    """Returns the points an LMS gets for the row: "" when the grader failed (the LMS keeps its grade)."""
    return "" if row.status in NO_GRADE else format_points(row.score, decimals=DECIMALS)


def canvas_assignment_column(title: str, canvas_id: str = "") -> str:
    """Returns the assignment column's header as Canvas exports it, `Title (1234)`, or the title alone when
    the Canvas id is not known (the importer then matches it by its exact title)."""
    return f"{title} ({canvas_id})" if canvas_id else title


def write_canvas_gradebook(rows: Sequence[GradebookRow], roster: Roster, column: str, path: Path) -> Written:
    """Writes Canvas's gradebook CSV: the student columns (the roster's SIS ids and section when it has
    them), one assignment column `column`, points only."""
    place = CANVAS_ID_COLUMNS.get(_key(roster.id_column), 1)
    left_out, lines = [], []
    for row in sorted(rows, key=lambda r: r.student):
        student = roster.find(row.student)
        if student is None or not student.id:
            left_out.append(row.student)
            continue
        known = {_key(header): value for header, value in student.columns}  # a Canvas export as the roster
        cells = [known.get(_key(column), "") for column in CANVAS_STUDENT_COLUMNS] + [grade_cell(row)]
        cells[0] = spreadsheet_text(student.name or row.name)
        cells[place] = student.id
        lines.append(cells)
    points = format_points(max((row.max_score for row in rows), default=0), decimals=DECIMALS)
    with path.open("w", encoding=ENCODING, newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow([*CANVAS_STUDENT_COLUMNS, column])
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", points])
        writer.writerows(lines)
    return Written(path, len(lines), tuple(left_out))


def participant_id(student_id: str) -> str:
    """Returns Moodle's participant number in an id ("Participant 123" or "123"), "" when it holds none."""
    found = re.fullmatch(rf"(?:{MOODLE_PARTICIPANT})?(\d+)", student_id.strip())
    return found.group(1) if found else ""


def write_moodle_worksheet(
    rows: Sequence[GradebookRow], roster: Roster, comments: Mapping[str, str], path: Path
) -> Written:
    """Writes Moodle's grading worksheet: a row per participant, with the grade, when it was made, and
    `comments` (student → plain text) as its feedback comment."""
    left_out, lines = [], []
    for row in sorted(rows, key=lambda r: r.student):
        student = roster.find(row.student)
        participant = participant_id(student.id) if student is not None else ""
        if student is None or not participant:
            left_out.append(row.student)
            continue
        handed_in = row.status != Status.MISSING.value
        lines.append(
            [
                MOODLE_PARTICIPANT + participant,
                spreadsheet_text(student.name or row.name),
                "",
                "Submitted for grading" if handed_in else "No submission",
                grade_cell(row),
                format_points(row.max_score, decimals=DECIMALS),
                "Yes",
                "-",
                moodle_time(row.graded_at),
                html.escape(comments.get(row.student, ""), quote=False),
            ]
        )
    with path.open("w", encoding=ENCODING, newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(MOODLE_COLUMNS)
        writer.writerows(lines)
    return Written(path, len(lines), tuple(left_out))


def moodle_time(graded_at: str) -> str:
    """Returns when a grade was made as the importer's strtotime() reads it (ISO 8601, seconds, UTC offset);
    "-" (as Moodle writes for none) when not recorded."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?([+-]\d\d:\d\d)", graded_at)
    return match.group(1) + match.group(2) if match else "-"


def feedback_comment(row: GradebookRow, mistakes: Sequence[str]) -> str:
    """Returns the one line a student reads in the LMS: points, status, lateness and the named mistakes."""
    parts = [f"{format_points(row.score)}/{format_points(row.max_score)} points", row.status.replace("_", " ")]
    if row.late:
        parts.append("late")
    line = ", ".join(parts) + "."
    if mistakes:
        line += " Mistakes found: " + "; ".join(mistakes) + "."
    return line + " The full report is in the feedback files."


def _key(header: str) -> str:
    return "".join(c for c in header.casefold() if c not in " _-\t")
