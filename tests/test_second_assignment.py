"""A second assignment by folders alone: a course assignment copied under new names into a project of its own.

Adding an assignment means adding assignments/NAME/ and reference/NAME/, nothing else. So a copy of the
first assignment the course ships, as "spring" and "autumn" in a fresh project folder, must work with
every command, by name (from the project folder) or by path; and without -a, a command picks the
assignment whose folder holds the submissions, or says which it could not choose between.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from course import ASSIGNMENTS

from grader.assignment import Assignment, load_assignment
from grader.cli import cli
from grader.formatting import format_points

ORIGINAL = load_assignment(ASSIGNMENTS[0])
NAMES = ("autumn", "spring")


def copy_assignment(original: Assignment, project: Path, name: str) -> Path:
    """Copies the assignment's folder to project/assignments/NAME and its reference to project/reference/NAME."""
    folder = project / "assignments" / name
    shutil.copytree(original.root, folder)
    if not original.reference_file.is_relative_to(original.root):
        reference = project / "reference" / name / original.submission_file
        reference.parent.mkdir(parents=True)
        shutil.copy(original.reference_file, reference)
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    project = tmp_path_factory.mktemp("course")
    for name in NAMES:
        copy_assignment(ORIGINAL, project, name)
    (project / "elsewhere").mkdir()
    shutil.copy(ORIGINAL.reference_file, project / "elsewhere" / ORIGINAL.submission_file)
    return project


@pytest.fixture
def in_project(project, monkeypatch) -> Path:
    monkeypatch.chdir(project)
    return project


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def starter_of(name: str) -> str:
    """The starter inside an assignment's folder, relative to the project: a submission lying there."""
    return f"assignments/{name}/starter/{ORIGINAL.submission_file}"


@pytest.mark.slow
def test_validate_by_name(in_project):
    result = run("validate", "-a", "spring")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"OK: spring: reference {format_points(ORIGINAL.points)}/")


def test_release_by_name(in_project):
    result = run("release", "-a", "spring", "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Released spring: {Path('out') / 'spring'}/ and {Path('out') / 'spring.zip'} (")
    with zipfile.ZipFile(in_project / "out" / "spring.zip") as archive:
        names = archive.namelist()
    assert f"spring/{ORIGINAL.submission_file}" in names and all(name.startswith("spring/") for name in names)


@pytest.mark.slow
def test_check_by_name(in_project):
    passing = run("check", f"elsewhere/{ORIGINAL.submission_file}", "-a", "autumn")
    assert passing.exit_code == 0, passing.output
    failing = run("check", starter_of("autumn"))  # no -a: the starter lies in autumn's folder
    assert failing.exit_code == 1, failing.output


@pytest.mark.slow
def test_grade_by_path(in_project):
    spring = str(in_project / "assignments" / "spring")
    result = run("grade", starter_of("spring"), "-a", spring, "-o", "graded", "-j", "1")
    assert result.exit_code == 0, result.output
    stored = json.loads((in_project / "graded" / Path(ORIGINAL.submission_file).stem / "results.json").read_text())
    assert (stored["assignment"], stored["score"], stored["status"]) == ("spring", 0.0, "graded")


@pytest.mark.slow
def test_ci_by_path(in_project):
    submission = in_project / "elsewhere" / ORIGINAL.submission_file
    result = CliRunner().invoke(
        cli,
        ["ci", str(submission), "-a", str(in_project / "assignments" / "autumn")],
        env={"GITHUB_STEP_SUMMARY": None},
    )
    points = format_points(ORIGINAL.points)
    assert result.exit_code == 0, result.output
    assert result.output.endswith(
        f"{submission.stem}: {points}/{points} points (100.0%); at or above the minimum of 100%\n"
    )


def test_gradescope_by_path(in_project):
    archive = in_project / "autumn.zip"
    result = run("gradescope", "-a", str(in_project / "assignments" / "autumn"), "-o", str(archive))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
    assert {"assignments/autumn/assignment.toml", f"reference/autumn/{ORIGINAL.submission_file}"} <= names
    assert not any(
        name.startswith(("assignments/spring", "reference/spring", "assignments/autumn/golden")) for name in names
    )


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.slow
def test_without_a_name_grade_picks_the_assignment_holding_the_submissions(in_project, name):
    result = run("grade", starter_of(name), "-o", f"picked-{name}", "-j", "1")
    assert result.exit_code == 0, result.output
    stored = json.loads(
        (in_project / f"picked-{name}" / Path(ORIGINAL.submission_file).stem / "results.json").read_text()
    )
    assert stored["assignment"] == name


def test_without_a_name_submissions_elsewhere_are_a_usage_error_naming_both(in_project):
    result = CliRunner().invoke(cli, ["grade", f"elsewhere/{ORIGINAL.submission_file}", "-o", "nowhere"])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: cannot choose an assignment: {in_project / 'assignments'} holds 2 (autumn, spring); "
        "name one with -a NAME or -a PATH\n"
    )
    assert not (in_project / "nowhere").exists()
