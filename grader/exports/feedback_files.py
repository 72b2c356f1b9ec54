"""Writes each student's report in the zip an LMS's bulk feedback upload takes.

- Moodle, "Upload multiple feedback files in a zip" (`mod/assign/feedback/file/importziplib.php`,
  is_valid_filename_for_import): each path part is split on "_" into at most five parts,
  `fullname_participantid_plugintype_pluginname_rest`; the second must be a participant id of the
  assignment and the third and fourth an assignment plugin. So each student's report goes in the folder
  the download named, `{Full Name}_{participant id}_assignsubmission_file_/report.html`, with "_" in the
  name made a space as the download does (`download_submissions` in mod/assign/locallib.php).
- Canvas, "Re-upload submissions" (`generate_comments_from_files` and
  `infer_comment_context_from_filename` in app/models/assignment.rb): the file name, split on "_" without
  "LATE", gives the user id and the attachment id as its first two all-digit parts, and the attachment
  must be a file of the student's submission; the file becomes a comment "See attached file" shown under
  that attachment's name. Students whose submission has no such file (a text entry, nothing handed in,
  a file from inside their own archive) cannot get a file this way: they are left out and listed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from grader.exports.lms_import import Written, participant_id
from grader.exports.rosters import Roster
from grader.files import write_zip

REPORT = "report.html"
MOODLE_PLUGIN_FOLDER = "assignsubmission_file_"
CANVAS_FEEDBACK_NAME = "feedback.html"
CANVAS_DOWNLOAD_NAME = re.compile(r"(?:[^_/]+_)?(?:LATE_|late_)?(?P<user>\d+)_(?P<attachment>\d+)_.+")
"""The name Canvas gives a submitted file in its download: `{name}_{LATE_}{user id}_{attachment id}_{file}`."""


def canvas_attachment(student: str, download_name: str) -> str:
    """Returns the Canvas attachment id in the download name of the student's graded file, "" when the name
    is not Canvas's or is another user's."""
    match = CANVAS_DOWNLOAD_NAME.fullmatch(download_name)
    return match.group("attachment") if match and match.group("user") == student else ""


def moodle_folder(name: str, participant: str) -> str:
    """Returns the folder Moodle's download gives a participant's files, which its feedback upload reads."""
    cleaned = re.sub(r"[\x00-\x1f/\\:*?\"<>|]", "", name.replace("_", " ")).strip() or "Participant"
    return f"{cleaned}_{participant}_{MOODLE_PLUGIN_FOLDER}"


def write_moodle_feedback(
    students: Sequence[str], roster: Roster, reports: Mapping[str, Path], names: Mapping[str, str], path: Path
) -> Written:
    """Writes the zip of each participant's report.html in their download folder; `reports` maps a student to
    their report folder, `names` to the name their results recorded."""
    entries, left_out = {}, []
    for student in sorted(students):
        known = roster.find(student)
        participant = participant_id(known.id) if known is not None else ""
        report = reports[student] / REPORT if student in reports else None
        if not participant or report is None or not report.is_file():
            left_out.append(student)
            continue
        name = (known.name if known is not None else "") or names.get(student, "")
        entries[f"{moodle_folder(name, participant)}/{REPORT}"] = report
    write_zip(path, entries)
    return Written(path, len(entries), tuple(left_out))


def write_canvas_feedback(
    students: Sequence[str], attachments: Mapping[str, str], reports: Mapping[str, Path], path: Path
) -> Written:
    """Writes the zip Canvas's "Re-upload submissions" turns into one comment per student with their
    report attached; `attachments` maps a student (the Canvas user id) to the attachment id of their file."""
    entries, left_out = {}, []
    for student in sorted(students):
        attachment = attachments.get(student, "")
        report = reports[student] / REPORT if student in reports else None
        if not attachment or not student.isdigit() or report is None or not report.is_file():
            left_out.append(student)
            continue
        entries[f"feedback_{student}_{attachment}_{CANVAS_FEEDBACK_NAME}"] = report
    write_zip(path, entries)
    return Written(path, len(entries), tuple(left_out))
