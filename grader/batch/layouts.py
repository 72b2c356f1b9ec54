"""Returns the submissions in an LMS's bulk download, each under the LMS's own id, with the name kept.

Each LMS names what it downloads in its own documented way (docs/lms.md): Canvas prefixes every file
with the student's name, user id (or anonymous id) and attachment id; Moodle makes a folder per participant; a
Gradescope export holds a folder per submission and a metadata file naming the students; GitHub
Classroom clones `assignment-username` repositories. A layout reads one such folder into Sources
and, where the download carries them, the ids an LMS's gradebook import joins on.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.batch.archives import Refusal, walk_files
from grader.batch.gradescope_export import METADATA_NAME, read_export
from grader.batch.picker import Candidate, Picker, is_code
from grader.defaults import LAYOUTS
from grader.exports.rosters import Roster, Student
from grader.files import is_junk
from grader.grading.outcomes import Source

__all__ = ["LAYOUTS", "Candidate", "Picker"]  # LAYOUTS: what `grade --layout` accepts; auto finds the layout

CANVAS_NAME = re.compile(
    r"(?:(?P<name>[^/]+?)_)??(?:(?P<late>LATE|late)_)?(?P<user>\d+|anon_[A-Za-z0-9]+)_"
    r"(?:(?P<attachment>\d+)_(?P<file>.+)|(?P<entry>text|link)\.html)"
)
"""Canvas (lib/content_zipper.rb): `{name}_{LATE_}{user id}_{attachment id}_{file name}` for an upload,
`{name}_{LATE_}{user id}_text.html` for a text entry, `..._link.html` for a URL; under anonymous grading
`{LATE_}anon_{anonymous id}_...` with no name. Older downloads wrote `late` in lower case."""
CANVAS_ENTRIES = {"text": "text entry (text.html)", "link": "website URL (link.html)"}
"""What a Canvas text entry or URL submission is called in the lines printed: no file to grade."""
ANONYMOUS_ID_COLUMN = "Anonymous ID"
"""The id column of an anonymous Canvas download: its ids match no roster and no gradebook import."""
MOODLE_STRUCTURE = r"_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_"
MOODLE_FOLDER = re.compile(rf"(?P<name>.*){MOODLE_STRUCTURE}")
"""Moodle's folder per participant, `{full name}_{participant id}_assignsubmission_{plugin}_`: read from the
right end, the part Moodle writes, so that a full name holding the same words is never taken for an id."""
MOODLE_FILE = re.compile(rf"(?P<name>.*?){MOODLE_STRUCTURE}(?P<file>.+)")
"""Moodle's flat form, `{full name}_{participant id}_assignsubmission_{plugin}_{file name}`."""
LAYOUT_NAMES = {
    "canvas": "a Canvas download",
    "moodle": "a Moodle download",
    "gradescope": "a Gradescope export",
    "classroom": "GitHub Classroom repositories",
    "plain": "plain files and folders named by student",
}
"""Each layout as the one-line errors name it."""
TEMPLATE_SHARE = 0.5
"""A file (same path, same bytes) in at least this share of a class's Classroom repositories is the template's."""


@dataclass
class Found:
    """What a layout found in one download: the sources, the ids to join on, and lines to print."""

    layout: str
    sources: list[Source] = field(default_factory=list)
    roster: Roster | None = None
    """The LMS's ids and names for the gradebook, when the download carries them."""
    notes: list[str] = field(default_factory=list)


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
    canvas = [e for e in entries if e.is_file() and CANVAS_NAME.fullmatch(e.name)]
    moodle = [e for e in entries if (MOODLE_FOLDER if e.is_dir() else MOODLE_FILE).fullmatch(e.name)]
    for layout, named in (("canvas", canvas), ("moodle", moodle)):
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
    refused_users = _refused_by(refusals, "user", CANVAS_NAME)
    students: dict[str, Student] = {}
    for user in sorted(set(by_user) | set(refused_users), key=lambda user: (not user.isdigit(), len(user), user)):
        entries = by_user.get(user, [])
        name = next((match.group("name") or "" for match, _ in entries), refused_users.get(user, ("", ""))[0])
        files = [Candidate(match.group("file") or CANVAS_ENTRIES[match.group("entry")], f) for match, f in entries]
        path, others, refused = picker.pick(files)
        refused = refused or ("" if path is not None or not refused_users.get(user) else refused_users[user][1])
        late = any(match.group("late") for match, _ in entries)  # Canvas marks the whole submission
        found.sources.append(Source(user, path, name=name, late=late, superseded=others, refused=refused))
        students[user.casefold()] = Student(user, user.removeprefix("anon_"), name)
    anonymous = any(user.startswith("anon_") for user in students)
    found.roster = Roster(ANONYMOUS_ID_COLUMN if anonymous else "ID", None if anonymous else "Student", students)
    return found


