"""Returns the submissions the command line names, taken the way courses collect them.

A path may be a file, a folder of submissions, an LMS's download folder or an archive of any of
these. Archives are unpacked into `scratch` (a private folder the caller removes after grading); a
download's layout is found or named (`layouts.py`). What was refused or skipped becomes a line to
print, never an exception: only a path that holds nothing to grade stops the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.archives import UnreadableArchive, extract, is_archive
from grader.batch.discovery import discover
from grader.batch.layouts import Found, Picker, read_download
from grader.errors import GraderError
from grader.exports.lms import Roster
from grader.files import is_junk
from grader.grading.outcomes import Source


@dataclass
class Intake:
    """The submissions to grade, the layout of each path, the LMS's ids, and lines for the summary."""

    sources: list[Source] = field(default_factory=list)
    layouts: list[tuple[Path, str]] = field(default_factory=list)
    """Each folder or archive and the layout read from it."""
    roster: Roster | None = None
    """The ids an LMS's gradebook import joins on, from the downloads that carry them."""
    lines: list[str] = field(default_factory=list)


def take_submissions(paths: Iterable[Path], submission_file: str, layout: str, scratch: Path) -> Intake:
    """Returns every submission in `paths`, sorted by student; raises GraderError for an unusable path
    or two submissions of one student."""
    intake = Intake()
    picker = Picker(submission_file, scratch / "own")
    for number, path in enumerate(paths):
        if not path.exists():
            raise GraderError(f"no such file or folder: {path}", "check the path of the submissions to grade")
        if path.is_file() and is_archive(path):
            found = _from_archive(path, scratch / f"download-{number}", layout, picker, submission_file)
        elif path.is_dir() and layout != "plain":
            found = read_download(path, layout, picker)
            if found.layout == "plain":
                found.sources = discover([path], submission_file)
        else:
            found = Found("plain", discover([path], submission_file))
        if path.is_dir() or is_archive(path):  # a single file needs no word on how it was read
            intake.layouts.append((path, found.layout))
        intake.lines += found.notes
        intake.sources += found.sources
        if found.roster is not None:
            students = (intake.roster.students if intake.roster else {}) | found.roster.students
            intake.roster = Roster(found.roster.id_column, found.roster.name_column, students)
    _refuse_twins(intake.sources)
    intake.sources.sort(key=lambda source: source.student)
    return intake


def _from_archive(archive: Path, into: Path, layout: str, picker: Picker, submission_file: str) -> Found:
    try:
        refusals = extract(archive, into)
    except UnreadableArchive as error:
        return Found("unreadable", notes=[f"cannot read the archive {archive} ({error}): nothing taken from it"])
    root = _unwrapped(into, submission_file)
    found = read_download(root, layout, picker, refusals)
    found.notes[:0] = [f"refused from {archive.name}: {r.entry!r}: {r.reason}" for r in refusals]
    if found.layout == "plain":
        try:
            found.sources = discover([root], submission_file)
        except GraderError as empty:
            found.notes.append(f"{archive.name}: {empty.problem}")
    return found


def _unwrapped(folder: Path, submission_file: str) -> Path:
    """Returns the folder inside the single folders an archive wraps its content in (an export's root)."""
    while not (folder / submission_file).exists():
        entries = [e for e in folder.iterdir() if not is_junk(e.name)]
        if len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
            break
        folder = entries[0]
    return folder


def _refuse_twins(sources: list[Source]) -> None:
    seen: dict[str, Source] = {}
    for source in sources:
        other = seen.setdefault(source.student, source)
        if other is not source:
            raise GraderError(
                f"two submissions are both for {source.student!r} ({other.path} and {source.path})",
                "grade the downloads separately, or remove one of them",
            )
