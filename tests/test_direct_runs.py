"""Tests that need only their parameters and the grader's fixtures run without pytest's per-test hooks, and
score exactly as through pytest's protocol; every other test still runs through it."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.grading.grade import grade, grade_stream
from grader.grading.outcomes import Source
from grader.grading.plugin import GradingPlugin
from grader.results import Outcome

PROJECT = Path(__file__).resolve().parent.parent
GD1D = PROJECT / "assignments" / "gd1d"
TOY = Path(__file__).parent / "fixtures" / "toy"


def _graded(assignment, paths, launcher, monkeypatch, direct: bool, tests: Path | None = None):
    with monkeypatch.context() as patch:
        if not direct:
            patch.setattr(GradingPlugin, "_runs_directly", lambda self, item: False)
        results = []
        sources = [Source(path.stem, path) for path in paths]
        grade_stream(assignment, sources, results.append, launcher=launcher, tests=tests, with_plots=False)
        return results


def _verdicts(result):
    return (
        result.status,
        result.score,
        [(t.name, t.outcome, t.score, t.message, t.failure) for t in result.tests],
        result.diagnoses,
    )


@pytest.mark.slow
def test_every_gd1d_example_and_mistake_scores_the_same_without_pytest_hooks(session_launcher, monkeypatch):
    assignment = load_assignment(GD1D)
    paths = sorted([*(GD1D / "examples").glob("*.py"), *(GD1D / "mistakes").glob("*")])
    paths = [p for p in paths if p.suffix in (".py", ".ipynb") and "loops" not in p.stem]  # a timeout takes seconds
    direct = _graded(assignment, paths, session_launcher, monkeypatch, direct=True)
    through_pytest = _graded(assignment, paths, session_launcher, monkeypatch, direct=False)
    assert len(direct) == len(paths) > 20
    for one, other in zip(direct, through_pytest, strict=True):
        assert _verdicts(one) == _verdicts(other), one.student
    assert {r.score for r in direct} != {direct[0].score}, "the mistakes lose points"


_MIXED = '''
import pytest
from grader.authoring import expect_close

LOG = {log!r}


@pytest.fixture(scope="module")
def counted():
    with open(LOG, "a") as log:
        log.write("setup\\n")
    yield 2.0
    with open(LOG, "a") as log:
        log.write("teardown\\n")


@pytest.mark.points(1)
def test_plain(submission, rng):
    expect_close(submission.double(1.0), 2.0)


@pytest.mark.points(1)
def test_with_a_fixture_of_the_file(submission, counted):
    expect_close(submission.double(1.0), counted)


@pytest.mark.points(1)
def test_with_tmp_path(submission, tmp_path):
    assert tmp_path.is_dir()
    expect_close(submission.double(2.0), 4.0)


@pytest.mark.points(1)
@pytest.mark.skip(reason="not this term")
def test_skipped(submission):
    raise AssertionError("never runs")


@pytest.mark.points(1)
@pytest.mark.parametrize("x", [1.0, 3.0])
def test_with_request(submission, request, x):
    assert request.node.callspec.params["x"] == x
    expect_close(submission.double(x), 2 * x)


@pytest.mark.points(1)
def test_raises_system_exit(submission):
    raise SystemExit(3)


class TestInAClass:
    @pytest.mark.points(1)
    def test_method(self, submission):
        expect_close(submission.double(0.5), 1.0)
'''


@pytest.mark.slow
def test_tests_pytest_must_act_on_still_run_through_its_protocol(session_launcher, tmp_path, monkeypatch):
    hidden = tmp_path / "hidden"
    shutil.copytree(TOY / "tests" / "hidden", hidden)
    log = tmp_path / "fixture.log"
    (hidden / "test_mixed.py").write_text(textwrap.dedent(_MIXED.format(log=str(log))))
    toy = load_assignment(TOY)
    submissions = [TOY.parent / "submissions" / "good.py", TOY.parent / "submissions" / "wrong_double.py"]
    submissions = [p for p in submissions if p.exists()]
    assert len(submissions) == 2, submissions

    ran_directly: list[str] = []
    original = GradingPlugin._run_directly

    def spy(self, item):
        ran_directly.append(item.name)
        return original(self, item)

    monkeypatch.setattr(GradingPlugin, "_run_directly", spy)
    direct = _graded(toy, submissions, session_launcher, monkeypatch, direct=True, tests=hidden)
    assert log.read_text().split() == ["setup", "teardown"] * 2, "module fixtures torn down after each submission"
    through_pytest = _graded(toy, submissions, session_launcher, monkeypatch, direct=False, tests=hidden)
    for one, other in zip(direct, through_pytest, strict=True):
        assert _verdicts(one) == _verdicts(other)

    names = set(ran_directly)
    assert {"test_plain", "test_raises_system_exit", "test_double[x=1]"} <= names
    assert not names & {"test_with_a_fixture_of_the_file", "test_with_tmp_path", "test_skipped", "test_method"}
    assert not any(name.startswith("test_with_request") for name in names)
    outcomes = {t.name.rpartition("::")[2]: t.outcome for t in direct[0].tests}
    assert outcomes["test_skipped"] is Outcome.SKIPPED
    assert outcomes["test_raises_system_exit"] is Outcome.FAILED
    assert outcomes["test_with_tmp_path"] is outcomes["test_method"] is Outcome.PASSED
    assert outcomes["test_with_a_fixture_of_the_file"] is outcomes["test_with_request[3.0]"] is Outcome.PASSED


def test_a_submission_that_did_not_load_errors_every_test_as_before(toy_missing_file_result):
    assert toy_missing_file_result.tests
    assert all(t.outcome is Outcome.ERROR for t in toy_missing_file_result.tests)


@pytest.fixture
def toy_missing_file_result(session_launcher):
    return grade(load_assignment(TOY), Source("nobody", None), launcher=session_launcher, with_plots=False)