def _moodle(root: Path, picker: Picker, refusals: Sequence[Refusal]) -> Found:
    found = Found("moodle")
    files: dict[str, list[Candidate]] = defaultdict(list)
    names: dict[str, str] = {}
    for entry in sorted(e for e in root.iterdir() if not is_junk(e.name)):
        match = (MOODLE_FOLDER if entry.is_dir() else MOODLE_FILE).fullmatch(entry.name)
        if match is None or (entry.is_file() and len(re.findall(MOODLE_STRUCTURE, entry.name)) > 1):
            why = "not named as Moodle names submissions" if match is None else "named for two participants"
            found.notes.append(f"{why}, skipped: {entry.name}")
            continue
        participant, plugin = match.group("id"), match.group("plugin")
        names[participant] = "" if match.group("name") == "Participant" else match.group("name")
        shown = "" if plugin == "file" else f"{plugin}: "  # online text and other plugins hold no file to grade
        if entry.is_dir():
            files[participant] += [Candidate(shown + p.name, p) for p in walk_files(entry)]
        elif entry.is_file():
            files[participant].append(Candidate(shown + match.group("file"), entry))
    refused_ids = _refused_by(refusals, "id", MOODLE_FOLDER, MOODLE_FILE)
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
    repositories: dict[str, dict[tuple[str, str], Candidate]] = {}
    for folder in folders:
        if not folder.name.startswith(prefix) or len(folder.name) == len(prefix):
            found.notes.append(f"not an {prefix}USERNAME repository, skipped: {folder.name}")
            continue
        listed = [Candidate(str(p.relative_to(folder)), p) for p in walk_files(folder)]
        repositories[folder.name[len(prefix) :]] = {(c.original, _digest(c.path)): c for c in listed}
    template = _template_files(list(repositories.values()))
    for username, held in repositories.items():
        path, others, refused = picker.pick([c for key, c in held.items() if key not in template])
        if path is None and not refused:  # nothing of their own: the template's file, as they left it
            path, others, refused = picker.pick(list(held.values()))
        found.sources.append(Source(username, path, superseded=_top_level(others), refused=refused))
    return found


def _template_files(repositories: Sequence[Iterable[tuple[str, str]]]) -> set[tuple[str, str]]:
    """Returns the (path, digest) of files that at least TEMPLATE_SHARE of the repositories (and two) hold
    unchanged: the assignment template's (its tests, starter files), not any one student's work."""
    held = Counter(key for files in repositories for key in files)
    return {key for key, count in held.items() if count >= max(2, TEMPLATE_SHARE * len(repositories))}


def _digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


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
    return tuple(name for name in others if is_code(name))


def _refused_by(refusals: Sequence[Refusal], group: str, *patterns: re.Pattern[str]) -> dict[str, tuple[str, str]]:
    """Returns id → (name, reason) for refused entries whose name says whose they are."""
    found: dict[str, tuple[str, str]] = {}
    for refusal in refusals:
        parts = refusal.entry.replace("\\", "/").strip("/").split("/")
        match = next((m for part in parts for pattern in patterns if (m := pattern.fullmatch(part))), None)
        if match is not None:
            found.setdefault(match.group(group), (match.group("name") or "", f"{refusal.entry!r}: {refusal.reason}"))
    return found
