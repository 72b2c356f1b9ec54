"""Returns which LMS a run's exports are for, and writes them: the grade file its importer takes and the zip
of feedback its bulk upload takes (lms_import.py, feedback_files.py), beside gradebook.csv.

    canvas   OUT/canvas-gradebook.csv     Grades > Import
             OUT/feedback-canvas.zip      the assignment's "Re-upload submissions"
    moodle   OUT/moodle-grading-worksheet.csv   "Upload grading worksheet"
             OUT/feedback-moodle.zip      "Upload multiple feedback files in a zip"
    plain    gradebook.csv only

gradebook.csv (every column: score, max_score, percent, status, late, the LMS's ids) is written for every
run: it is the details file, which no importer is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GraderError
from grader.exports.feedback_files import canvas_attachment, write_canvas_feedback, write_moodle_feedback
from grader.exports.gradebook import GradebookRow
from grader.exports.lms_import import (
    Written,
    canvas_assignment_column,
    feedback_comment,
    write_canvas_gradebook,
    write_moodle_worksheet,
)
from grader.exports.rosters import Roster

EXPORT_LMS = ("canvas", "moodle", "plain")
CANVAS_GRADEBOOK = "canvas-gradebook.csv"
CANVAS_FEEDBACK = "feedback-canvas.zip"
MOODLE_WORKSHEET = "moodle-grading-worksheet.csv"
MOODLE_FEEDBACK = "feedback-moodle.zip"
EXPORT_FILES = (CANVAS_GRADEBOOK, CANVAS_FEEDBACK, MOODLE_WORKSHEET, MOODLE_FEEDBACK)


@dataclass(frozen=True)
class LmsExport:
    """Which LMS the exports are for, and what they need that the results do not hold."""

    lms: str = "plain"
    """One of EXPORT_LMS."""
    canvas_assignment: str = ""
    """The assignment's Canvas id, for the column `Title (id)`; "" when not known."""
    attachments: Mapping[str, str] = field(default_factory=dict)
    """Canvas user id → the attachment id of the file graded (from the download's names)."""

    def to_json(self) -> dict[str, object]:
        """Returns the record .roster.json keeps, so that a merge writes the same exports."""
        return {"lms": self.lms, "canvas_assignment": self.canvas_assignment, "attachments": dict(self.attachments)}

    @classmethod
    def from_json(cls, record: Mapping[str, object]) -> LmsExport:
        """Returns the export a record describes; raises ValueError when it is malformed."""
        lms, canvas, attachments = record["lms"], record.get("canvas_assignment", ""), record.get("attachments", {})
        if lms not in EXPORT_LMS or not isinstance(canvas, str) or not isinstance(attachments, dict):
            raise ValueError(f"not an export record: {dict(record)!r}")
        return cls(lms, canvas, {str(k): str(v) for k, v in attachments.items()})


def export_for(
    chosen: str, layouts: Iterable[str], download_names: Mapping[str, str], canvas_assignment: str = ""
) -> LmsExport:
    """Returns the export for `chosen` ("auto": the LMS the downloads came from, else plain); `download_names`
    maps a student to the name of their graded file in the download (for Canvas's attachment ids)."""
    found = [layout for layout in layouts if layout in ("canvas", "moodle")]
    lms = chosen if chosen != "auto" else (found[0] if found else "plain")
    attachments = {}
    if lms == "canvas":
        attachments = {s: a for s, name in download_names.items() if (a := canvas_attachment(s, name))}
    return LmsExport(lms, canvas_assignment, attachments)


def merged_export(records: Sequence[LmsExport], chosen: str | None) -> LmsExport | None:
    """Returns the shards' exports as one (their attachments together); `chosen` overrides the LMS."""
    if not records and chosen in (None, "auto"):
        return None
    attachments = {k: v for record in records for k, v in record.attachments.items()}
    lms = chosen if chosen not in (None, "auto") else records[0].lms
    canvas = next((r.canvas_assignment for r in records if r.canvas_assignment), "")
    return LmsExport(lms or "plain", canvas, attachments)


@dataclass(frozen=True)
class ExportInputs:
    """What the finish step knows that the exports need."""

    rows: Sequence[GradebookRow]
    roster: Roster | None
    title: str
    """The assignment's title: Canvas's column."""
    mistakes: Mapping[str, tuple[str, ...]]
    """Student → the titles of the named mistakes found."""
    report_folder: Callable[[str], Path]


def write_exports(export: LmsExport, inputs: ExportInputs, out: Path) -> list[str]:
    """Writes the export's files into OUT (removing those of another LMS an earlier run left); returns the
    lines that say where they are and who is left out. Raises GraderError when the LMS's ids are unknown."""
    for name in EXPORT_FILES:
        (out / name).unlink(missing_ok=True)
    if export.lms == "plain":
        return []
    if inputs.roster is None:
        raise GraderError(
            f"the {export.lms} export needs the LMS's ids, and this run has none",
            f"grade the {export.lms.capitalize()} download as it came, or pass --roster, or --export plain",
        )
    students = [row.student for row in inputs.rows]
    reports = {student: inputs.report_folder(student) for student in students}
    names = {row.student: row.name for row in inputs.rows}
    if export.lms == "canvas":
        column = canvas_assignment_column(inputs.title, export.canvas_assignment)
        grades = write_canvas_gradebook(inputs.rows, inputs.roster, column, out / CANVAS_GRADEBOOK)
        feedback = write_canvas_feedback(students, export.attachments, reports, out / CANVAS_FEEDBACK)
        return _lines("Canvas", grades, feedback, "no submitted file to attach it to")
    comments = {row.student: feedback_comment(row, inputs.mistakes.get(row.student, ())) for row in inputs.rows}
    grades = write_moodle_worksheet(inputs.rows, inputs.roster, comments, out / MOODLE_WORKSHEET)
    feedback = write_moodle_feedback(students, inputs.roster, reports, names, out / MOODLE_FEEDBACK)
    return _lines("Moodle", grades, feedback, "no participant id")


def _lines(lms: str, grades: Written, feedback: Written, why: str) -> list[str]:
    lines = [f"{lms} import: {grades.path} ({grades.rows} students), feedback {feedback.path} ({feedback.rows})"]
    if grades.left_out:
        lines.append(f"not in the {lms} import (no {lms} id): {', '.join(grades.left_out)}")
    if feedback.left_out:
        lines.append(f"no {lms} feedback file ({why}): {', '.join(feedback.left_out)}")
    return lines
