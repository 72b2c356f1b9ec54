"""Wires grading into pytest: the fixtures hidden tests use, their markers, and what each test earned.

Registered as a plugin object for one run of pytest in the trusted process. It never imports the
submission: `submission` is a RemoteSubmission whose calls run in the worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from grader.remote import RemoteSubmission, SubmissionCallFailed
from grader.results import Failure
from grader.testing import Mismatch, last_call


@dataclass(frozen=True)
class CollectedTest:
    """A test pytest collected, with what it is worth."""

    nodeid: str
    points: float
    hint: str


class SubmissionUnavailable(Exception):
    """The submission did not load, so no test can call into it."""

    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


class GradingPlugin:
    """Provides `submission`, `reference` and `rng`, and records points, hints and failures per test."""

    def __init__(
        self,
        submission: RemoteSubmission | None,
        unavailable: Failure | None,
        reference: ModuleType,
        seed: int,
    ):
        self._submission = submission
        self._unavailable = unavailable
        self._reference = reference
        self._seed = seed
        self.collected: list[CollectedTest] = []
        self.failures: dict[str, Failure] = {}
        self.report: dict[str, Any] | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): points each collected case of this test is worth")
        config.addinivalue_line("markers", "hint(text): what to tell a student whose code fails this test")

    @pytest.fixture
    def submission(self) -> RemoteSubmission:
        last_call.set(None)
        if self._submission is None:
            raise SubmissionUnavailable(self._unavailable or Failure(kind="unavailable", message="not loaded"))
        return self._submission

    @pytest.fixture
    def reference(self) -> ModuleType:
        return self._reference

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        digest = hashlib.sha256(f"{self._seed}\0{request.node.nodeid}".encode()).digest()
        return np.random.default_rng(int.from_bytes(digest[:8], "big"))

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            points = item.get_closest_marker("points")
            hint = item.get_closest_marker("hint")
            self.collected.append(
                CollectedTest(
                    nodeid=item.nodeid,
                    points=float(points.args[0]) if points and points.args else 0.0,
                    hint=str(hint.args[0]) if hint and hint.args else "",
                )
            )

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        yield
        if call.excinfo is not None and item.nodeid not in self.failures:
            self.failures[item.nodeid] = describe_exception(call.excinfo.value)

    @pytest.hookimpl(optionalhook=True)
    def pytest_json_modifyreport(self, json_report: dict[str, Any]) -> None:
        self.report = json_report


def describe_exception(error: BaseException) -> Failure:
    """Returns what a student should read about an exception that ended a test, never its source."""
    if isinstance(error, (SubmissionCallFailed, SubmissionUnavailable)):
        return error.failure
    if isinstance(error, Mismatch):
        return Failure(
            kind="mismatch", message=error.message, call=error.call, expected=error.expected, actual=error.actual
        )
    call = last_call.get()
    if isinstance(error, AssertionError):
        return Failure(kind="check", message=str(error).strip() or "a check on your values failed.", call=call)
    if isinstance(error, pytest.skip.Exception):
        return Failure(kind="internal", message="the test was skipped, so it scores 0.")
    if call is not None:
        return Failure(
            kind="check",
            call=call,
            message=f"the test could not use what your code returned ({type(error).__name__}: {error}).",
        )
    return Failure(
        kind="internal",
        message=f"the test itself failed ({type(error).__name__}); this is not your mistake: "
        "please tell your instructor.",
    )
