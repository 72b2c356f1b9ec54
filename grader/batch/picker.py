"""Returns the file to grade among one student's files: the submission file's newest copy, in any case."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.batch.archives import OWN_ARCHIVE_LIMITS, UnreadableArchive, extract, is_archive, walk_files

RESUBMITTED = re.compile(r"(?P<stem>.+)-(?P<number>\d+)")
"""Canvas adds -1, -2, ... to a file name a student hands in again."""
CODE_SUFFIXES = (".py", ".ipynb")
NOT_A_SUBMISSION = re.compile(r"test_.*\.py|.*_test\.py|conftest\.py", re.IGNORECASE)
"""Test files (a template's, or the student's own): never the work a student hands in to be graded."""


@dataclass(frozen=True)
class Candidate:
    """One file a student handed in: its name as they gave it and where it was unpacked."""

    original: str
    path: Path


def is_code(name: str) -> bool:
    """Returns whether a file of this name is Python or a notebook, whatever the case of its suffix."""
    return Path(name).suffix.casefold() in CODE_SUFFIXES


class Picker:
    """Chooses the file to grade among a student's files, unpacking their own archive one level."""

    def __init__(self, submission_file: str, scratch: Path):
        self.submission_file = submission_file.casefold()
        self.notebook = str(Path(submission_file).with_suffix(".ipynb")).casefold()
        self.scratch = scratch
        self.unpacked = 0

    def pick(self, files: Sequence[Candidate]) -> tuple[Path | None, tuple[str, ...], str]:
        """Returns the file to grade (the newest resubmission of the submission file), the other files'
        names, and why the student's own archive was refused ("" when it was not).

        Names match in any case (`Solution.PY` for `solution.py`). Without the submission file, the student's own
        archive is looked into, then their only Python file or notebook that is not a test file.
        """
        ranked = [(rank, c) for c in files if (rank := self._rank(c.original)) is not None]
        if ranked:
            chosen = max(ranked, key=lambda item: item[0])[1]
            return chosen.path, tuple(c.original for c in files if c is not chosen), ""
        for candidate in files:
            if is_archive(Path(candidate.original)):
                path, refused = self._inside(candidate.path)
                if path is not None or refused:
                    return path, tuple(c.original for c in files if c is not candidate), refused
        code = [c for c in files if is_code(c.original) and not NOT_A_SUBMISSION.fullmatch(Path(c.original).name)]
        if len(code) == 1:
            return code[0].path, tuple(c.original for c in files if c is not code[0]), ""
        return None, tuple(c.original for c in files), ""

    def _rank(self, original: str) -> tuple[int, int] | None:
        """Returns (resubmission number, .py before notebook) for the submission file's names, else None."""
        path = Path(original.casefold())
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
