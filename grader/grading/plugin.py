"""Wires grading into pytest: the fixtures hidden tests use, their markers, and what each test earned.

One pytest session, in the trusted process, grades a stream of submissions: the tests are collected
once, then `run` replays every collected test against each submission in turn. The plugin never
imports a submission: `submission` is a RemoteSubmission whose calls run in that submission's worker.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

import numpy as np
import pytest

from grader.authoring import last_call
from grader.grading.feedback import SubmissionUnavailable, describe_exception
from grader.grading.proof import Evidence
from grader.grading.proxy import RemoteSubmission
from grader.grading.scoring import CollectedTest
from grader.results import Failure
from grader.text import N_, text

# pytest's per-phase outcomes, worst first: a test's outcome is the worst of its phases.
_SEVERITY = ("error", "failed", "skipped", "passed")


@dataclass(frozen=True)
class TestRun:
    """What one pass over the collected tests gave for one submission."""

    __test__ = False  # a record, not a test class

    outcomes: dict[str, str]
    """nodeid → "passed", "failed", "error" or "skipped"."""
    failures: dict[str, Failure]
    evidence: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    """nodeid of a test that did not pass → the calls it made and what the student's code did in them."""


class GradingPlugin:
    """Provides `submission`, `reference` and `rng`; records points, hints, outcomes and failures."""

    def __init__(self, reference: ModuleType, seed: int, drive: Callable[[GradingPlugin], None]):
        self._reference = reference
        self._seed = seed
        self._drive = drive
        self._session: pytest.Session | None = None
        self._plan: list[tuple[pytest.Item, bool, pytest.Item | None]] = []
        self._submission: RemoteSubmission | None = None
        self._inputs_key = ""
        self._unavailable: Failure | None = None
        self._outcomes: dict[str, str] = {}
        self._failures: dict[str, Failure] = {}
        self.collected: list[CollectedTest] = []
        self.collection_errors: list[str] = []
        self.interrupted = False

    def run(self, submission: RemoteSubmission | None, unavailable: Failure | None, inputs_key: str = "") -> TestRun:
        """Returns the outcome of every collected test against one submission (None: it did not load).

        `inputs_key` seeds `rng` together with the assignment's seed and each test's name: a key per
        submission (see submission_inputs_key) gives each submission inputs of its own.
        """
        assert self._session is not None, "run() is only called from within the session"
        self._submission, self._unavailable, self._inputs_key = submission, unavailable, inputs_key
        self._outcomes, self._failures = {}, {}
        evidence: dict[str, tuple[Evidence, ...]] = {}
        for item, direct, nextitem in self._plan:
            if submission is not None:
                submission.evidence = []
            if direct and isinstance(item, pytest.Function):
                self._run_directly(item)
            else:
                # nextitem=None after the last such item tears every fixture down: nothing outlives a submission.
                item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if submission is not None:
                if self._outcomes.get(item.nodeid) != "passed":
                    evidence[item.nodeid] = tuple(submission.evidence or ())
                submission.evidence = None
        return TestRun(self._outcomes, self._failures, evidence)

    def _run_directly(self, item: pytest.Function) -> None:
        """Runs a test that needs nothing of pytest's but its parameters and this plugin's fixtures, as pytest's
        protocol would (setup, then the call; the same outcomes and failures) without its hooks: on a whole class
        they cost a third of the tests' time."""
        nodeid = item.nodeid
        try:
            arguments = {name: self._argument(item, name) for name in item._fixtureinfo.argnames}
        except Exception as error:  # noqa: BLE001 - as a fixture's setup error: the submission did not load
            self._failures.setdefault(nodeid, describe_exception(error))
            self._outcomes[nodeid] = "error"
            return
        try:
            item.obj(**arguments)
        except (KeyboardInterrupt, pytest.exit.Exception):
            raise
        except pytest.skip.Exception:
            self._outcomes[nodeid] = "skipped"
            return
        except BaseException as error:  # noqa: BLE001 - pytest's call phase catches SystemExit too
            self._failures.setdefault(nodeid, describe_exception(error))
            self._outcomes[nodeid] = "failed"
            return
        self._outcomes[nodeid] = "passed"

    def _argument(self, item: pytest.Function, name: str) -> object:
        if name == "submission":
            return self._submission_fixture()
        if name == "reference":
            return self._reference
        if name == "rng":
            return seeded_rng(self._seed, self._inputs_key, item.nodeid)
        return item.callspec.params[name]

    def _planned(self, items: list[pytest.Item]) -> list[tuple[pytest.Item, bool, pytest.Item | None]]:
        """Returns each item, whether it runs directly, and the next item pytest's protocol runs after it."""
        direct = [self._runs_directly(item) for item in items]
        plan: list[tuple[pytest.Item, bool, pytest.Item | None]] = []
        following: pytest.Item | None = None
        for item, alone in reversed(list(zip(items, direct, strict=True))):
            plan.append((item, alone, following))
            following = following if alone else item
        return plan[::-1]

    def _runs_directly(self, item: pytest.Item) -> bool:
        """Whether `item` needs nothing but its direct parameters and this plugin's own fixtures: no other
        fixture (autouse or xunit setup included), no class, no marker pytest acts on (skip, xfail, ...)."""
        if type(item) is not pytest.Function or item.cls is not None:
            return False
        markers = list(item.iter_markers())
        if any(m.name not in _OWN_MARKERS for m in markers) or any(m.kwargs.get("indirect") for m in markers):
            return False
        params = item.callspec.params if hasattr(item, "callspec") else {}
        definitions = item._fixtureinfo.name2fixturedefs
        for name in item.fixturenames:
            # A direct parameter, or pytest's `request` that only parametrisation asked for (no test argument).
            if name in params or (name == "request" and name not in item._fixtureinfo.argnames):
                continue
            if name not in _OWN_FIXTURES or getattr(definitions[name][-1].func, "__self__", None) is not self:
                return False  # a fixture of the test file's (or one overriding this plugin's)
        return True

    # -- pytest hooks ---------------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        register_markers(config)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(report.nodeid or "the test folder")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            points = item.get_closest_marker("points")
            hint = item.get_closest_marker("hint")
            about = tuple(str(name) for marker in item.iter_markers("about") for name in marker.args)
            self.collected.append(
                CollectedTest(
                    nodeid=item.nodeid,
                    points=float(points.args[0]) if points and points.args else 0.0,
                    hint=str(hint.args[0]) if hint and hint.args else "",
                    about=tuple(dict.fromkeys(about)),
                    pipeline=item.get_closest_marker("pipeline") is not None,
                )
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if self.collection_errors or not session.items:
            return True  # nothing trustworthy to run: the runner reports every submission as internal_error
        self._session = session
        self._plan = self._planned(session.items)
        try:
            self._drive(self)
        except KeyboardInterrupt:
            self.interrupted = True
            raise
        return True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        phase = "error" if report.failed and report.when != "call" else report.outcome
        previous = self._outcomes.get(report.nodeid, "passed")
        self._outcomes[report.nodeid] = min(previous, phase, key=_SEVERITY.index)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
        """Returns the phase's report, with the student-facing failure instead of pytest's traceback.

        pytest's own report would render a traceback from the hidden test's source: slow (it parses
        the file for every failure), and nothing of it may reach a student anyway.
        """
        excinfo = call.excinfo
        longrepr: tuple[str, int, str] | str | None = None
        if excinfo is None:
            outcome = "passed"
        elif isinstance(excinfo.value, pytest.skip.Exception):
            outcome = "skipped"
            longrepr = (str(item.path), (item.location[1] or 0) + 1, str(excinfo.value))
        else:
            outcome = "failed"
            failure = describe_exception(excinfo.value)
            self._failures.setdefault(item.nodeid, failure)
            longrepr = failure.message
        return pytest.TestReport(
            item.nodeid,
            item.location,
            {},
            outcome,  # type: ignore[arg-type]
            longrepr,
            call.when,  # type: ignore[arg-type]
            (),
            call.duration,
            call.start,
            call.stop,
            user_properties=item.user_properties,
        )

    # -- fixtures -------------------------------------------------------------------------------------

    @pytest.fixture
    def submission(self) -> RemoteSubmission:
        return self._submission_fixture()

    def _submission_fixture(self) -> RemoteSubmission:
        last_call.set(None)
        if self._submission is None:
            raise SubmissionUnavailable(self._unavailable or Failure.of("unavailable", text(N_("not loaded"))))
        return self._submission

    @pytest.fixture
    def reference(self) -> ModuleType:
        return self._reference

    @pytest.fixture
    def rng(self, request: pytest.FixtureRequest) -> np.random.Generator:
        return seeded_rng(self._seed, self._inputs_key, request.node.nodeid)


_OWN_FIXTURES = ("submission", "reference", "rng")
_OWN_MARKERS = ("points", "hint", "about", "pipeline", "parametrize")
"""Markers only this plugin reads (and pytest's parametrisation, done at collection): a test with any other
marker (skip, skipif, xfail, usefixtures, filterwarnings, ...) runs through pytest's protocol, which acts on it."""

MARKERS = (
    "points(n): points each collected case of this test is worth",
    "hint(text): what to tell a student whose code fails this test",
    "about(*functions): the submission's functions this test judges",
    "pipeline: this test judges the whole pipeline, so a mistake in any function may fail it",
)
"""The markers a hidden test may carry; pytest runs with --strict-markers wherever hidden tests are collected."""


def register_markers(config: pytest.Config) -> None:
    """Declares the hidden tests' markers to a pytest session that collects them."""
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def seeded_rng(seed: int, inputs_key: str, nodeid: str) -> np.random.Generator:
    """Returns the generator a hidden test draws its inputs from: the assignment's seed, the submission's
    inputs key ("" for inputs shared by every submission) and the test's id decide it."""
    key = f"{seed}\0{inputs_key}\0" if inputs_key else f"{seed}\0"
    digest = hashlib.sha256(f"{key}{nodeid}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def submission_inputs_key(secret: str, submission_sha256: str) -> str:
    """Returns what makes one submission's seeded inputs its own: a digest of the course's secret and the
    submission's bytes. The same submission always gets the same inputs (a regrade gives the same result);
    another gets others, so answers memorised from one report do not answer another submission's seeded
    inputs (fixed inputs are the same for everyone: see docs/security.md)."""
    return hashlib.sha256(f"{secret}\0{submission_sha256}".encode()).hexdigest()
