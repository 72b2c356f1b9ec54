"""Shared fixtures: the toy assignment the engine's tests grade, and its fixture submissions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from processes import adopt_orphans, leftovers

from grader.assignment import Assignment, load_assignment
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.results import SubmissionResult

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
PROJECT = Path(__file__).parent.parent


def pytest_configure(config: pytest.Config) -> None:
    adopt_orphans()


@pytest.fixture(autouse=True)
def no_process_survives():
    """After every test, no process started by a submission is left running."""
    yield
    deadline = time.monotonic() + 3
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not leftovers(), "processes started by a submission are still running"


@pytest.fixture(scope="session")
def toy() -> Assignment:
    return load_assignment(FIXTURES / "toy")


@pytest.fixture(scope="session")
def grade_toy(toy: Assignment):
    cache: dict[str, SubmissionResult] = {}

    def grade_fixture(name: str) -> SubmissionResult:
        if name not in cache:
            cache[name] = grade(toy, Source(name, SUBMISSIONS / f"{name}.py"))
        return cache[name]

    return grade_fixture
