"""Tests that a report gives one section per cause, caps printed output, and names a function's other signature.

The fixtures in tests/fixtures/gd1d_causes are written in the course's style for these cases: a loop with
the student's own parameter names and no random_start, a history built with a typo that raises at one
line in every run, a schedule with a fifth parameter, and a file that prints every epoch.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.i18n import translator
from grader.reports.causes import PRINTED_HEAD, PRINTED_TAIL, causes, printed
from grader.reports.student import build_context, render_check, render_markdown
from grader.results import Failure, Outcome, SubmissionResult
from grader.results import TestResult as HiddenTestResult  # a Test* name would be collected by pytest

FIXTURES = Path(__file__).parent / "fixtures" / "gd1d_causes"
GD1D = Path(__file__).parent.parent / "assignments" / "gd1d"
SHORT = 150
"""Lines of Markdown a report of a submission with one cause may take."""


@functools.cache
def graded() -> dict[str, SubmissionResult]:
    results: list[SubmissionResult] = []
    sources = [Source(path.stem, path) for path in sorted(FIXTURES.glob("*.py"))]
    grade_stream(load_assignment(GD1D), sources, results.append, with_plots=False)
    return {result.student: result for result in results}


def markdown(name: str) -> str:
    return render_markdown(build_context(graded()[name], "gd1d", locale_dirs=[GD1D / "locale"]))


def raised(name: str, points: float, line: int = 7) -> HiddenTestResult:
    failure = Failure("error", "f raised", call="f(1)", exception="ValueError: bad", line=line, code="raise")
    return HiddenTestResult(name, 0.0, points, Outcome.ERROR, "f raised", f"hint of {name}", failure)


def test_the_same_exception_at_the_same_line_is_one_section():
    tests = (raised("test_a", 1), raised("test_b[x=1]", 2), raised("test_c", 3, line=9))
    found = causes(tests, (), lambda test: [], translator("en"))
    assert [len(cause["tests"]) for cause in found] == [2, 1]
    first = found[0]
    assert first["title"] == "The same error, raised at the same place" and first["lost"] == "3"
    assert first["lead"] == "This cause failed 2 tests, which cost 3 of 3 points:"
    assert first["hints"] == ["hint of test_a"]  # one hint: the cause's, not one per test
    assert found[1]["title"] is None  # a cause of one test keeps the section it always had


def test_tests_a_named_mistake_explains_are_one_section():
    tests = (raised("test_a", 1), raised("test_b", 2, line=8))
    mistakes = ({"id": "uphill", "title": "The update goes uphill", "tests": ("test_a", "test_b")},)
    (cause,) = causes(tests, mistakes, lambda test: [], translator("en"))
    assert cause["title"] == "The update goes uphill" and cause["count"] == 2


def test_printed_output_keeps_its_first_and_last_lines_with_a_marker():
    output = "".join(f"line {n}\n" for n in range(500)) + "x" * 1000
    shown = printed(output, translator("en")).split("\n")
    assert len(shown) == PRINTED_HEAD + PRINTED_TAIL + 1
    assert shown[0] == "line 0" and shown[PRINTED_HEAD - 1] == f"line {PRINTED_HEAD - 1}"
    assert shown[PRINTED_HEAD] == "… 476 lines left out here: results.json holds all that was kept …"
    assert shown[-1].endswith("… (700 more characters)")
    assert printed("a\nb\n", translator("en")) == "a\nb"


@pytest.mark.parametrize("name", ["other_loop_signature", "history_made_with_a_typo", "schedule_with_momentum"])
def test_a_report_of_one_cause_is_short(name):
    assert len(markdown(name).splitlines()) <= SHORT


def test_another_signature_is_one_finding_beside_the_assignments():
    result = graded()["other_loop_signature"]
    md = markdown("other_loop_signature")
    assert md.count("### ") == 1
    assert "### ✗ Your gradient\\_descent takes other parameters than the assignment's (lost 60 of 60 points)" in md
    assert "This cause failed 30 tests, which cost 60 of 60 points:" in md
    assert "def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):" in md
    assert "gradient_descent() takes 3 positional arguments but 4 were given" in md
    # Every test keeps its row in the table, and results.json keeps each failure.
    assert md.count("| ✗ ") == 30 and len([t for t in result.tests if t.failure is not None]) == 30
    assert md.count("> **Hint:**") == 1


def test_a_given_function_no_test_calls_is_never_missing():
    result = graded()["other_loop_signature"]  # it has no random_start, which the starter gives
    assert result.missing_functions == ()
    assert "random_start" not in markdown("other_loop_signature")


def test_a_schedule_with_another_parameter_names_it():
    md = markdown("schedule_with_momentum")
    assert "### ✗ Your fixed\\_lr takes other parameters than the assignment's" in md
    assert "def fixed_lr(base_lr, epoch, n_epochs, grad):" in md
    assert "missing 1 required positional argument: 'momentum'" in md


def test_an_exception_at_one_line_is_one_section_with_its_line():
    md = markdown("history_made_with_a_typo")
    assert md.count("**Line 23 of your file:**") == 1 and md.count("### ") == 1
    assert "history = np.zeros(n_epochs, 3)" in md


def test_printed_output_is_capped_in_reports_and_whole_in_results():
    result = graded()["prints_every_epoch"]
    assert result.output.count("\n") >= 300
    md = markdown("prints_every_epoch")
    assert "lines left out here: results.json holds all that was kept" in md
    assert len(md.splitlines()) <= SHORT
    check = render_check(build_context(result, "gd1d", with_svgs=False))
    assert "lines left out here" in check
