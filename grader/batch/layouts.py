"""Returns the submissions in an LMS's bulk download, each under the LMS's own id, with the name kept.

Each LMS names what it downloads in its own documented way (docs/lms.md): Canvas prefixes every file
with the student's name, user id and submission id; Moodle makes a folder per participant; a
Gradescope export holds a folder per submission and a metadata file naming the students; GitHub
Classroom clones `assignment-username` repositories. A layout reads one such folder into Sources
and, where the download carries them, the ids an LMS's gradebook import joins on.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.archives import OWN_ARCHIVE_LIMITS, Refusal, UnreadableArchive, extract, is_archive, walk_files
from grader.batch.gradescope_export import METADATA_NAME, read_export
from grader.defaults import LAYOUTS
from grader.exports.lms import Roster, Student
from grader.files import is_junk
from grader.grading.outcomes import Source

__all__ = ["LAYOUTS"]  # what `grade --layout` accepts (see grader.defaults): auto finds the layout itself

CANVAS_NAME = re.compile(r"(?P<name>[^_/]+)_(?:(?P<late>LATE)_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)")
"""Canvas: `{name}_{LATE_}{user id}_{submission id}_{original file name}`."""
MOODLE_NAME = re.compile(r"(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)(?:_(?P<file>.*))?")
"""Moodle: `{full name}_{participant id}_assignsubmission_{plugin}_` (a folder) or `..._{file}` (a file)."""
RESUBMITTED = re.compile(r"(?P<stem>.+)-(?P<number>\d+)")
"""Canvas adds -1, -2, ... to a file name a student hands in again."""


@dataclass
class Found:
    """What a layout found in one download: the sources, the ids to join on, and lines to print."""

    layout: str
    sources: list[Source] = field(default_factory=list)
    roster: Roster | None = None
    """The LMS's ids and names for the gradebook, when the download carries them."""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    """One file a student handed in: its name as they gave it and where it was unpacked."""

    original: str
    path: Path


class Picker:
    """Chooses the file to grade among a student's files, unpacking their own archive one level."""

    def __init__(self, submission_file: str, scratch: Path):
        self.submission_file = submission_file
        self.notebook = str(Path(submission_file).with_suffix(".ipynb"))
        self.scratch = scratch
        self.unpacked = 0

    def pick(self, files: Sequence[Candidate]) -> tuple[Path | None, tuple[str, ...], str]:
        """Returns the file to grade (the newest resubmission of the submission file), the other files'
        names, and why the student's own archive was refused ("" when it was not)."""
        ranked = [(rank, c) for c in files if (rank := self._rank(c.original)) is not None]
        if ranked:
            chosen = max(ranked, key=lambda item: item[0])[1]
            return chosen.path, tuple(c.original for c in files if c is not chosen), ""
        for candidate in files:
            if is_archive(Path(candidate.original)):
                path, refused = self._inside(candidate.path)
                if path is not None or refused:
                    return path, tuple(c.original for c in files if c is not candidate), refused
        code = [c for c in files if Path(c.original).suffix in (".py", ".ipynb")]
        if len(code) == 1:
            return code[0].path, tuple(c.original for c in files if c is not code[0]), ""
        return None, tuple(c.original for c in files), ""

    def _rank(self, original: str) -> tuple[int, int] | None:
        """Returns (resubmission number, .py before notebook) for the submission file's names, else None."""
        path = Path(original)
        stem, number = path.stem, 0
        if (again := RESUBMITTED.fullmatch(stem)) and again.group("stem") + path.suffix in (
            self.submission_file,
            self.notebook,
        ):
            stem, number = again.group("stem"), int(again.group("number"))
        name = stem + path.suffix
        if name == self.submission_file:
            return number, 1
        return (number, 0) if name == self.notebook else None

    def _inside(self, archive: Path) -> tuple[Path | None, str]:
        self.unpacked += 1
        folder = self.scratch / f"own-{self.unpacked}"
        try:
            refused = extract(archive, folder, OWN_ARCHIVE_LIMITS)
        except UnreadableArchive as error:
            return None, f"{archive.name} cannot be read: {error}"
        inside = [Candidate(path.name, path) for path in walk_files(folder) if not is_archive(path)]
        ranked = [((rank, -len(c.path.parts)), c) for c in inside if (rank := self._rank(c.original)) is not None]
        if ranked:
            return max(ranked, key=lambda item: item[0])[1].path, ""
        if refused:
            return None, f"{refused[0].entry!r} in {archive.name}: {refused[0].reason}"
        return None, ""


