"""Returns the folder each student's reports go in under OUT, and student ids made safe to print.

A student id is the name of a file or folder a student chose: it may collide with the grader's own
output (`gradebook.csv.py` would make OUT/gradebook.csv a folder), differ from another id only in case
or Unicode normalisation (one folder on macOS and Windows), be a reserved device name, or hold escape
sequences. The id itself is kept as it is in results.json and the gradebook; only its folder is mapped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

OWN_OUTPUT = frozenset(
    name.casefold()
    for name in (
        "gradebook.csv",
        "changes.csv",
        "summary.html",
        "summary.md",
        "timings.csv",
        ".cache",
        "results.json",
        "similarity.csv",
        "similarity.html",
    )
)
"""What the grader itself writes into OUT: no student's folder may be named so."""

_DEVICES = frozenset(["con", "prn", "aux", "nul"] + [f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10)])
"""Names Windows reserves, with or without an extension: a course may copy OUT to Windows."""

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def report_folders(students: Iterable[str]) -> dict[str, str]:
    """Returns student id → folder name under OUT: unique among these ids even where the file system
    ignores case or normalises Unicode, never one of the grader's own names, and the id itself whenever
    it is already a plain name that collides with nothing."""
    folders = {student: _folder(student) for student in students}
    while True:
        groups: dict[str, list[str]] = defaultdict(list)
        for student, folder in folders.items():
            groups[_key(folder)].append(student)
        clashing = [student for group in groups.values() if len(group) > 1 for student in group]
        plain = [student for student in clashing if folders[student] == student]
        if not clashing:
            return folders
        if not plain:  # only hashed names clash: two ids with the same digest prefix
            raise ValueError(f"student ids {sorted(clashing)!r} map to the same folder")
        for student in plain:
            folders[student] = _hashed(student)


def printable(student: str) -> str:
    """Returns the id with control characters, bidirectional overrides and invisible characters shown
    escaped (\\x1b, \\u202e), so an id cannot move the cursor, recolour or reorder a terminal's text."""
    return _CONTROL.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), student)


def _folder(student: str) -> str:
    plain = _PLAIN.fullmatch(student) is not None and not student.endswith(".")
    stem = student.split(".")[0].casefold()
    if plain and student.casefold() not in OWN_OUTPUT and stem not in _DEVICES:
        return student
    return _hashed(student)


def _hashed(student: str) -> str:
    """Returns a readable slug of the id and a digest of the id itself: distinct ids, distinct names."""
    ascii_text = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE.sub("_", ascii_text).strip("._-")[:40] or "student"
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{slug}-{digest}"


def _key(folder: str) -> str:
    """Returns what a case-insensitive, normalising file system sees of a name."""
    return unicodedata.normalize("NFC", folder).casefold()
