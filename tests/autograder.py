"""Runs a Gradescope autograder zip as Gradescope would, and checks what it writes against the specification.

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
import zipfile
from pathlib import Path
from typing import Any

import pytest

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


def run_autograder(
    autograder_zip: Path, root: Path, submission: dict[str, Path], python: str = sys.executable
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """Runs run_autograder as Gradescope would, against a fake /autograder at `root`; returns its results.json."""
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
