"""Scoring is pure: outcomes in, points out, failing closed on anything but a pass."""

from __future__ import annotations

from grader.grading.scoring import CollectedTest, display_name, score_tests, total
from grader.results import Failure, Outcome

COLLECTED = [
    CollectedTest("tests/hidden/test_a.py::test_one[x=1]", 2.0, "hint one"),
    CollectedTest("tests/hidden/test_a.py::test_two", 3.0, "hint two"),
    CollectedTest("tests/hidden/test_b.py::test_three", 1.5, ""),
    CollectedTest("tests/hidden/test_b.py::test_four", 1.0, ""),
    CollectedTest("tests/hidden/test_b.py::test_five", 1.0, ""),
]


def test_only_passed_tests_score_and_the_rest_fail_closed():
    outcomes = {
        "tests/hidden/test_a.py::test_one[x=1]": "passed",
        "tests/hidden/test_a.py::test_two": "failed",
        "tests/hidden/test_b.py::test_three": "error",
        "tests/hidden/test_b.py::test_four": "skipped",
    }
    failures = {"tests/hidden/test_a.py::test_two": Failure(kind="mismatch", message="wrong")}
    results = score_tests(COLLECTED, outcomes, failures)
    assert [(r.outcome, r.score, r.max_score) for r in results] == [
        (Outcome.PASSED, 2.0, 2.0),
        (Outcome.FAILED, 0.0, 3.0),
        (Outcome.ERROR, 0.0, 1.5),
        (Outcome.SKIPPED, 0.0, 1.0),
        (Outcome.NOT_RUN, 0.0, 1.0),
    ]
    assert results[1].message == "wrong" and results[1].hint == "hint two"
    assert results[4].message == "this test did not run, so it scores 0."
    assert total(results) == 2.0


def test_float_noise_is_rounded_away():
    collected = [CollectedTest(f"t.py::t{i}", 0.1, "") for i in range(3)]
    results = score_tests(collected, {f"t.py::t{i}": "passed" for i in range(3)}, {})
    assert total(results) == 0.3


def test_names_drop_folders_but_keep_file_and_case():
    assert display_name("tests/hidden/test_a.py::test_one[x=1]") == "test_a.py::test_one[x=1]"
