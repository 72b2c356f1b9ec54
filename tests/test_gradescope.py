"""`grader gradescope`: the zip follows Gradescope's autograder specification, and run_autograder works.

On the toy assignment; tests/autograder.py runs a zip as Gradescope would and holds the specification.
Each assignment's own autograder is built and run on its reference in test_assignments.py.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
import zipfile
from pathlib import Path

import pytest
from autograder import check_against_specification, run_autograder
from click.testing import CliRunner

from grader.cli import cli
from grader.exports.gradescope import find_submission
from grader.grading.grade import grade
from grader.grading.outcomes import Source

PROJECT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
NOT_NEEDED = ("examples/x.py", "golden/examples.json", "mistakes/y.py")
"""Files of an assignment folder the autograder leaves out: example submissions, goldens, named mistakes."""


@pytest.fixture(scope="module")
def toy_folder(tmp_path_factory) -> Path:
    """A copy of the toy assignment holding one file in each folder the autograder does not need."""
    folder = tmp_path_factory.mktemp("assignments") / "toy"
    shutil.copytree(FIXTURES / "toy", folder)
    for name in NOT_NEEDED:
        (folder / name).parent.mkdir()
        (folder / name).write_text("# not needed on Gradescope\n")
    return folder


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory, toy_folder) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    result = CliRunner().invoke(cli, ["gradescope", "-a", str(toy_folder), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Wrote {out}: ") and result.output.endswith(
        " files, setup.sh and run_autograder at its root.\n"
    )
    return out


def test_the_zip_has_the_scripts_at_its_root_and_everything_grading_needs(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        requirements = archive.read("requirements.txt").decode().splitlines()
    assert {"setup.sh", "run_autograder", "requirements.txt"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    needed = {"grader/cli/app.py", "grader/grading/grade.py", "grader/sandbox/client.py"}
    needed.add("grader/reports/templates/report.md.j2")
    assert needed <= names
    hidden = {f"assignments/toy/tests/hidden/{p.name}" for p in (FIXTURES / "toy/tests/hidden").glob("*.py")}
    assert hidden and hidden <= names
    assert {"assignments/toy/assignment.toml", "assignments/toy/reference_toy.py"} <= names
    assert not any("__pycache__" in name for name in names)
    assert {f"assignments/toy/{name}" for name in NOT_NEEDED} & names == set()
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert requirements == pyproject["project"]["dependencies"]


def test_setup_sh_and_run_autograder_are_valid_bash(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(tmp_path / script)]).returncode == 0


@pytest.mark.parametrize("name", ["good", "wrong_double", "syntax_error"])
@pytest.mark.slow
def test_run_autograder_writes_results_that_match_the_grader(autograder_zip, toy, tmp_path, name):
    completed, results = run_autograder(autograder_zip, tmp_path, {"toy.py": SUBMISSIONS / f"{name}.py"})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    check_against_specification(results)
    expected = grade(toy, Source("submission", SUBMISSIONS / f"{name}.py"), with_plots=False)
    assert results["score"] == expected.score
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        (t.name, t.score, t.max_score) for t in expected.tests
    ]
    assert results["output"].startswith(f"# Toy assignment: {expected.score:g} / 5 points")
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert all(t["output"] for t in failed)  # each failed test says why


@pytest.mark.slow
def test_a_notebook_in_a_folder_is_found_and_graded(autograder_zip, tmp_path):
    notebook = FIXTURES / "notebooks" / "correct.ipynb"
    completed, results = run_autograder(autograder_zip, tmp_path, {"work/Copy_of_toy.ipynb": notebook})
    assert completed.returncode == 0, completed.stderr
    check_against_specification(results)
    assert results["score"] == 5


@pytest.mark.slow
def test_no_submission_scores_0_with_a_reason(autograder_zip, tmp_path):
    completed, results = run_autograder(autograder_zip, tmp_path, {"notes.txt": PROJECT / "README.md"})
    assert completed.returncode == 0
    check_against_specification(results)
    assert results["score"] == 0
    assert "## ✗ Missing file: no submission was found\n\nno file named toy.py was found" in results["output"]
    assert all(test["status"] == "failed" for test in results["tests"])


def test_a_failing_python_still_leaves_a_results_file(autograder_zip, tmp_path):
    completed, results = run_autograder(autograder_zip, tmp_path, {"toy.py": SUBMISSIONS / "good.py"}, python="false")
    assert completed.returncode == 1
    assert results == {
        "score": 0,
        "output": "The autograder itself failed (exit status 1), not your code. Tell your instructor: they can "
        "see the details and rerun it.",
        "tests": [],
    }


def test_find_submission_prefers_the_submission_file_then_its_notebook_then_a_single_file(tmp_path):
    assert find_submission(tmp_path / "absent", "s.py") is None
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "s.py").write_text("")
    (tmp_path / "other.py").write_text("")
    assert find_submission(tmp_path, "s.py") == tmp_path / "deep" / "er" / "s.py"
    (tmp_path / "s.ipynb").write_text("")
    assert find_submission(tmp_path, "s.py") == tmp_path / "deep" / "er" / "s.py"
    (tmp_path / "deep" / "er" / "s.py").unlink()
    assert find_submission(tmp_path, "s.py") == tmp_path / "s.ipynb"
    (tmp_path / "s.ipynb").unlink()
    assert find_submission(tmp_path, "s.py") == tmp_path / "other.py"
    (tmp_path / "two.py").write_text("")
    assert find_submission(tmp_path, "s.py") is None


def test_an_output_that_is_not_a_zip_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["gradescope", "-a", str(FIXTURES / "toy"), "-o", str(tmp_path / "autograder.tar")]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path / 'autograder.tar'} does not end in .zip; pass -o NAME.zip: Gradescope takes a zip\n"
    )
