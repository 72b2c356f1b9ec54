"""`grader ci`: exit codes, GitHub annotations and step summary, JUnit XML, on the toy assignment.

Each assignment's workflow template (its ci/grade.yml) is linted in test_assignments.py.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exports import ci as cimode
from grader.results import Failure, Outcome, Status, SubmissionResult, TestResult

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
TOY = str(FIXTURES / "toy")


def run(*args: str, env: dict[str, str] | None = None):
    environment = {"GITHUB_STEP_SUMMARY": None, "GITHUB_WORKSPACE": None} | (env or {})
    return CliRunner().invoke(cli, list(args), env=environment, catch_exceptions=False)


@pytest.mark.slow
def test_a_correct_submission_passes_with_summary_and_junit(tmp_path):
    summary, junit = tmp_path / "summary.md", tmp_path / "reports" / "grade.xml"
    summary.write_text("earlier step\n")
    result = run("ci", str(SUBMISSIONS / "good.py"), "-a", TOY, "--junit", str(junit),
                 env={"GITHUB_STEP_SUMMARY": str(summary)})  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == "good: 5/5 points (100.0%); at or above the minimum of 100%\n"
    text = summary.read_text()
    assert text.startswith("earlier step\n# Toy assignment: 5 / 5 points (100%)\n")
    suite = ET.parse(junit).getroot()
    assert (suite.tag, suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("testsuite", "5", "0", "0")
    assert len(suite.findall("testcase")) == 5


@pytest.mark.slow
def test_below_the_minimum_exits_1_and_at_or_above_it_exits_0():
    below = run("ci", str(SUBMISSIONS / "wrong_double.py"), "-a", TOY)
    assert below.exit_code == 1
    assert below.output.startswith("# Toy assignment: 1 / 5 points (20%)\n")  # no summary file: printed
    assert below.output.endswith("wrong_double: 1/5 points (20.0%); below the minimum of 100%\n")
    at = run("ci", str(SUBMISSIONS / "wrong_double.py"), "-a", TOY, "--min-score", "20")
    assert at.exit_code == 0
    assert at.output.endswith("wrong_double: 1/5 points (20.0%); at or above the minimum of 20%\n")


def test_a_failure_at_a_line_of_the_submission_is_annotated_relative_to_the_workspace(tmp_path):
    result = run("ci", str(SUBMISSIONS / "raises_at_import.py"), "-a", TOY, "--min-score", "0",
                 env={"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md"), "GITHUB_WORKSPACE": str(FIXTURES)})  # fmt: skip
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "::error file=submissions/raises_at_import.py,line=3,title=import_error::"
        "AttributeError: module 'numpy' has no attribute 'undefined_name'",
        "raises_at_import: 0/5 points (0.0%), status import_error; at or above the minimum of 0%",
    ]


def test_a_grader_error_exits_2(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(FIXTURES / "toy", folder)
    (folder / "tests" / "hidden" / "test_broken.py").write_text("def test_x(:\n")
    result = CliRunner().invoke(
        cli, ["ci", str(SUBMISSIONS / "good.py"), "-a", str(folder), "--min-score", "0"],
        env={"GITHUB_STEP_SUMMARY": str(tmp_path / "s.md")},
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("grader error: the hidden tests could not be collected (")
    assert result.stderr.endswith(". This is not your mistake: tell your instructor.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ci", "nowhere.py", "-a", TOY], "Error: no such file: nowhere.py; pass the path of the toy.py to grade\n"),
        (
            ["ci", str(SUBMISSIONS / "good.py"), "-a", TOY, "--min-score", "101"],
            "Error: Invalid value for '--min-score': 101.0 is not in the range 0<=x<=100.\n",
        ),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.endswith(message)


def _result(tests: tuple[TestResult, ...], status: Status = Status.GRADED, **extra) -> SubmissionResult:
    return SubmissionResult("ada", "toy", sum(t.score for t in tests), 4.0, status, "msg", tests, "0", **extra)


ERROR_AT_7 = Failure("error", "double(1) raised", call="double(1)", exception="ZeroDivisionError: boom", line=7,
                     code="return 1 / 0")  # fmt: skip


def test_annotations_merge_failures_at_one_line_and_escape_their_text():
    tests = (
        TestResult("t.py::a", 0.0, 1.0, Outcome.FAILED, "m", "h", ERROR_AT_7),
        TestResult("t.py::b", 0.0, 1.0, Outcome.FAILED, "m", "h", ERROR_AT_7),
        TestResult("t.py::c", 0.0, 1.0, Outcome.FAILED, "m", "h", Failure("error", "50%\nnew", exception=None, line=2)),
        TestResult("t.py::d", 1.0, 1.0, Outcome.PASSED, "", "h"),
        TestResult("t.py::e", 0.0, 1.0, Outcome.FAILED, "m", "h", Failure("mismatch", "wrong value")),
    )
    assert cimode.error_commands(_result(tests), "src/a,b.py") == [
        "::error file=src/a%2Cb.py,line=2,title=t.py%3A%3Ac::50%25%0Anew",
        "::error file=src/a%2Cb.py,line=7,title=t.py%3A%3Aa (and 1 more test(s) failing here)::ZeroDivisionError: boom",
    ]


def test_verdicts():
    graded = _result((TestResult("t.py::a", 1.0, 1.0, Outcome.PASSED, "", ""),))
    assert cimode.verdict(graded, 25) == cimode.Verdict(0, "ada: 1/4 points (25.0%); at or above the minimum of 25%")
    assert cimode.verdict(graded, 25.1) == cimode.Verdict(1, "ada: 1/4 points (25.0%); below the minimum of 25.1%")
    broken = _result((), Status.INTERNAL_ERROR)
    assert cimode.verdict(broken, 0) == cimode.Verdict(2, "grader error: msg")


def test_junit_counts_failures_errors_and_skips_and_strips_characters_xml_cannot_hold():
    tests = (
        TestResult("t.py::a", 1.0, 1.0, Outcome.PASSED, "", "h"),
        TestResult("t.py::b[x=1]", 0.0, 1.0, Outcome.FAILED, "bad \x00 value", "check b", ERROR_AT_7),
        TestResult("t.py::c", 0.0, 1.0, Outcome.NOT_RUN, "did not run", ""),
        TestResult("t.py::d", 0.0, 1.0, Outcome.ERROR, "grader", "", Failure("internal", "test broke")),
    )
    suite = ET.fromstring(cimode.junit_xml(_result(tests)))
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "4", "failures": "1", "errors": "1", "skipped": "1",
    }  # fmt: skip
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [("t", "a"), ("t", "b[x=1]"), ("t", "c"), ("t", "d")]
    failure = cases[1].find("failure")
    assert failure is not None and failure.get("message") == "bad \ufffd value Hint: check b"
    assert failure.text == (
        "double(1) raised\ncall: double(1)\nexception: ZeroDivisionError: boom\nline: 7: return 1 / 0"
    )
    assert cases[1].find("properties/property").get("value") == "0/1"


def test_junit_has_a_case_for_a_submission_that_did_not_load():
    failure = Failure("error", "Python could not read toy.py", exception="SyntaxError: bad", line=1, code="def (")
    suite = ET.fromstring(cimode.junit_xml(_result((), Status.SYNTAX_ERROR, failure=failure)))
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "load (syntax_error)"
    assert case.find("failure").get("message") == "msg"
    assert suite.get("failures") == "1"