def read_download(root: Path, layout: str, picker: Picker, refusals: Sequence[Refusal] = ()) -> Found:
    """Returns what `root` holds in `layout` ("auto": the layout it looks like; plain finds nothing)."""
    chosen = detect(root) if layout == "auto" else layout
    readers: dict[str, Callable[[Path, Picker, Sequence[Refusal]], Found]] = {
        "canvas": _canvas,
        "moodle": _moodle,
        "gradescope": _gradescope,
        "classroom": _classroom,
    }
    return readers[chosen](root, picker, refusals) if chosen in readers else Found("plain")


def detect(root: Path) -> str:
    """Returns the layout `root` looks like: by its metadata file, or by how most of its entries are named."""
    if (root / METADATA_NAME).is_file():
        return "gradescope"
    entries = [e for e in root.iterdir() if not is_junk(e.name)] if root.is_dir() else []
    for layout, pattern, kind in (("canvas", CANVAS_NAME, Path.is_file), ("moodle", MOODLE_NAME, lambda e: True)):
        named = [e for e in entries if kind(e) and pattern.fullmatch(e.name)]
        if named and len(named) * 2 >= len(entries):
            return layout
    folders = [e for e in entries if e.is_dir()]
    if folders and _classroom_prefix(root, folders):
        return "classroom"
    return "plain"


def _canvas(root: Path, picker: Picker, refusals: Sequence[Refusal]) -> Found:
    found = Found("canvas")
    by_user: dict[str, list[tuple[re.Match[str], Path]]] = defaultdict(list)
    for file in walk_files(root):
        if (match := CANVAS_NAME.fullmatch(file.name)) is not None:
            by_user[match.group("user")].append((match, file))
        else:
            found.notes.append(f"not named as Canvas names submissions, skipped: {file.relative_to(root)}")
    refused_users = _refused_by(refusals, CANVAS_NAME, "user")
    students: dict[str, Student] = {}
    for user in sorted(set(by_user) | set(refused_users), key=int):
        entries = by_user.get(user, [])
        name = entries[0][0].group("name") if entries else refused_users[user][0]
        files = [Candidate(match.group("file"), file) for match, file in entries]
        path, others, refused = picker.pick(files)
        refused = refused or ("" if path is not None or not refused_users.get(user) else refused_users[user][1])
        late = any(match.group("late") for match, _ in entries)  # Canvas marks the whole submission
        found.sources.append(Source(user, path, name=name, late=late, superseded=others, refused=refused))
        students[user.casefold()] = Student(user, user, name)
    found.roster = Roster("ID", "Student", students)
    return found


def _moodle(root: Path, picker: Picker, refusals: Sequence[Refusal]) -> Found:
    found = Found("moodle")
    files: dict[str, list[Candidate]] = defaultdict(list)
    names: dict[str, str] = {}
    for entry in sorted(root.iterdir()):
        match = MOODLE_NAME.fullmatch(entry.name)
        if match is None or is_junk(entry.name):
            if not is_junk(entry.name):
                found.notes.append(f"not named as Moodle names submissions, skipped: {entry.name}")
            continue
        participant = match.group("id")
        names[participant] = "" if match.group("name") == "Participant" else match.group("name")
        if match.group("plugin") != "file":
            continue  # online text and other plugins hold no file to grade
        if entry.is_dir():
            files[participant] += [Candidate(p.name, p) for p in walk_files(entry)]
        elif entry.is_file() and match.group("file"):
            files[participant].append(Candidate(match.group("file"), entry))
    refused_ids = _refused_by(refusals, MOODLE_NAME, "id")
    students: dict[str, Student] = {}
    for participant in sorted(set(names) | set(refused_ids), key=int):
        path, others, refused = picker.pick(files.get(participant, []))
        if path is None and not refused and participant in refused_ids:
            refused = refused_ids[participant][1]
        name = names.get(participant, "")
        found.sources.append(Source(participant, path, name=name, superseded=others, refused=refused))
        students[participant.casefold()] = Student(participant, f"Participant {participant}", name)
    found.roster = Roster("Identifier", "Full name", students)
    return found


