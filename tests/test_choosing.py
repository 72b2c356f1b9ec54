"""Several assignments, one grader: without -a, a command takes the assignment a released bundle records,
else the one whose starter functions a Python file all defines (read, never imported), else says which it
could not choose between."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import find_assignment, load_assignment
from grader.choice import BUNDLE_MARKER, defined_functions
from grader.cli import cli
from grader.course.release import release
from grader.errors import GraderError

TOML = """[assignment]
title = "{name}"
submission = "{submission}"
points = 1
seed = 1

[limits]
call_seconds = 2
total_seconds = 10
memory_mb = 512
output_kb = 64
"""


def make(project: Path, name: str, submission: str, functions: tuple[str, ...]) -> Path:
    folder = project / "assignments" / name
    stubs = "".join(f"def {f}(x):\n    raise NotImplementedError\n\n\n" for f in functions)
    for path, text in (
        (folder / "assignment.toml", TOML.format(name=name, submission=submission)),
        (folder / "starter" / submission, stubs),
        (folder / "README.md", f"# {name}\n"),
        (folder / "tests" / "public" / "test_public.py", "def test_nothing():\n    pass\n"),
        (project / "reference" / name / submission, stubs.replace("raise NotImplementedError", "return x")),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make(tmp_path, "line", "gradient_descent.py", ("derivative", "gradient_descent"))
    make(tmp_path, "plane", "gradient_descent.py", ("peaks", "gradient_descent_2d"))
    make(tmp_path, "plane_copy", "gd2d.py", ("peaks", "gradient_descent_2d"))
    return tmp_path


def student_file(folder: Path, body: str, name: str = "gradient_descent.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(body, encoding="utf-8")
    return folder / name


def test_a_file_defining_one_assignments_functions_picks_it(project):
    path = student_file(
        project / "mine",
        "import numpy as np\n\ndef derivative(x):\n    return 6 * x - 3\n\n"
        "if True:\n    def gradient_descent(x0):\n        return x0\n",
    )
    assert find_assignment(None, project / "assignments", near=[path]).name == "line"


def test_a_file_fitting_two_assignments_is_one_line_naming_them(project):
    path = student_file(project / "mine", "def peaks(x, y):\n    return 0\n\ndef gradient_descent_2d(x):\n    pass\n")
    with pytest.raises(GraderError, match=r"2 of the 3 under .* fit \(plane, plane_copy\)"):
        find_assignment(None, project / "assignments", near=[path])


def test_the_file_is_never_imported(project):
    path = student_file(
        project / "mine", "raise SystemExit('imported')\ndef derivative(x): ...\ndef gradient_descent(x): ...\n"
    )
    assert find_assignment(None, project / "assignments", near=[path]).name == "line"


def test_a_released_bundle_names_its_assignment(project, tmp_path):
    bundle = release(load_assignment(project / "assignments" / "plane"), tmp_path / "out")
    assert (bundle.folder / BUNDLE_MARKER).read_text() == "plane\n"
    assert BUNDLE_MARKER in bundle.files
    inside = student_file(bundle.folder, "def unrelated(): pass\n")
    assert find_assignment(None, project / "assignments", near=[inside]).name == "plane"


def test_check_outside_a_bundle_names_the_candidates_with_exit_2(project, monkeypatch):
    monkeypatch.chdir(project)
    path = student_file(project / "mine", "x = 1\n")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: cannot choose an assignment: {project / 'assignments'} holds 3 (line, plane, plane_copy); "
        "name one with -a NAME or -a PATH\n"
    )


def test_functions_inside_classes_and_functions_are_not_the_api(tmp_path):
    path = student_file(tmp_path, "def outer():\n    def inner(): ...\nclass K:\n    def method(self): ...\n")
    assert defined_functions(path) == {"outer"}
