"""Fuzzing: whatever bytes arrive as a submission, the grader never crashes and writes one row each."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from grader.batch.discovery import discover
from grader.batch.pool import grade_batch
from grader.results import Status

pytestmark = pytest.mark.slow  # grades a class of generated submissions
GOOD = (Path(__file__).parent / "fixtures" / "submissions" / "good.py").read_bytes()
EXPECTED = {
    "empty": ("graded", "0"),
    "null_byte": ("syntax_error", "0"),
    "latin1": ("syntax_error", "0"),
    "utf16": ("syntax_error", "0"),
    "deep_nesting": ("syntax_error", "0"),
    "huge_comment": ("syntax_error", "0"),  # 8 MB: over the toy's submission size cap, refused unread
}
"""(status, score) in the gradebook of the hand-made files; "many_lines" may load in time or not."""


def random_python(chooser: random.Random) -> str:
    """Returns syntactically valid Python built from a small grammar: assignments, defs, calls, loops."""
    names = ["double", "apply", "steps", "x", "y", "np", "print", "len"]
    lines = ["import numpy as np"]
    for _ in range(chooser.randint(1, 12)):
        kind = chooser.choice(["assign", "def", "call", "loop", "raise"])
        name = chooser.choice(names)
        value = chooser.choice(["1", "2.5", "'text'", "None", "[1, 2]", "np.arange(3)", "x * 2", "1 / 0"])
        if kind == "assign":
            lines.append(f"{name} = {value}")
        elif kind == "def":
            lines.append(f"def {name}(*args, **kwargs):\n    return {value}")
        elif kind == "call":
            lines.append(f"try:\n    {name}({value})\nexcept Exception:\n    pass")
        elif kind == "loop":
            lines.append(f"for _ in range({chooser.randint(0, 3)}):\n    y = {value} if False else 0")
        else:
            lines.append(f"if {chooser.choice(['True', 'False'])}:\n    raise ValueError({value!r})")
    return "\n".join(lines) + "\n"


def make_submissions(folder: Path, seed: int = 7) -> int:
    chooser = random.Random(seed)
    folder.mkdir()
    files: dict[str, bytes] = {
        "empty": b"",
        "null_byte": b"x = 1\0\n",
        "latin1": "s = 'café'\n# é\n".encode("latin-1"),
        "utf16": "def double(x):\n    return 2 * x\n".encode("utf-16"),
        "huge_comment": b"# " + b"x" * (8 * 1024 * 1024) + b"\n" + GOOD,
        "deep_nesting": b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n",
        "many_lines": b"x = 1\n" * 200_000 + GOOD,
    }
    for index in range(8):
        files[f"random_bytes_{index}"] = chooser.randbytes(chooser.randint(1, 4000))
    for index in range(6):
        files[f"truncated_{index}"] = GOOD[: chooser.randint(1, len(GOOD) - 1)]
    for index in range(8):
        files[f"random_python_{index}"] = random_python(chooser).encode()
    for name, data in files.items():
        (folder / f"{name}.py").write_bytes(data)
    return len(files)


def test_generated_submissions_never_crash_the_grader(toy, tmp_path):
    count = make_submissions(tmp_path / "fuzz")
    sources = discover([tmp_path / "fuzz"], toy.submission_file)
    summary = grade_batch(toy, sources, tmp_path / "out", jobs=2)
    assert len(summary.rows) == count
    with (tmp_path / "out" / "gradebook.csv").open() as gradebook:
        rows = list(csv.DictReader(gradebook))
    assert len(rows) == count
    by_student = {row["student"]: (row["status"], row["score"]) for row in rows}
    assert Status.INTERNAL_ERROR.value not in {status for status, _ in by_student.values()}
    # What the hand-made files earn does not depend on chance: unreadable text is a syntax error, and
    # the good code after an 8 MB comment still earns every point.
    assert {name: by_student[name] for name in EXPECTED} == EXPECTED
    assert [row["student"] for row in rows if row["status"] != Status.GRADED.value and row["score"] != "0"] == []
    for row in rows:
        assert (tmp_path / "out" / row["student"] / "report.html").is_file()
