"""Returns the submissions the command line names, taken the way courses collect them.

A path may be a file, a folder of submissions, an LMS's download folder or an archive of any of
these. Archives are unpacked into `scratch` (a private folder the caller removes after grading); a
download's layout is found or named (`layouts.py`). What was refused or skipped becomes a line to
print, never an exception. What stops the run is the user's to fix: a path that does not exist or holds
nothing to grade, an archive that cannot be read, a download not in the layout named.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.archives import Refusal, UnreadableArchive, extract, is_archive
from grader.batch.discovery import discover
from grader.batch.layouts import LAYOUT_NAMES, Found, Picker, detect, read_download
from grader.batch.picker import is_code
from grader.errors import GraderError
from grader.exports.rosters import Roster
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
    """Returns every submission in `paths`, sorted by student; raises GraderError for an unusable path (no such
    path, an unreadable archive, a download not in the --layout named, nothing to grade at all) or two
    submissions of one student."""
    intake = Intake()
    picker = Picker(submission_file, scratch / "own")
    paths = list(paths)
    for number, path in enumerate(paths):
        if not path.exists():
            raise GraderError(f"no such file or folder: {path}", "check the path of the submissions to grade")
        if path.is_file() and is_archive(path):
            found = _from_archive(path, scratch / f"download-{number}", layout, picker, submission_file)
        elif path.is_dir() and layout != "plain":
            found = _read(path, path, layout, picker)
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
    if not intake.sources:
        raise GraderError(
            f"found no submissions in {', '.join(str(path) for path in paths)}",
            f"pass the folder or archive of the submissions (each a {submission_file} or a notebook)",
        )
    _refuse_twins(intake.sources)
    intake.sources.sort(key=lambda source: source.student)
    return intake


def refuse_output_inside(paths: Iterable[Path], out: Path) -> None:
    """Raises GraderError when the output folder is, or is inside, a folder of submissions: the next run
    would take it for a student's submission. Refused rather than skipped, so that no folder a student
    could name is ever left out of grading."""
    resolved = out.resolve()
    for path in paths:
        if path.is_dir() and resolved.is_relative_to(path.resolve()):
            raise GraderError(
                f"the output folder {out} is inside the submissions folder {path}, where the next run would "
                "grade it as a student",
                f"pass -o a folder outside {path}",
            )


def _read(root: Path, shown: Path, layout: str, picker: Picker, refusals: Sequence[Refusal] = ()) -> Found:
    """Returns what the download at `root` (`shown` to the user) holds; raises GraderError when a layout named
    on the command line finds no submission in it, saying which layout it looks like."""
    found = read_download(root, layout, picker, refusals)
    if layout in ("auto", "plain") or found.sources:
        return found
    looks = detect(root)
    if looks == layout:
        return found  # the layout it is, with nothing in it: said by the caller
    raise GraderError(
        f"{shown} holds no submissions in the {layout} layout: it looks like {LAYOUT_NAMES[looks]}",
        f"pass --layout {looks}, or leave --layout out",
    )


def _from_archive(archive: Path, into: Path, layout: str, picker: Picker, submission_file: str) -> Found:
    try:
        refusals = extract(archive, into)
    except UnreadableArchive as error:
        raise GraderError(
            f"cannot read the archive {archive} ({error})",
            "download it again (it may be cut short), or unpack it and pass the folder",
        ) from None
    root = _unwrapped(into, submission_file)
    found = _read(root, archive, layout, picker, refusals)
    found.notes[:0] = _refusal_lines(archive.name, refusals)
    if found.layout == "plain":
        try:
            found.sources = discover([root], submission_file)
        except GraderError as empty:
            found.notes.append(f"{archive.name}: {empty.problem}")
        found.sources = _with_refusals(found.sources, refusals)
    return found


MAX_REFUSAL_LINES = 20
"""Refused entries listed one by one; the rest are counted in one line (an archive of 100,000 links would
otherwise print 100,000 lines). Every refusal still decides its student's row."""


def _refusal_lines(archive: str, refusals: Sequence[Refusal]) -> list[str]:
    """Returns the lines that say what was refused from `archive`: the first MAX_REFUSAL_LINES, then a count."""
    lines = [f"refused from {archive}: {r.entry!r}: {r.reason}" for r in refusals[:MAX_REFUSAL_LINES]]
    if len(refusals) > MAX_REFUSAL_LINES:
        lines.append(f"refused from {archive}: {len(refusals) - MAX_REFUSAL_LINES} more entries, not listed")
    return lines


def _with_refusals(sources: list[Source], refusals: Sequence[Refusal]) -> list[Source]:
    """Returns the sources of a plain archive with a refused Source for each student (`student.py`,
    `student/...`) whose files were refused and nothing graded taken, so that they get a row saying why."""
    reasons: dict[str, str] = {}
    for refusal in refusals:
        parts = [part for part in refusal.entry.replace("\\", "/").split("/") if part not in ("", ".")]
        if ".." in parts or not 1 <= len(parts) <= 2 or (len(parts) == 1 and not is_code(parts[0])):
            continue  # whose an escaping, deep or stray entry is cannot be told from its name
        student = parts[0] if len(parts) == 2 else Path(parts[0]).stem
        if student and not student.startswith((".", "_")):
            reasons.setdefault(student, f"{refusal.entry!r}: {refusal.reason}")
    taken = {source.student: source for source in sources}
    for student, reason in reasons.items():
        if student not in taken or taken[student].path is None:
            taken[student] = Source(student, None, refused=reason)
    return list(taken.values())


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
