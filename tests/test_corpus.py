"""A corpus of real-style gd1d submissions (tests/fixtures/gd1d_corpus), graded as they are.

Written in the ways the course's students write, not for any one feature: course names and top-level
loops, magics, help lines and display helpers in a notebook, 1-element arrays, an early stop, a derivative
column one epoch ahead. manifest.toml says what each should get: status, score, named mistakes, the
student's functions suggested for each missing one, and (when given) the only tests it may fail.
"""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.reports.student import build_context, render_markdown
from grader.results import Outcome, SubmissionResult

CORPUS = Path(__file__).parent / "fixtures" / "gd1d_corpus"
GD1D = Path(__file__).parent.parent / "assignments" / "gd1d"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
TWO_SCREENS = 100
"""Lines of Markdown a report may take when every test failed for want of functions: two screens."""


@functools.cache
def graded() -> dict[str, SubmissionResult]:
    results: list[SubmissionResult] = []
    sources = [Source(name, CORPUS / entry["file"]) for name, entry in MANIFEST.items()]
    grade_stream(load_assignment(GD1D), sources, results.append, with_plots=False)
    return {result.student: result for result in results}


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_corpus_submission_gets_what_the_manifest_says(name):
    entry, result = MANIFEST[name], graded()[name]
    assert (result.status.value, result.score) == (entry["status"], entry["score"]), result.status_message
    assert [d.id for d in result.diagnoses] == entry["mistakes"]
    suggested = {m.name: list(m.matches) for m in result.missing_functions if m.matches}
    assert suggested == entry["stand_ins"]
    failed = {t.name.split("::")[1].split("[")[0] for t in result.tests if t.outcome is not Outcome.PASSED}
    if entry["failed_only"]:
        assert failed == set(entry["failed_only"])


def test_a_course_notebook_without_the_functions_gets_a_short_report_naming_its_own():
    result = graded()["course_style_no_api"]
    report = render_markdown(build_context(result, "gd1d", with_svgs=False))
    assert len(report.splitlines()) <= TWO_SCREENS
    assert "what loss should" not in report  # loss is given in the starter: never reported missing
    assert "Your function deriv returns what derivative should" in report
    assert "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):" in report
    assert "Your code raised" not in report and "AttributeError" not in report
    assert result.defined_functions[:2] == ("fx", "deriv")


def test_the_shifted_derivative_column_costs_only_the_tests_of_that_column():
    result = graded()["column1_shifted"]
    lost = {t.name for t in result.tests if t.score < t.max_score}
    assert lost == {"test_descent_loop.py::test_derivative_column_holds_the_derivative_before_the_update"}
    assert [d.tests for d in result.diagnoses] == [tuple(lost)]


def test_the_notebook_runs_past_jupyter_only_imports_and_help_lines():
    output = graded()["course_style_no_api"].output
    assert "raised" not in output, output
