"""`grader new NAME`: the skeleton of an assignment that `grader validate` finds ready, written in a copy of
the project's layout (the current folder's assignments/), never in the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

WRITTEN = [
    "assignments/demo/assignment.toml",
    "assignments/demo/README.md",
    "assignments/demo/starter/demo.py",
    "assignments/demo/tests/public/conftest.py",
    "assignments/demo/tests/public/test_demo_public.py",
    "assignments/demo/tests/hidden/test_demo_hidden.py",
    "reference/demo/demo.py",
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project: an assignments/ folder in the current folder, where the commands look first."""
    (tmp_path / "assignments").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def files(project: Path) -> list[str]:
    return sorted(path.relative_to(project).as_posix() for path in project.rglob("*") if path.is_file())


def test_new_writes_the_skeleton_and_says_what_to_do_next(project):
    result = run("new", "demo")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"wrote {project / path}" for path in WRITTEN] + [
        f"Next: grader validate -a demo, then edit {project}/assignments/demo/ and {project}/reference/demo/."
    ]
    assert files(project) == sorted(WRITTEN)
    config = (project / "assignments/demo/assignment.toml").read_text(encoding="utf-8")
    assert 'submission = "demo.py"' in config and 'languages = ["en"]' in config


@pytest.mark.slow
def test_the_skeleton_is_ready_for_validate_and_clean_for_ruff(project):
    assert run("new", "demo").exit_code == 0
    result = run("validate", "-a", "demo")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "OK: demo: reference 10/10 in 3 identical runs, starter 0, 1 hidden tests with points and hints, "
        "the student bundle leaks nothing.\n"
    )
    # The repository's own ruff test (tests/test_quality.py) covers assignments' code: a skeleton passes it.
    repository = Path(__file__).parent.parent
    for command in (["check"], ["format", "--check"]):
        lint = subprocess.run(  # from the repository, whose settings say grader is first-party
            [
                sys.executable,
                "-m",
                "ruff",
                *command,
                "--no-cache",
                "--config",
                str(repository / "pyproject.toml"),
                str(project),
            ],
            cwd=repository,
            capture_output=True,
            text=True,
            check=False,
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("taken", ["assignments/demo", "reference/demo"])
def test_new_refuses_a_name_taken_and_writes_nothing(project, taken):
    (project / taken).mkdir(parents=True)
    result = run("new", "demo")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {project / taken} already exists; nothing was written; choose another name, or edit it\n"
    )
    assert files(project) == []


def test_new_refuses_a_name_that_is_no_module_name(project):
    result = run("new", "Demo-1")
    assert result.exit_code == 2
    assert result.output == (
        "Error: 'Demo-1' cannot name an assignment: it names a folder and the submission file Demo-1.py; "
        "use lower-case letters, digits and _ (a Python module's name), starting with a letter\n"
    )
    assert files(project) == []
