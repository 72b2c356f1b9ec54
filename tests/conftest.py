"""Shared fixtures: the toy assignment the engine's tests grade, and its fixture submissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.assignment import Assignment, load_assignment
from grader.results import SubmissionResult
from grader.runner import Source, grade

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
PROJECT = Path(__file__).parent.parent


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
