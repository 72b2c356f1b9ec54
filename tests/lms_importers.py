"""What each LMS's importer does with our files, written from its source (docs/lms.md cites each rule).

Each check reads a file the way the importer does and raises ImportRefused where the importer would fail,
skip a row, or do something the instructor did not mean (create an assignment from a column of ours).
They return what the importer would take, so tests compare it with the grades.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# instructure/canvas-lms app/models/gradebook_importer.rb
CANVAS_NON_ASSIGNMENT = re.compile(
    "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|Override Score|"
    "Override Grade|Override Status"
)
CANVAS_NUMBER = re.compile(r"^-?[0-9.,]+%?$")  # the decimal_comma_to_period converter's test
# moodle/moodle mod/assign/feedback/offline/importgradeslib.php and mod/assign/lang/en/assign.php
MOODLE_ID, MOODLE_GRADE, MOODLE_MODIFIED = "Identifier", "Grade", "Last modified (grade)"
MOODLE_COMMENTS = "Feedback comments"  # mod/assign/feedback/comments: get_editor_fields(), pluginname
MOODLE_HIDDEN_USER = "Participant "


class ImportRefused(AssertionError):
    """The importer would refuse the file, or take it otherwise than meant."""


@dataclass
class CanvasImport:
    """What Canvas's importer takes from a gradebook CSV."""

    assignments: list[tuple[str, str | None]]
    """Each assignment column as (title, Canvas id or None): a column it cannot match becomes a new assignment."""
    points: list[str] = field(default_factory=list)
    grades: dict[str, list[str]] = field(default_factory=dict)
    """Student's key (ID, else SIS User ID, else SIS Login ID) → the cell of each assignment."""


def canvas_import(path: Path) -> CanvasImport:
    """Reads a gradebook CSV as GradebookImporter#parse! does; raises ImportRefused where it would fail."""
    text = path.read_bytes().decode("utf-8")  # CSV.foreach: UTF-8; a BOM stays in the first cell
    first_lines = text.splitlines()[:3]
    fields = {}
    for separator in ",;":  # identify_delimiter: a separator counts when every line splits alike
        counts = [len(next(csv.reader([line], delimiter=separator))) for line in first_lines]
        fields[separator] = counts[0] if len(set(counts)) == 1 else 0
    if fields[";"] > fields[","]:
        raise ImportRefused("identify_delimiter would read it as semicolon-separated")
    rows = [row for row in csv.reader(io.StringIO(text)) if not re.fullmatch(r"[;, ]*", ",".join(row))]
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ImportRefused(f"row_has_student_headers? is false for {header[:2]}")
    columns, sis_user, sis_login = 3, None, None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        columns, sis_login = 4, 2
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        columns, sis_user, sis_login = 5, 2, 3
    if "Section" not in header[columns - 1]:
        raise ImportRefused(f"the last student column {header[columns - 1]!r} is not Section: InvalidHeaderRow")
    assignments = [h for h in header[columns:] if not CANVAS_NON_ASSIGNMENT.search(h)]
    found = CanvasImport([_title_and_id(h) for h in assignments])
    places = [header.index(h) for h in assignments]
    for row in rows[1:]:
        if len(row) < len(header):
            raise ImportRefused(f"row {row} is shorter than the header: RangeError")
        if "Points Possible" in row[0]:
            found.points = [row[i] for i in places]
            continue
        key = row[1] or (sis_user is not None and row[sis_user]) or (sis_login is not None and row[sis_login])
        if not key:
            raise ImportRefused(f"{row[0]!r} has no ID or SIS id: matched by name or created as a new student")
        cells = [row[i].strip() for i in places]
        for cell in cells:
            if cell and cell.upper() != "EX" and not CANVAS_NUMBER.match(cell):
                raise ImportRefused(f"{cell!r} is not a score")
        found.grades[key] = cells
    return found


def _title_and_id(header: str) -> tuple[str, str | None]:
    """Assignment.title_and_id in app/models/assignment.rb."""
    match = re.fullmatch(r"(.*)\s\((\d+)\)", header, re.DOTALL)
    return (match.group(1), match.group(2)) if match else (header, None)


@dataclass
class MoodleGrade:
    grade: float
    modified: datetime
    comment: str


