"""Grading one submission end to end on the toy assignment: statuses, scores, messages, isolation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.results import TIMING_FIELDS, Outcome, Status

SUBMISSIONS = Path(__file__).parent / "fixtures" / "submissions"


def test_correct_submission_scores_full_marks(grade_toy):
    result = grade_toy("good")
    assert (result.status, result.score, result.max_score) == (Status.GRADED, 5.0, 5.0)
    assert [t.outcome for t in result.tests] == [Outcome.PASSED] * 5
    assert result.output == "loaded\n"


def test_wrong_values_lose_exactly_the_tests_about_them(grade_toy):
    result = grade_toy("wrong_double")
    assert result.status is Status.GRADED
    assert {t.name: t.score for t in result.tests} == {
        "test_toy.py::test_double[x=1]": 0.0,
        "test_toy.py::test_double[x=2.5]": 0.0,
        "test_toy.py::test_apply_calls_in_order": 1.0,
        "test_toy.py::test_double_on_seeded_array": 0.0,
        "test_toy.py::test_apply_with_own_function": 0.0,
    }
    failure = result.tests[0].failure
    assert failure is not None and failure.kind == "mismatch"
    # The case's own value beside 1.0: the call shown is the last one the test made, both values compared.
    assert failure.call.startswith("double(x=1.") and failure.call != "double(x=1.0)"
    assert failure.expected.startswith("[2.0, ") and failure.actual.startswith("[3.0, ")
    assert result.tests[0].hint == "Multiply by two."


@pytest.mark.parametrize(
    ("name", "status", "words"),
    [
        ("syntax_error", Status.SYNTAX_ERROR, "Python could not read syntax_error.py: expected ':' at line 1."),
        pytest.param(
            "hangs_at_import",
            Status.TIMEOUT,
            "loading hangs_at_import.py took longer than 1 s.",
            marks=pytest.mark.slow,
        ),
        ("exits_at_import", Status.IMPORT_ERROR, "exits_at_import.py called sys.exit() or exit() at line 3"),
        ("os_exit_at_import", Status.CRASHED, "stopped while loading it: the process exited with status 0"),
        ("raises_at_import", Status.IMPORT_ERROR, "raised AttributeError: module 'numpy' has no attribute"),
        ("memory_hog_at_import", Status.MEMORY_LIMIT, "needed more than 400 MB of memory at line 1."),
    ],
)
def test_broken_submission_scores_zero_with_a_clear_status(grade_toy, name, status, words):
    result = grade_toy(name)
    assert (result.status, result.score) == (status, 0.0)
    assert words in result.status_message
    assert len(result.tests) == 5 and all(t.outcome is Outcome.ERROR for t in result.tests)


def test_syntax_error_points_at_the_line(grade_toy):
    failure = grade_toy("syntax_error").failure
    assert failure is not None and (failure.line, failure.code) == (1, "def double(x)")


@pytest.mark.slow
def test_call_that_hangs_fails_only_its_test_and_names_the_limit(grade_toy):
    result = grade_toy("hangs_in_one_call")
    assert (result.status, result.score) == (Status.GRADED, 4.0)
    hung = next(t for t in result.tests if t.name.endswith("[x=2.5]"))
    assert hung.message == "timed out after 1 s in double(x=2.5)."


def test_worker_that_exits_in_a_call_is_restarted_for_the_next(grade_toy):
    result = grade_toy("exits_in_one_call")
    assert (result.status, result.score) == (Status.GRADED, 4.0)
    died = next(t for t in result.tests if t.name.endswith("[x=2.5]"))
    assert "the process exited with status 0" in died.message


def test_patching_pytest_numpy_and_builtins_in_the_worker_changes_no_verdict(grade_toy):
    result = grade_toy("patches_pytest_numpy_builtins")
    assert (result.status, result.score) == (Status.GRADED, 0.0)


def test_values_with_custom_comparison_are_refused(grade_toy):
    result = grade_toy("returns_always_equal")
    assert result.score == 0.0
    assert "an object of type AlwaysEqual" in result.tests[0].message


def test_output_is_capped_with_a_visible_marker(grade_toy):
    result = grade_toy("floods_output")
    assert result.score == 5.0
    assert "output truncated" in result.output
    assert len(result.output) < 4096


def test_worker_sees_only_an_allow_listed_environment(toy):
    from grader.grading.grade import grade
    from grader.grading.outcomes import Source

    secret = "GRADER_TEST_SECRET_TOKEN"
    os.environ[secret] = "hunter2"
    try:  # a fork server of its own, started with the secret set (grade_toy's started before)
        result = grade(toy, Source("reads_environment", SUBMISSIONS / "reads_environment.py"))
    finally:
        del os.environ[secret]
    assert result.score == 5.0
    assert secret not in result.output and "HOME" in result.output


def test_missing_file_is_a_result_not_an_error(toy):
    from grader.grading.grade import grade
    from grader.grading.outcomes import Source

    result = grade(toy, Source("nobody", None))
    assert (result.status, result.score, len(result.tests)) == (Status.MISSING_FILE, 0.0, 5)


def test_plots_hold_reference_and_student_series(grade_toy):
    (plot,) = grade_toy("good").plots
    series = plot.panels[0].series
    assert [(s.is_reference, s.values) for s in series] == [(False, (0.0, 2.0, 4.0, 6.0)), (True, (0.0, 2.0, 4.0, 6.0))]


def test_same_submission_grades_the_same_twice(toy, grade_toy):
    from grader.grading.grade import grade
    from grader.grading.outcomes import Source

    again = grade(toy, Source("wrong_double", SUBMISSIONS / "wrong_double.py"))
    first = grade_toy("wrong_double")
    strip = lambda r: {k: v for k, v in r.to_json_dict().items() if k not in TIMING_FIELDS}  # noqa: E731
    assert strip(again) == strip(first)
