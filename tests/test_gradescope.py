"""`grader gradescope`: the zip follows Gradescope's autograder specification, and run_autograder works.

The specification (gradescope-autograders.readthedocs.io, "Autograder Specifications"): setup.sh and
run_autograder at the zip's root; the zip is unzipped to /autograder/source; the student's files are in
/autograder/submission; run_autograder must write /autograder/results/results.json with an optional
score, execution_time (seconds), output, output_format, stdout_visibility, and tests, each with score,
max_score, status ("passed"/"failed"), name, output and visibility.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.assignment import find_assignment
from grader.cli import cli
from grader.exports.gradescope import find_submission
from grader.grading.grade import grade
from grader.grading.outcomes import Source

PROJECT = Path(__file__).parent.parent
EXAMPLES = PROJECT / "assignments" / "gd1d" / "examples"
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_against_specification(results: dict[str, Any]) -> None:
    """Fails unless `results` is a results.json Gradescope accepts, with per-test scores adding up."""
    allowed = {"score", "execution_time", "output", "output_format", "visibility", "stdout_visibility", "tests",
               "extra_data", "leaderboard", "test_output_format", "test_name_format"}  # fmt: skip
    assert set(results) <= allowed, set(results) - allowed
    assert isinstance(results["score"], int | float)
    assert isinstance(results["execution_time"], int) and results["execution_time"] >= 0
    assert isinstance(results["output"], str) and results["output_format"] in OUTPUT_FORMATS
    assert results["stdout_visibility"] in VISIBILITIES
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], int | float) and isinstance(test["max_score"], int | float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in ("passed", "failed")
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])
        assert test["visibility"] in VISIBILITIES
    assert results["score"] == pytest.approx(sum(t["score"] for t in results["tests"]))


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    result = CliRunner().invoke(cli, ["gradescope", "-a", "gd1d", "-o", str(out)], catch_exceptions=False)
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
    needed = {"grader/cli.py", "grader/grading/grade.py", "grader/sandbox/client.py"}
    needed.add("grader/reports/templates/report.md.j2")
    assert needed <= names
    hidden = {
        f"assignments/gd1d/tests/hidden/{p.name}" for p in (PROJECT / "assignments/gd1d/tests/hidden").glob("*.py")
    }
    assert hidden and hidden <= names
    assert {"assignments/gd1d/assignment.toml", "reference/gd1d/gradient_descent.py"} <= names
    assert not any("/examples/" in name or "__pycache__" in name for name in names)
    assert "assignments/gd1d/mutants.py" not in names  # for the audit only: the reference in another form
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text())
    assert requirements == pyproject["project"]["dependencies"]


def test_setup_sh_and_run_autograder_are_valid_bash(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(tmp_path)
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(tmp_path / script)]).returncode == 0


def run_autograder(autograder_zip: Path, root: Path, submission: dict[str, Path], python: str = sys.executable):
    """Runs run_autograder as Gradescope would, against a fake /autograder at `root`."""
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")  # Gradescope copies it there too
    os.chmod(root / "run_autograder", 0o755)
    (root / "submission").mkdir(parents=True)
    for name, path in submission.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, root / "submission" / name)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment |= {"GRADER_AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": python}
    completed = subprocess.run(
        [str(root / "run_autograder")], cwd=root, env=environment, capture_output=True, text=True, timeout=300
    )
    return completed, json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("example", ["correct", "wrong_sign", "time_decay_off_by_one", "syntax_error"])
def test_run_autograder_writes_results_that_match_the_grader(autograder_zip, tmp_path, example):
    completed, results = run_autograder(autograder_zip, tmp_path, {"gradient_descent.py": EXAMPLES / f"{example}.py"})
    assert completed.returncode == 0, completed.stdout + completed.stderr
    check_against_specification(results)
    expected = grade(find_assignment("gd1d"), Source("submission", EXAMPLES / f"{example}.py"), with_plots=False)
    assert results["score"] == expected.score
    assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == [
        (t.name, t.score, t.max_score) for t in expected.tests
    ]
    assert results["output"].startswith(f"# Gradient descent in one dimension: {expected.score:g} / 100 points")
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert all(t["output"] for t in failed)  # each failed test says why


def test_a_notebook_in_a_folder_is_found_and_graded(autograder_zip, tmp_path):
    notebook = Path(__file__).parent / "fixtures" / "notebooks" / "correct.ipynb"
    completed, results = run_autograder(autograder_zip, tmp_path, {"work/Copy_of_gd.ipynb": notebook})
    assert completed.returncode == 0, completed.stderr
    check_against_specification(results)
    assert results["score"] == 100


def test_no_submission_scores_0_with_a_reason(autograder_zip, tmp_path):
    completed, results = run_autograder(autograder_zip, tmp_path, {"notes.txt": PROJECT / "README.md"})
    assert completed.returncode == 0
    check_against_specification(results)
    assert results["score"] == 0
    assert (
        "## ✗ Missing file: no submission was found\n\nno file named gradient\\_descent.py was found"
        in results["output"]
    )
    assert all(test["status"] == "failed" for test in results["tests"])


def test_a_failing_python_still_leaves_a_results_file(autograder_zip, tmp_path):
    completed, results = run_autograder(
        autograder_zip, tmp_path, {"gradient_descent.py": EXAMPLES / "correct.py"}, python="false"
    )
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
    result = CliRunner().invoke(cli, ["gradescope", "-a", "gd1d", "-o", str(tmp_path / "autograder.tar")])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path / 'autograder.tar'} does not end in .zip; pass -o NAME.zip: Gradescope takes a zip\n"
    )
