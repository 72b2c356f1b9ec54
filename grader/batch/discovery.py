"""Returns the submissions named on the command line: files, submission folders, folders of submissions."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from grader.errors import GraderError
from grader.files import is_junk
from grader.grading.outcomes import Source

SUBMISSION_SUFFIXES = (".py", ".ipynb")
"""A submission is a Python file or a notebook (Jupyter or Colab), graded the same way."""


def discover(paths: Iterable[Path], submission_file: str) -> list[Source]:
    """Returns one Source per submission, sorted by student; raises GraderError for unusable paths.

    A file is one submission (the student is its stem). A folder holding `submission_file` is one
    submission (the student is the folder's name). Any other folder holds submissions: each Python
    file and each sub-folder is one; a sub-folder without `submission_file` is a missing file. A
    notebook named like `submission_file` (its stem + .ipynb) stands in for it.
    """
    sources: dict[str, Source] = {}
    for path in paths:
        for source in _sources_in(path, submission_file):
            other = sources.get(source.student)
            if other is not None:
                raise GraderError(
                    f"two submissions are both named {source.student!r} ({other.path} and {source.path})",
                    "rename one of them: the student id is the file stem or folder name",
                )
            sources[source.student] = source
    return [sources[student] for student in sorted(sources)]


def _sources_in(path: Path, submission_file: str) -> list[Source]:
    if not path.exists():
        raise GraderError(f"no such file or folder: {path}", "check the path of the submissions to grade")
    if path.is_file():
        if path.suffix.casefold() not in SUBMISSION_SUFFIXES:
            raise GraderError(
                f"{path} is not a Python file or notebook",
                f"pass {'/'.join(SUBMISSION_SUFFIXES)} files or folders of them",
            )
        return [Source(_student_id(path.stem, path), path)]
    if (own := _submission_in(path, submission_file)) is not None:
        return [Source(_student_id(path.resolve().name, path), own)]
    sources = []
    for entry in sorted(path.iterdir()):
        if is_junk(entry.name) or entry.name.startswith("_"):  # "_" names: shared helpers, not a student
            continue
        if entry.is_symlink():  # never followed: grading reports it as a link, nothing of its target
            if entry.suffix.casefold() in SUBMISSION_SUFFIXES or entry.is_dir():
                sources.append(Source(_student_id(entry.stem if entry.suffix else entry.name, entry), entry))
        elif entry.is_dir():
            sources.append(Source(_student_id(entry.name, entry), _submission_in(entry, submission_file)))
        elif entry.suffix.casefold() in SUBMISSION_SUFFIXES:
            sources.append(Source(_student_id(entry.stem, entry), entry))
    if not sources:
        raise GraderError(
            f"{path} holds no submissions (no {submission_file}, no Python files or notebooks, no sub-folders)",
            "pass a submission file, a submission folder, or a folder of them",
        )
    return sources


def _submission_in(folder: Path, submission_file: str) -> Path | None:
    """Returns the folder's submission file, else the notebook of the same name, else None; in any case
    (`Solution.PY` for `solution.py`) when the exact name is not there.

    A link or special file by that name is returned as it is (never followed or opened): grading reports it.
    """
    names = (submission_file, str(Path(submission_file).with_suffix(".ipynb")))
    for candidate in (folder / name for name in names):
        if candidate.is_file() or os.path.lexists(candidate):
            return candidate
    try:
        entries = {entry.name.casefold(): entry for entry in sorted(folder.iterdir(), reverse=True)}
    except OSError:
        return None
    return next((entries[name.casefold()] for name in names if name.casefold() in entries), None)


def _student_id(name: str, path: Path) -> str:
    if not name or name.startswith(".") or "/" in name or "\\" in name:
        raise GraderError(f"cannot use {name!r} as a student id ({path})", "rename the file or folder")
    return name
