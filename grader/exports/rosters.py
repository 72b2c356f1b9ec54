"""Returns a class roster read from the file an instructor has: an LMS's export or a plain CSV.

A roster maps each submission's student id to the id the LMS knows the student by. What it is matched on:

- a download from an LMS (Canvas, Moodle, Gradescope) carries the LMS's own ids, so the roster must hold
  the same ids, in the column the LMS names them: `ID` in Canvas's gradebook export (the Canvas user id,
  as in the download's names), `Identifier` in Moodle's grading worksheet (`Participant 1234`), `SID` or
  `Email` in Gradescope's roster. Names are never matched on: students can change theirs;
- plain submissions (files named by the student) are matched on the column `submission`, else the login
  (`SIS Login ID`, `Login ID`, `Username`, an email column), else the id column: the first found of
  `SIS User ID`, `SIS Login ID`, `Login ID`, `ID number`, `Username`, `ID`, `Email address`.

The header (in any case, spaces or underscores alike) is looked for in the first rows. Canvas's "Points
Possible" row and its Test Student, and rows without an id, are skipped. The file may be UTF-8 (with or
without a BOM), UTF-16 with a BOM or cp1252 (what Excel saves), separated by commas, semicolons or tabs
(sniffed). A workbook (.xlsx) is refused with the way to save it as CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError

ID_COLUMNS = ("sisuserid", "sisloginid", "loginid", "idnumber", "username", "id", "emailaddress", "email")
"""Accepted id headers of a plain roster, normalized (lower case, no spaces, underscores or hyphens), in order."""
LOGIN_COLUMNS = ("sisloginid", "loginid", "username", "emailaddress", "email")
NAME_COLUMNS = ("student", "name", "fullname")
SUBMISSION_COLUMN = "submission"
HEADER_ROWS_SEARCHED = 5
MAX_ROSTER_BYTES = 10 * 1024 * 1024
CANVAS_META_ROWS = ("Points Possible", "Student, Test", "Test Student")
"""Rows of Canvas's gradebook export that are no student: the points row and Canvas's own test student."""
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
"""How .xlsx/.ods (a zip) and .xls (an OLE file) begin, whatever the file is called."""
WHERE_THE_IDS_ARE = {
    "id": "pass Canvas's gradebook export (Grades, Export, Export Entire Gradebook): its ID column holds them",
    "identifier": "pass Moodle's grading worksheet (View all submissions, Grading action, Download grading "
    "worksheet): its Identifier column holds them",
    "sid": "pass Gradescope's roster (Roster, Download Roster): its SID column holds them",
    "email": "pass Gradescope's roster (Roster, Download Roster): its Email column holds them",
    "anonymousid": "grade an anonymous download without --roster: its ids are anonymous and match no roster",
}


@dataclass(frozen=True)
class Student:
    """One roster row: the submission's name, the LMS's id for the student and, when given, their name."""

    submission: str
    id: str
    name: str = ""
    columns: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """Every cell of the roster's row, by its header as the roster spells it (SIS ids, Section...)."""


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

    def keyed_by_id(self) -> bool:
        """Returns whether students are known by the LMS's id itself (a download's ids, or a roster matched on
        them), so that another roster must be matched on that id too."""
        return bool(self.students) and all(s.submission in (s.id, _participant(s.id)) for s in self.students.values())


@dataclass(frozen=True)
class _Columns:
    """Where a roster's header has what reading it needs."""

    header: list[str]
    at: int
    """The header's row."""
    key: int
    """The column a submission's student id is matched against."""
    id: int
    name: int | None


