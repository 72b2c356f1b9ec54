"""Returns scores from test outcomes: pure functions, no pytest and no processes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from grader.results import Failure, Outcome, TestResult
from grader.text import N_, text


@dataclass(frozen=True)
class CollectedTest:
    """A test pytest collected, with what it is worth."""

    nodeid: str
    points: float
    hint: str
    about: tuple[str, ...] = ()
    """The submission's functions this test judges (`about` marker); a mistake elsewhere should not fail it."""
    pipeline: bool = False
    """Declared a test of the whole pipeline (`pipeline` marker): a mistake in any function may fail it."""


_OUTCOMES = {
    "passed": Outcome.PASSED,
    "failed": Outcome.FAILED,
    "error": Outcome.ERROR,
    "skipped": Outcome.SKIPPED,
}

NOT_RUN = Failure.of("internal", text(N_("this test did not run, so it scores 0.")))


def display_name(nodeid: str) -> str:
    """Returns a test's name as reports show it: the test file and case, without folders."""
    path, _, rest = nodeid.partition("::")
    return f"{path.rsplit('/', 1)[-1]}::{rest}" if rest else path


def score_tests(
    collected: Iterable[CollectedTest],
    outcomes: Mapping[str, str],
    failures: Mapping[str, Failure],
) -> tuple[TestResult, ...]:
    """Returns one result per collected test: its points if it passed, 0 otherwise (fail closed)."""
    results = []
    for test in collected:
        outcome = _OUTCOMES.get(outcomes.get(test.nodeid, ""), Outcome.NOT_RUN)
        passed = outcome is Outcome.PASSED
        failure = None if passed else failures.get(test.nodeid, NOT_RUN)
        results.append(
            TestResult(
                name=display_name(test.nodeid),
                score=test.points if passed else 0.0,
                max_score=test.points,
                outcome=outcome,
                message=failure.message if failure else "",
                hint=test.hint,
                failure=failure,
                about=test.about,
                pipeline=test.pipeline,
            )
        )
    return tuple(results)


def total(tests: Iterable[TestResult]) -> float:
    """Returns the points earned, rounded so float sums do not show noise like 89.99999999."""
    return round(sum(t.score for t in tests), 6)
