"""Returns and writes the gradebook: one CSV row per submission, for a course's spreadsheet or LMS."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.formatting import format_points, percent
from grader.reports.results_file import StoredResult
from grader.results import Status, SubmissionResult

COLUMNS = ("student", "score", "max_score", "percent", "status", "late")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""What makes a spreadsheet run a cell as a formula (OWASP's CSV injection list, and the full-width
forms some spreadsheets accept too)."""


def spreadsheet_text(cell: str) -> str:
    """Returns a text cell a spreadsheet shows as text, in one row: a formula gets a leading ', a CR shows as \\r.

    Only for text a student chose (their id, a name); ids an LMS matches rows by, and numbers, are
    written as they are, so the gradebook still imports (Canvas matches by its ID and SIS columns).
    """
    # A bare carriage return is a row break to a spreadsheet and an LMS importer but not to the csv
    # module (lines end in \n here), which leaves it unquoted: shown as the two characters \r instead.
    cell = cell.replace("\r", "\\r")
    return "'" + cell if cell.lstrip(" ").startswith(FORMULA_STARTS) else cell


@dataclass(frozen=True, slots=True)
class GradebookRow:
    """The summary of one graded submission that a gradebook keeps."""

    student: str
    score: float
    max_score: float
    status: str
    """The status's value, e.g. "graded"; a Status given here is stored as its value."""
    late: bool = False
    """The LMS marked the submission late (or it came past the assignment's due time)."""
    name: str = ""
    """The student's name as the LMS download gave it; "" when it gave none."""
    graded_at: str = ""
    """When it was graded (UTC, ISO 8601): Moodle's worksheet says when each grade was made."""

    def __post_init__(self) -> None:
        # Status(...) also rejects a word outside the fixed set, so a gradebook never holds one.
        object.__setattr__(self, "status", Status(self.status).value)

    @classmethod
    def from_result(cls, result: SubmissionResult) -> GradebookRow:
        """Returns the row for a full result."""
        return cls(
            result.student, result.score, result.max_score, result.status, result.late, result.name, result.graded_at
        )

    @classmethod
    def from_stored(cls, stored: StoredResult) -> GradebookRow:
        """Returns the row for a result an earlier run left in its results.json."""
        return cls(
            stored.student, stored.score, stored.max_score, stored.status, stored.late, stored.name, stored.graded_at
        )

    @property
    def percent(self) -> float:
        return percent(self.score, self.max_score)


def row_of(submission: SubmissionResult | GradebookRow | tuple[str, float, float, Status | str]) -> GradebookRow:
    """Returns the gradebook row for a full result, a (student, score, max_score, status) tuple or a row."""
    if isinstance(submission, GradebookRow):
        return submission
    if isinstance(submission, SubmissionResult):
        return GradebookRow.from_result(submission)
    return GradebookRow(*submission)


def write_gradebook(
    submissions: Iterable[SubmissionResult | GradebookRow | tuple[str, float, float, Status | str]],
    path: Path,
) -> None:
    """Writes `path` as CSV, one row per submission sorted by student.

    Results may stream in: only their small summary rows are kept until the file is written.
    """
    rows = sorted((row_of(s) for s in submissions), key=lambda row: row.student)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([spreadsheet_text(row.student), *score_cells(row)])


def score_cells(row: GradebookRow) -> list[str]:
    """Returns a row's cells after the student's: score, max_score, percent, status, late."""
    return [
        format_points(row.score),
        format_points(row.max_score),
        format_points(row.percent, decimals=2),
        row.status,
        late_cell(row.late),
    ]


def late_cell(late: bool) -> str:
    """Returns the gradebook's `late` cell: "yes" for late work, "no" otherwise."""
    return "yes" if late else "no"


def read_gradebook(path: Path) -> list[dict[str, str]]:
    """Returns a gradebook's rows as dicts keyed by column name, values as written."""
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))