def _gradescope(root: Path, picker: Picker, refusals: Sequence[Refusal]) -> Found:
    found = Found("gradescope")
    export = read_export(root / METADATA_NAME)
    found.notes += export.problems
    students: dict[str, Student] = {}
    for submission in export.submissions:
        folder = root / submission.folder
        files = [Candidate(p.name, p) for p in walk_files(folder)] if folder.is_dir() and submission.folder else []
        path, others, refused = picker.pick(files)
        for submitter in submission.submitters:
            found.sources.append(
                Source(
                    submitter.id,
                    path,
                    name=submitter.name,
                    submitted_at=submission.created_at,
                    superseded=others,
                    refused=refused,
                )
            )
            students[submitter.id.casefold()] = Student(submitter.id, submitter.id, submitter.name)
    found.roster = Roster(export.id_column, "Name", students)
    return found


def _classroom(root: Path, picker: Picker, refusals: Sequence[Refusal]) -> Found:
    found = Found("classroom")
    folders = sorted(e for e in root.iterdir() if e.is_dir() and not is_junk(e.name))
    prefix = _classroom_prefix(root, folders) or ""
    for folder in folders:
        if not folder.name.startswith(prefix) or len(folder.name) == len(prefix):
            found.notes.append(f"not an {prefix}USERNAME repository, skipped: {folder.name}")
            continue
        path, others, refused = picker.pick([Candidate(str(p.relative_to(folder)), p) for p in walk_files(folder)])
        username = folder.name[len(prefix) :]
        found.sources.append(Source(username, path, superseded=_top_level(others), refused=refused))
    return found


def _classroom_prefix(root: Path, folders: Sequence[Path]) -> str | None:
    """Returns the `assignment-` prefix of GitHub Classroom's repository folders, or None when they have none.

    `gh classroom clone student-repos` clones into `{assignment}-submissions/{assignment}-{username}`;
    without that parent's name, folders that are all git repositories and share a prefix ending in "-".
    """
    if root.name.endswith("-submissions") and len(root.name) > len("-submissions"):
        prefix = root.name.removesuffix("submissions")
        if any(folder.name.startswith(prefix) for folder in folders):
            return prefix
    if len(folders) < 2 or not all((folder / ".git").is_dir() for folder in folders):
        return None
    common = folders[0].name
    for folder in folders[1:]:
        while not folder.name.startswith(common):
            common = common[:-1]
    prefix = common[: common.rfind("-") + 1]
    return prefix or None


def _top_level(others: tuple[str, ...]) -> tuple[str, ...]:
    """Returns a repository's other files without the many a repository holds: only Python and notebooks."""
    return tuple(name for name in others if Path(name).suffix in (".py", ".ipynb"))


def _refused_by(refusals: Sequence[Refusal], pattern: re.Pattern[str], group: str) -> dict[str, tuple[str, str]]:
    """Returns id → (name, reason) for refused entries whose name says whose they are."""
    found: dict[str, tuple[str, str]] = {}
    for refusal in refusals:
        first = refusal.entry.replace("\\", "/").strip("/").split("/")
        for part in first:
            if (match := pattern.fullmatch(part)) is not None:
                reason = f"{refusal.entry!r}: {refusal.reason}"
                found.setdefault(match.group(group), (match.group("name"), reason))
                break
    return found
