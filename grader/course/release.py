"""Returns the student bundle of an assignment: starter, public tests and instructions, nothing else.

The bundle is what students download: a folder and a zip of it. Its public tests run with plain
`pytest` from the bundle's root (the public conftest.py finds the submission there) and with
`grader check`. `leaks` checks by content that no hidden test and no reference text got into it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment
from grader.choice import BUNDLE_MARKER
from grader.errors import GraderError
from grader.files import files_under, write_zip

INSTRUCTIONS = "README.md"
LEAK_MIN_CHARS = 30
"""A line of hidden test or reference this long (without indentation) found in the bundle is a leak;
shorter lines ("import numpy as np", "return x") are shared by any two Python files."""
NOT_SECRET = ("@pytest.mark.hint(", "@pytest.mark.points(")
"""Lines of hidden tests that every student's report shows anyway: a public test may repeat them."""


@dataclass(frozen=True)
class Bundle:
    """A released bundle: its folder, its zip and the files in it (relative paths, sorted)."""

    folder: Path
    zip: Path
    files: tuple[str, ...]


def bundle_files(assignment: Assignment) -> dict[str, Path]:
    """Returns what the bundle holds: its relative path → the assignment file it is copied from.

    The starter's files go at the bundle's root (so the starter is already named as the submission),
    the public tests under tests/public/, the student README at the root.
    """
    starter = assignment.starter.parent
    instructions = assignment.root / INSTRUCTIONS
    for needed, what in ((assignment.starter, "starter"), (instructions, "student README")):
        if not needed.is_file():
            raise GraderError(f"the {what} {needed} does not exist", "add it to the assignment and release again")
    if not assignment.public_tests.is_dir():
        raise GraderError(
            f"the public tests folder {assignment.public_tests} does not exist", "add it and release again"
        )
    files = {path.relative_to(starter).as_posix(): path for path in files_under(starter)}
    files |= {
        f"tests/public/{path.relative_to(assignment.public_tests).as_posix()}": path
        for path in files_under(assignment.public_tests)
    }
    files[INSTRUCTIONS] = instructions
    return dict(sorted(files.items()))


def release(assignment: Assignment, out: Path) -> Bundle:
    """Writes OUT/NAME/ and OUT/NAME.zip and returns them; refuses to overwrite, or to ship a leak."""
    folder, archive = out / assignment.name, out / f"{assignment.name}.zip"
    for existing in (folder, archive):
        if existing.exists():
            raise GraderError(f"{existing} already exists", "remove it, or pass another -o folder")
    files = bundle_files(assignment)
    problems = bundle_leaks(assignment, files)
    if problems:
        raise LeakingBundle(problems)
    for name, source in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    # The bundle records its assignment, so `grader check` inside it needs no -a (grader/choice.py).
    (folder / BUNDLE_MARKER).write_text(assignment.name + "\n", encoding="utf-8")
    shipped = [*files, BUNDLE_MARKER]
    write_zip(archive, {f"{assignment.name}/{name}": folder / name for name in shipped})
    return Bundle(folder, archive, tuple(sorted(shipped)))


class LeakingBundle(GraderError):
    """The student bundle would hold hidden test or reference text; `leaks` says where, one per line."""

    def __init__(self, leaks: list[str]):
        super().__init__("the bundle would leak: " + "; ".join(leaks), "fix the starter, README or public tests")
        self.leaks = leaks


def bundle_leaks(assignment: Assignment, files: dict[str, Path] | None = None) -> list[str]:
    """Returns one problem per file of the student bundle (or of `files`) that leaks, as `leaks` finds them."""
    files = bundle_files(assignment) if files is None else files
    return leaks(assignment, {name: path.read_text(encoding="utf-8", errors="replace") for name, path in files.items()})


def leaks(assignment: Assignment, bundle: dict[str, str]) -> list[str]:
    """Returns one problem per bundle file that holds a hidden test's or the reference's text.

    A line of theirs (at least LEAK_MIN_CHARS long, without indentation) found anywhere in a bundle
    file's text is a leak, whether it is a line of its own there or quoted inside another.
    `bundle` maps each bundle file's name to its text. A line of the reference that the starter also
    has (signatures, docstrings) is not a leak: the starter is what students are meant to get.
    """
    starter = _lines(assignment.starter.read_text(encoding="utf-8", errors="replace"))
    secrets = {
        _name_of(assignment, path): path.read_text(encoding="utf-8", errors="replace")
        for path in [assignment.reference_file, *files_under(assignment.hidden_tests)]
    }
    reference_name = _name_of(assignment, assignment.reference_file)
    problems = []
    for name, text in bundle.items():
        if assignment.secret and assignment.secret in text:
            problems.append(f"{name} holds the course secret (secret under [assignment] in assignment.toml)")
        for secret_name, secret in secrets.items():
            is_reference = secret_name == reference_name
            if text == secret:
                problems.append(f"{name} is a copy of {secret_name}")
                continue
            shared = sorted(
                line
                for line in _lines(secret)
                if len(line) >= LEAK_MIN_CHARS
                and line in text
                and not line.startswith(NOT_SECRET)
                and not (is_reference and line in starter)
            )
            if shared:
                problems.append(f"{name} holds {len(shared)} line(s) of {secret_name}, e.g. {shared[0]!r}")
    return problems


def _name_of(assignment: Assignment, path: Path) -> str:
    return path.relative_to(assignment.root).as_posix() if path.is_relative_to(assignment.root) else path.name


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}