def read_roster(path: Path, download: Roster | None = None) -> Roster:
    """Returns the roster in the file at `path`, keyed by the ids of `download` (the ids an LMS's download
    carries) when given, else by the submissions' names; raises GraderError naming what is wrong with it."""
    rows = _rows(path)
    columns = _columns(path, rows, download)
    students: dict[str, Student] = {}
    header = columns.header
    for number, row in enumerate(rows[columns.at + 1 :], start=columns.at + 2):
        cells = [cell.strip() for cell in row] + [""] * len(header)
        if not cells[columns.id] or any(cell in CANVAS_META_ROWS for cell in cells[:2]):
            continue
        submission = cells[columns.key]
        if _key(header[columns.key]) == "identifier":
            submission = _participant(submission)
        if not submission:
            raise GraderError(
                f"row {number} of the roster {path} has no {header[columns.key].strip()}",
                "fill it in, or remove the row",
            )
        if submission.casefold() in students:
            raise GraderError(
                f"the roster {path} lists {submission!r} twice (row {number})", "keep one row per student"
            )
        name = cells[columns.name] if columns.name is not None else ""
        kept = tuple((column.strip(), cell) for column, cell in zip(header, cells, strict=False) if column.strip())
        students[submission.casefold()] = Student(submission, cells[columns.id], name, kept)
    if not students:
        raise GraderError(f"the roster {path} lists no students", "pass a roster with one row per student")
    name_column = header[columns.name].strip() if columns.name is not None else None
    return Roster(header[columns.id].strip(), name_column, students)


def _rows(path: Path) -> list[list[str]]:
    """Returns the rows of the roster file, decoded and split as it was saved."""
    try:
        if path.stat().st_size > MAX_ROSTER_BYTES:
            raise GraderError(f"the roster {path} is larger than 10 MB", "pass a class roster CSV")
        data = path.read_bytes()
    except FileNotFoundError:
        raise GraderError(f"no such roster: {path}", "pass the path of the class roster CSV to --roster") from None
    except OSError as error:
        raise GraderError(f"cannot read the roster {path} ({error.strerror})", "check the file") from None
    if data.startswith(WORKBOOK_SIGNATURES) or path.suffix.casefold() in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise GraderError(
            f"the roster {path} is a spreadsheet workbook, not CSV",
            "open it and save it as CSV (File, Save As, CSV UTF-8), then pass the .csv file",
        )
    text = _decoded(path, data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:  # one column, or too little to tell: commas
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        raise GraderError(f"the roster {path} is not valid CSV ({error})", "save it as CSV") from None


def _decoded(path: Path, data: bytes) -> str:
    """Returns the roster's text: UTF-16 when a BOM says so, else UTF-8 (BOM or not), else cp1252 (Excel)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: Sequence[str] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise GraderError(f"cannot read the roster {path}: it is neither UTF-8 nor cp1252 text", "save it as CSV UTF-8")


def _columns(path: Path, rows: Sequence[Sequence[str]], download: Roster | None) -> _Columns:
    """Returns where the roster's header and columns are; raises GraderError naming the columns it has."""
    wanted = (_key(download.id_column),) if download is not None else ID_COLUMNS
    at = next((i for i, row in enumerate(rows[:HEADER_ROWS_SEARCHED]) if any(_key(c) in wanted for c in row)), None)
    if at is None:
        found = ", ".join(cell.strip() for cell in rows[0] if cell.strip()) if rows else ""
        has = f"its columns: {found}" if found else "it has no header row"
        if download is not None:
            fix = WHERE_THE_IDS_ARE.get(wanted[0], f"add a {download.id_column} column holding the download's ids")
            raise GraderError(
                f"the roster {path} has no {download.id_column} column to match the download's ids on ({has})", fix
            )
        raise GraderError(
            f"the roster {path} has no id column ({has})",
            "it needs one of SIS User ID, SIS Login ID, Login ID, ID number, Username, ID, Email address "
            "(Canvas's and Moodle's exports have them)",
        )
    header = list(rows[at])
    keys = [_key(cell) for cell in header]
    name = next((keys.index(key) for key in NAME_COLUMNS if key in keys), None)
    if download is not None:
        key = keys.index(wanted[0])
        return _Columns(header, at, key, key, name)
    id_at = next(keys.index(key) for key in ID_COLUMNS if key in keys)
    login_at = next((keys.index(key) for key in LOGIN_COLUMNS if key in keys), id_at)
    key = keys.index(SUBMISSION_COLUMN) if SUBMISSION_COLUMN in keys else login_at
    return _Columns(header, at, key, id_at, name)


def _participant(identifier: str) -> str:
    """Returns the participant id in Moodle's `Participant 1234` (the word is in the site's language)."""
    match = re.search(r"(\d+)\s*$", identifier)
    return match.group(1) if match else ""


def _key(header: str) -> str:
    return "".join(c for c in header.casefold() if c not in " _-\t\ufeff")
