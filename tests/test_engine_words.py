"""The engine knows no assignment and no subject: its code, templates and catalogs name neither.

Words of a course (what a plot's x axis counts, what a function the grader supplies stands for) come
from the assignment: its assignment.toml, hidden tests and catalog. An engine word that names the
subject reads wrong in every other course, and its translation would sit in the engine's catalog.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent.parent
GRADER = PROJECT / "grader"

ASSIGNMENT_NAMES = ("gd1d", "gradient_descent", "time_decay_lr", "derivative")
"""Names from the one assignment there is: its folder, its functions."""

SUBJECT_WORDS = re.compile(
    r"epoch|learning[ _-]?rate|schedul|gradient|descent|derivative|trajector"
    # The same subject in the engine's Vietnamese catalog: derivative, learning rate, trajectory.
    r"|đạo hàm|tốc độ học|quỹ đạo",
    re.IGNORECASE,
)
"""Words of the course's subject (deep learning, optimisation), in any case and word form."""


def engine_files() -> list[Path]:
    """Returns every file of the engine a person reads: code (with comments and docstrings), templates,
    catalogs, scripts; not compiled caches."""
    return sorted(
        path
        for path in GRADER.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


def offenders(pattern: re.Pattern[str], files: list[Path], root: Path = PROJECT) -> list[str]:
    """Returns "path:line: word" for every match of `pattern` in `files`."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            found += [f"{path.relative_to(root)}:{number}: {hit.group(0)}" for hit in pattern.finditer(line)]
    return found


def test_the_guard_reads_code_templates_and_catalogs():
    suffixes = {path.suffix for path in engine_files()}
    assert {".py", ".j2", ".pot", ".po"} <= suffixes


def test_engine_names_no_assignment():
    names = re.compile("|".join(re.escape(name) for name in ASSIGNMENT_NAMES), re.IGNORECASE)
    assert offenders(names, engine_files()) == []


def test_engine_speaks_no_subject():
    assert offenders(SUBJECT_WORDS, engine_files()) == [], (
        "a course's words belong to its assignment: take them from assignment.toml, the hidden tests or "
        "the assignment's catalog"
    )


@pytest.mark.parametrize(
    ("line", "word"),
    [
        ('axes.set_xlabel(words.gettext("Epoch"))', "Epoch"),
        ("# the LEARNING_RATE of each step", "LEARNING_RATE"),
        ('msgid "learning-rate schedules"', "learning-rate"),
        ("n_epochs = len(rates)", "epoch"),
        ("a scheduled rate", "schedul"),
        ('msgstr "đạo hàm"', "đạo hàm"),
    ],
)
def test_the_guard_finds_a_subject_word_in_any_form(tmp_path, line, word):
    probe = tmp_path / "grader" / "probe.py"
    probe.parent.mkdir()
    probe.write_text(f"ok = 1\n{line}\n", encoding="utf-8")
    assert [hit.split(": ", 1)[1] for hit in offenders(SUBJECT_WORDS, [probe], root=tmp_path)][:1] == [word]
