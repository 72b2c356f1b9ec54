"""The gd1d assignment graded for real: reference, starter, examples, and the promises made to students.

Expected scores of the examples live in golden/gd1d_examples.json; refresh them on purpose with
GRADER_UPDATE_GOLDENS=1 after changing a hidden test, and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.assignment import Assignment, find_assignment
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.reports.student import write_reports
from grader.results import TIMING_FIELDS, Status, SubmissionResult

PROJECT = Path(__file__).parent.parent
GOLDEN = Path(__file__).parent / "golden" / "gd1d_examples.json"
MISTAKES = [
    "wrong_sign",
    "derivative_missing_factor",
    "records_x_before_update",
    "time_decay_off_by_one",
    "gradient_lr_without_abs",
    "ignores_schedule",
    "lr_column_holds_base_rate",
    "transposed_history",
]


@pytest.fixture(scope="module")
def gd1d() -> Assignment:
    return find_assignment(str(PROJECT / "assignments" / "gd1d"))


@pytest.fixture(scope="module")
def examples(gd1d: Assignment) -> dict[str, SubmissionResult]:
    return {path.stem: grade(gd1d, Source(path.stem, path)) for path in sorted(gd1d.examples.glob("*.py"))}


def test_reference_scores_full_marks(gd1d):
    result = grade(gd1d, Source("reference", gd1d.reference_file))
    assert (result.status, result.score, result.max_score) == (Status.GRADED, 100.0, 100.0)


def test_starter_scores_zero(gd1d):
    result = grade(gd1d, Source("starter", gd1d.starter))
    assert (result.status, result.score) == (Status.GRADED, 0.0)
    assert all("NotImplementedError" in (t.failure.exception or t.message) for t in result.tests if t.failure)


def test_every_hidden_test_has_points_and_a_hint_and_they_add_up(examples, gd1d):
    tests = examples["correct"].tests
    assert tests and all(t.max_score > 0 and t.hint.strip() for t in tests)
    assert sum(t.max_score for t in tests) == gd1d.points


def test_examples_score_what_the_golden_file_says(examples):
    actual = {name: {"score": r.score, "status": r.status.value} for name, r in examples.items()}
    if os.environ.get("GRADER_UPDATE_GOLDENS") == "1":
        GOLDEN.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    assert actual == json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("name", ["wrong_sign", "syntax_error", "ignores_schedule"])
def test_results_and_markdown_report_match_their_golden_files(examples, gd1d, tmp_path, name):
    write_reports(examples[name], gd1d.title, tmp_path)
    results = json.loads((tmp_path / "results.json").read_text())
    for unstable in (*TIMING_FIELDS, "fingerprint", "assignment_digest"):  # both change with any test edit
        results.pop(unstable)
    actual = {
        "results.json": json.dumps(results, indent=2, ensure_ascii=False) + "\n",
        "report.md": (tmp_path / "report.md").read_text(),
    }
    for suffix, text in actual.items():
        golden = GOLDEN.parent / "gd1d" / f"{name}.{suffix}"
        if os.environ.get("GRADER_UPDATE_GOLDENS") == "1":
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text)
        assert text == golden.read_text(), f"{golden} drifted; refresh with GRADER_UPDATE_GOLDENS=1 and review"


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_typical_mistake_scores_in_between_with_hints(examples, mistake):
    result = examples[mistake]
    assert result.status is Status.GRADED and 0 < result.score < 100
    failed = [t for t in result.tests if t.score == 0]
    assert failed and all(t.hint and t.failure and t.failure.message for t in failed)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("syntax_error", Status.SYNTAX_ERROR),
        ("loops_at_import", Status.TIMEOUT),
        ("exits_at_import", Status.IMPORT_ERROR),
        ("os_exit_at_import", Status.CRASHED),
        ("patches_at_import", Status.GRADED),
    ],
)
def test_broken_and_hostile_examples_score_zero(examples, name, status):
    assert (examples[name].status, examples[name].score) == (status, 0.0)


def test_reports_never_show_hidden_test_source(examples, gd1d, tmp_path):
    code_lines = {
        line.strip()
        for path in gd1d.hidden_tests.glob("*.py")
        for line in path.read_text().splitlines()
        if len(line.strip()) > 25 and not line.strip().startswith(("#", '"', "@pytest.mark.hint", "what="))
    }
    for name in ("wrong_sign", "syntax_error", "ignores_schedule"):
        write_reports(examples[name], gd1d.title, tmp_path / name)
        for report in (tmp_path / name).iterdir():
            text = report.read_text()
            leaked = [line for line in code_lines if line in text]
            assert not leaked, f"{report.name} shows hidden test source: {leaked[:3]}"


def test_public_tests_run_with_plain_pytest_in_the_student_bundle(gd1d, tmp_path):
    bundle = tmp_path / "bundle"
    shutil.copytree(gd1d.public_tests, bundle / "tests" / "public")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/public"]
    shutil.copy(gd1d.examples / "correct.py", bundle / gd1d.submission_file)
    passing = subprocess.run(command, cwd=bundle, capture_output=True, text=True)
    assert passing.returncode == 0, passing.stdout
    shutil.copy(gd1d.starter, bundle / gd1d.submission_file)
    failing = subprocess.run(command, cwd=bundle, capture_output=True, text=True)
    assert failing.returncode == 1 and "NotImplementedError" in failing.stdout