def moodle_import(path: Path, maximum: float) -> dict[str, MoodleGrade]:
    """Reads a grading worksheet as assignfeedback_offline_grade_importer does, for an assignment out of
    `maximum`; returns participant id → what would be saved. Raises ImportRefused where it would fail."""
    text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")  # csv_import_reader: trim_utf8_bom
    rows = [row for row in csv.reader(io.StringIO(text.replace("\r\n", "\n").strip()))]
    if any(len(row) != len(rows[0]) for row in rows):
        raise ImportRefused("rows of another length than the header: csvweirdcolumns")
    header = rows[0]
    for column in (MOODLE_ID, MOODLE_GRADE, MOODLE_MODIFIED):
        if header.count(column) != 1:
            raise ImportRefused(f"no column named exactly {column!r}: invalidgradeimport")
    comments = header.index(MOODLE_COMMENTS) if MOODLE_COMMENTS in header else 0  # !empty(index): 0 is unread
    found = {}
    for row in rows[1:]:
        cell = row[header.index(MOODLE_ID)]
        participant = cell[len(MOODLE_HIDDEN_USER) :]
        if not cell.startswith(MOODLE_HIDDEN_USER) or not participant.isdigit():
            raise ImportRefused(f"{cell!r} is not 'Participant N': get_user_id_for_uniqueid finds no one")
        grade = row[header.index(MOODLE_GRADE)]
        if not grade:
            continue  # skipped: no value
        value = float(grade)  # unformat_float
        if not 0 <= value <= maximum:
            raise ImportRefused(f"grade {grade} is out of range 0..{maximum}: skipped")
        modified = row[header.index(MOODLE_MODIFIED)]
        try:
            when = datetime.fromisoformat(modified)  # strtotime() reads ISO 8601 with an offset
        except ValueError:
            raise ImportRefused(f"{modified!r}: strtotime gives 0, so any grade Moodle holds wins") from None
        if when.tzinfo is None:
            raise ImportRefused(f"{modified!r} has no offset: read in the server's time zone")
        found[participant] = MoodleGrade(value, when, row[comments] if comments else "")
    return found


def moodle_feedback_zip(path: Path, participants: set[str]) -> dict[str, list[str]]:
    """Reads a feedback zip as assignfeedback_file_zip_importer::is_valid_filename_for_import does; returns
    participant id → the file names it would save. Raises ImportRefused for a file it would ignore."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as bundle:
        for name in bundle.namelist():
            if name.endswith("/") or name.rsplit("/", 1)[-1].startswith((".", "~")):
                continue
            parts = name.split("/")
            while parts:
                info = parts.pop(0).split("_", 4)  # PHP explode('_', $part, 5)
                if len(info) < 4 or not info[1].isdigit() or info[1] not in participants:
                    continue
                if (info[2], info[3]) not in (("assignsubmission", "file"), ("assignfeedback", "file")):
                    continue
                rest = "/".join([info[4] if len(info) == 5 else "", *parts])
                found.setdefault(info[1], []).append(rest)
                break
            else:
                raise ImportRefused(f"{name!r} names no participant: ignored")
    return found


def canvas_feedback_zip(path: Path, submitted: dict[str, str]) -> dict[str, str]:
    """Reads a zip as Assignment#infer_comment_context_from_filename does, given each student's submitted
    attachment (user id → attachment id); returns user id → file. Raises ImportRefused for an ignored file."""
    found = {}
    with zipfile.ZipFile(path) as bundle:
        for name in bundle.namelist():
            base = name.rsplit("/", 1)[-1]
            split = [part for part in base.split("_") if part != "LATE"]
            if split[0] == "anon":
                raise ImportRefused(f"{base!r} is read as an anonymous submission")
            numbers = [part for part in split if re.fullmatch(r"\d+", part)][:2]
            if len(numbers) < 2 or split[-1].startswith("link") or base.startswith("._"):
                raise ImportRefused(f"{base!r} carries no user id and attachment id: ignored")
            user, attachment = numbers
            if submitted.get(user) != attachment:
                raise ImportRefused(f"{base!r}: attachment {attachment} is not of user {user}'s submission: ignored")
            found[user] = name
    return found
