"""Returns SubmissionResults: loads each submission in a worker, runs the tests, scores, plots.

One pytest session grades a whole stream of submissions (`grade_stream`), so pytest's start-up and
collection are paid once per grading process, not once per submission.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import __version__, notebooks, scoring
from grader.assignment import Assignment, load_diagnoses, load_reference
from grader.diagnosis import diagnose
from grader.i18n import N_
from grader.loading import load_status
from grader.plotdata import build_plot
from grader.plugin import GradingPlugin
from grader.remote import RemoteSubmission
from grader.results import Diagnosis, Failure, Plot, Status, SubmissionResult, Text, text
from grader.sandbox import ForkServerLauncher, Launcher, Worker


@dataclass(frozen=True)
class Source:
    """A submission to grade: whose it is and which file holds it (None when none was found)."""

    student: str
    path: Path | None


def grade(assignment: Assignment, source: Source, **options: Any) -> SubmissionResult:
    """Returns the graded result of one submission (see grade_stream for the options)."""
    results: list[SubmissionResult] = []
    grade_stream(assignment, [source], results.append, **options)
    return results[0]


def grade_stream(
    assignment: Assignment,
    sources: Iterable[Source],
    on_result: Callable[[SubmissionResult], None],
    *,
    tests: Path | None = None,
    with_plots: bool = True,
    launcher: Launcher | None = None,
) -> None:
    """Calls on_result once per source, in order, with its result; never raises for a student's mistake.

    A broken submission is a result with a status. If the tests themselves cannot be collected, every
    source gets an internal_error result. KeyboardInterrupt propagates after the worker is killed.
    """
    reference = load_reference(assignment.reference_file)
    own_launcher = launcher is None
    launcher = launcher or ForkServerLauncher()
    pending: Iterator[Source] = iter(sources)

    def drive(plugin: GradingPlugin) -> None:
        for source in pending:
            result = _grade_in_session(assignment, source, plugin, reference, launcher, with_plots)
            on_result(dataclasses.replace(result, isolation=launcher.isolation.level))

    plugin = GradingPlugin(reference, assignment.seed, drive)
    try:
        exit_code = run_pytest(tests or assignment.hidden_tests, plugin)
    finally:
        if own_launcher:
            launcher.close()
    if plugin.interrupted:
        raise KeyboardInterrupt
    problem = (
        text(N_("the hidden tests could not be collected ({tests})"), tests=", ".join(plugin.collection_errors))
        if plugin.collection_errors
        else text(N_("pytest stopped with exit code {code} before grading"), code=str(exit_code))
    )
    for source in pending:  # only reached when the session never started grading
        on_result(internal_error_result(assignment, source, problem))


def _grade_in_session(
    assignment: Assignment,
    source: Source,
    plugin: GradingPlugin,
    reference: Any,
    launcher: Launcher,
    with_plots: bool,
) -> SubmissionResult:
    started = time.monotonic()
    failure: Failure | None
    converted = contextlib.ExitStack()  # keeps a notebook's converted source until its worker is done
    try:
        if source.path is None or not source.path.is_file():
            failure = Failure.of(
                "unavailable",
                text(N_("no file named {file} was found in the submission."), file=assignment.submission_file),
            )
            run = plugin.run(None, failure)
            timings = {"tests": time.monotonic() - started}
            return _result(
                assignment, source, plugin.collected, run, Status.MISSING_FILE, failure, "", (), started, timings
            )
        try:  # a notebook becomes Python here, in the trusted process; the worker only ever loads Python
            python_file = converted.enter_context(notebooks.python_file(source.path))
        except notebooks.UnreadableNotebook as unreadable:
            failure = Failure.of("error", text(str(unreadable)))
            run = plugin.run(None, failure)
            timings = {"tests": time.monotonic() - started}
            return _result(
                assignment, source, plugin.collected, run, Status.SYNTAX_ERROR, failure, "", (), started, timings
            )
        with Worker(python_file, assignment.submission_file, assignment.limits, launcher) as worker:
            clock = _Clock()
            load = worker.load()
            clock.lap("worker start")
            status, failure = load_status(load, assignment)
            submission = RemoteSubmission(worker, reference) if status is Status.GRADED else None
            run = plugin.run(submission, failure)
            clock.lap("tests")
            diagnoses = _diagnoses(assignment, run.outcomes, submission, reference)
            if diagnoses is not None:
                clock.lap("diagnoses")
            plots: tuple[Plot, ...] = ()
            if with_plots:
                plots = tuple(build_plot(spec, reference, submission) for spec in assignment.plots)
                clock.lap("plot data")
            if status is Status.GRADED and worker.seconds_used >= assignment.limits.total_seconds:
                status, failure = (
                    Status.TIMEOUT,
                    Failure.of(
                        "limit",
                        text(
                            N_(
                                "your code used up the time limit for the whole submission ({seconds} s); "
                                "tests that came after scored 0."
                            ),
                            seconds=f"{assignment.limits.total_seconds:g}",
                        ),
                    ),
                )
            return _result(
                assignment, source, plugin.collected, run, status, failure, worker.output, plots, started, clock.laps,
                diagnoses=diagnoses or (),
            )  # fmt: skip
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - one grader bug must not lose the rest of a batch
        failed = text(N_("the grader failed ({error})"), error=f"{type(error).__name__}: {error}")
        return internal_error_result(assignment, source, failed)
    finally:
        converted.close()


GRADED_MESSAGE = N_("graded: every test ran.")

UNUSED_PYTEST_PLUGINS = (
    "cacheprovider", "stepwise", "terminal", "unraisableexception", "threadexception", "logging", "capture",
    "warnings", "faulthandler", "junitxml", "doctest", "pastebin", "debugging", "setuponly", "setupplan",
)  # fmt: skip


def run_pytest(tests: Path, plugin: GradingPlugin) -> int:
    """Returns pytest's exit code for a quiet, isolated session over `tests` driven by the plugin."""
    args = [
        str(tests),
        # Plugins a grading session has no use for; each costs time on every test of every submission
        # (unraisableexception and threadexception collect garbage after each test: 0.1 s a submission).
        *(f"-pno:{name}" for name in UNUSED_PYTEST_PLUGINS),
        "--noconftest", "--assert=plain", "--import-mode=importlib",
        "-c", os.devnull, "--rootdir", str(tests), "--strict-markers",
        "-W", "ignore::DeprecationWarning",
    ]  # fmt: skip
    sink = io.StringIO()
    with (
        _plugins_autoload_disabled(),
        test_modules_forgotten(tests),
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        return int(pytest.main(args, plugins=[plugin]))


@contextlib.contextmanager
def test_modules_forgotten(tests: Path) -> Iterator[None]:
    """Drops the modules imported from `tests` when the session ends.

    With --import-mode=importlib a test file is named after its path below the rootdir, so two
    assignments' tests/public/test_public.py are both "test_public": a later session in the same
    process would reuse the first one's module and run the wrong assignment's tests.
    """
    before = set(sys.modules)
    try:
        yield
    finally:
        folder = str(tests.resolve())
        for name in set(sys.modules) - before:
            if str(getattr(sys.modules[name], "__file__", None) or "").startswith(folder):
                del sys.modules[name]


@contextlib.contextmanager
def _plugins_autoload_disabled() -> Iterator[None]:
    """Keeps plugins installed beside the grader (random order, timeouts...) out of the graded run."""
    previous = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = previous


def _result(
    assignment: Assignment,
    source: Source,
    collected: Any,
    run: Any,
    status: Status,
    failure: Failure | None,
    output: str,
    plots: tuple[Plot, ...],
    started: float,
    timings: dict[str, float],
    diagnoses: tuple[Diagnosis, ...] = (),
) -> SubmissionResult:
    tests = scoring.score_tests(collected, run.outcomes, run.failures)
    return SubmissionResult(
        student=source.student,
        assignment=assignment.name,
        score=scoring.total(tests),
        max_score=assignment.points,
        status=status,
        status_message=failure.message if failure else GRADED_MESSAGE,
        tests=tests,
        grader_version=__version__,
        output=output,
        plots=plots,
        seconds=time.monotonic() - started,
        submission_sha256=_sha256(source.path),
        failure=failure,
        fingerprint=fingerprint(assignment, source.path),
        timings=tuple(timings.items()),
        diagnoses=diagnoses,
    )


def _diagnoses(
    assignment: Assignment, outcomes: dict[str, str], submission: RemoteSubmission | None, reference: Any
) -> tuple[Diagnosis, ...] | None:
    """Returns the named mistakes of a loaded submission that failed a test; None when none was looked for."""
    failed = [nodeid for nodeid, outcome in outcomes.items() if outcome != "passed"]
    if submission is None or assignment.diagnoses_file is None or not failed:
        return None
    return diagnose(load_diagnoses(assignment.diagnoses_file), failed, submission, reference)


def internal_error_result(assignment: Assignment, source: Source, problem: Text) -> SubmissionResult:
    """Returns the result for a submission the grader itself failed to grade: status internal_error."""
    sentence = text(N_("{problem}. This is not your mistake: tell your instructor."), problem=problem)
    return ungraded_result(assignment, source, Status.INTERNAL_ERROR, Failure.of("internal", sentence))


def ungraded_result(assignment: Assignment, source: Source, status: Status, failure: Failure) -> SubmissionResult:
    """Returns a result with no tests run: a status and the reason, scoring 0."""
    return SubmissionResult(
        student=source.student,
        assignment=assignment.name,
        score=0.0,
        max_score=assignment.points,
        status=status,
        status_message=failure.message,
        tests=(),
        grader_version=__version__,
        submission_sha256=_sha256(source.path),
        failure=failure,
    )


def fingerprint(assignment: Assignment, path: Path | None) -> str:
    """Returns what identifies a grading: grader version, assignment digest and the submission's bytes."""
    parts = (__version__, assignment.digest, _sha256(path))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class _Clock:
    """Measures consecutive phases of grading one submission."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.laps[phase] = now - self._last
        self._last = now


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()
