"""Which submissions a command line names, and who they belong to."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch.discovery import discover
from grader.errors import GraderError


def make(tmp_path: Path, *files: str) -> Path:
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    return tmp_path


def test_folder_of_files_and_subfolders(tmp_path):
    root = make(
        tmp_path, "class/bob.py", "class/alice/sol.py", "class/carol/notes.txt", "class/.hidden.py", "class/readme.md"
    )
    sources = discover([root / "class"], "sol.py")
    assert [(s.student, s.path) for s in sources] == [
        ("alice", root / "class/alice/sol.py"),
        ("bob", root / "class/bob.py"),
        ("carol", None),
    ]


def test_a_submission_folder_and_a_single_file(tmp_path):
    root = make(tmp_path, "dave/sol.py", "erin.py")
    sources = discover([root / "dave", root / "erin.py"], "sol.py")
    assert [s.student for s in sources] == ["dave", "erin"]


@pytest.mark.parametrize(
    ("files", "argument", "message"),
    [
        ((), "missing", "no such file or folder"),
        (("notes.txt",), "notes.txt", "is not a Python file"),
        (("empty/readme.md",), "empty", "holds no submissions"),
    ],
)
def test_unusable_paths_are_named(tmp_path, files, argument, message):
    root = make(tmp_path, *files)
    with pytest.raises(GraderError, match=message):
        discover([root / argument], "sol.py")


def test_two_submissions_with_one_name_are_refused(tmp_path):
    root = make(tmp_path, "a/sam.py", "b/sam.py")
    with pytest.raises(GraderError, match="two submissions are both named 'sam'"):
        discover([root / "a", root / "b"], "sol.py")
