"""Returns a SubmissionResult for one submission: load it in a worker, run the tests, score, plot."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import __version__, scoring
from grader.assignment import Assignment, load_reference
from grader.plotdata import build_plot
from grader.plugin import GradingPlugin
from grader.remote import RemoteSubmission
from grader.results import Failure, Status, SubmissionResult
from grader.sandbox import Launcher, Reply, Worker, popen_launcher


@dataclass(frozen=True)
class Source:
    """A submission to grade: whose it is and which file holds it (None when none was found)."""

    student: str
    path: Path | None


def grade(
    assignment: Assignment,
    source: Source,
    *,
    tests: Path | None = None,
    with_plots: bool = True,
    launcher: Launcher = popen_launcher,
) -> SubmissionResult:
    """Returns the graded result; a broken submission is a result with a status, never an exception."""
    started = time.monotonic()
    reference = load_reference(assignment.reference_file)
    tests = tests or assignment.hidden_tests
    failure: Failure | None
    if source.path is None or not source.path.is_file():
        status, failure = (
            Status.MISSING_FILE,
            Failure(
                kind="unavailable",
                message=f"no file named {assignment.submission_file} was found in the submission.",
            ),
        )
        plugin = GradingPlugin(None, failure, reference, assignment.seed)
        exit_code = run_pytest(tests, plugin)
        return _result(assignment, source, plugin, exit_code, status, failure, "", (), started)

    with Worker(source.path, assignment.submission_file, assignment.limits, launcher) as worker:
        load = worker.load()
        status, failure = load_status(load, assignment)
        submission = RemoteSubmission(worker, reference) if status is Status.GRADED else None
        plugin = GradingPlugin(submission, failure, reference, assignment.seed)
        exit_code = run_pytest(tests, plugin)
        plots = tuple(build_plot(spec, reference, submission) for spec in assignment.plots) if with_plots else ()
        if status is Status.GRADED and worker.seconds_used >= assignment.limits.total_seconds:
            status, failure = (
                Status.TIMEOUT,
                Failure(
                    kind="limit",
                    message=f"your code used up the time limit for the whole submission "
                    f"({assignment.limits.total_seconds:g} s); tests that came after scored 0.",
                ),
            )
        return _result(assignment, source, plugin, exit_code, status, failure, worker.output, plots, started)


def load_status(load: Reply, assignment: Assignment) -> tuple[Status, Failure | None]:
    """Returns the status and, when it failed, the student-facing reason from the reply to loading."""
    file = assignment.submission_file
    if load.ok:
        return Status.GRADED, None
    if load.limit in ("time", "total_time"):
        return Status.TIMEOUT, Failure(
            kind="limit",
            message=f"loading {file} took longer than {assignment.limits.call_seconds:g} s. Code at the top "
            f"level of the file runs when it is loaded: move long work into functions or under "
            f'if __name__ == "__main__":.',
        )
    error = load.error or {}
    line, code = error.get("line"), error.get("code")
    exception = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    where = f" at line {line}" if line else ""
    if load.limit == "memory":
        return Status.MEMORY_LIMIT, Failure(
            kind="limit",
            exception=exception,
            line=line,
            code=code,
            message=f"loading {file} needed more than {assignment.limits.memory_mb} MB of memory{where}.",
        )
    if error.get("type") in ("SyntaxError", "IndentationError", "TabError"):
        return Status.SYNTAX_ERROR, Failure(
            kind="error",
            exception=exception,
            line=line,
            code=code,
            message=f"Python could not read {file}: {error.get('message', 'invalid syntax')}{where}.",
        )
    if error.get("type") == "SystemExit":
        return Status.IMPORT_ERROR, Failure(
            kind="error",
            exception=exception,
            line=line,
            code=code,
            message=f"{file} called sys.exit() or exit(){where} while it was being loaded, which stops any "
            f'program that imports it. Remove it, or move it under if __name__ == "__main__":.',
        )
    if load.error is not None:
        return Status.IMPORT_ERROR, Failure(
            kind="error",
            exception=exception,
            line=line,
            code=code,
            message=f"running the top level of {file} raised {exception}{where}.",
        )
    return Status.CRASHED, Failure(
        kind="error",
        exception=load.crash,
        message=f"the process running {file} stopped while loading it: {load.crash}. "
        f"Calls such as os._exit() or a crash inside a library do this.",
    )


def run_pytest(tests: Path, plugin: GradingPlugin) -> int:
    """Returns pytest's exit code for a quiet, isolated run of `tests` with the grading plugin."""
    args = [
        str(tests),
        "-p",
        "pytest_jsonreport.plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "--json-report",
        "--json-report-file=none",
        "--json-report-omit",
        "traceback",
        "streams",
        "log",
        "keywords",
        "warnings",
        "--noconftest",
        "--assert=plain",
        "--import-mode=importlib",
        "-c",
        os.devnull,
        "--rootdir",
        str(tests),
        "-q",
        "--strict-markers",
        "-W",
        "ignore::DeprecationWarning",
    ]
    sink = io.StringIO()
    with _plugins_autoload_disabled(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return int(pytest.main(args, plugins=[plugin]))


@contextlib.contextmanager
def _plugins_autoload_disabled() -> Any:
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
    plugin: GradingPlugin,
    exit_code: int,
    status: Status,
    failure: Failure | None,
    output: str,
    plots: tuple[Any, ...],
    started: float,
) -> SubmissionResult:
    tests = scoring.score_tests(plugin.collected, scoring.outcomes_from_report(plugin.report), plugin.failures)
    broken = scoring.collection_errors(plugin.report)
    if exit_code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or broken or not tests:
        status, failure = (
            Status.INTERNAL_ERROR,
            Failure(
                kind="internal",
                message="the grader could not run its tests (pytest exit code "
                f"{exit_code}{', could not collect ' + ', '.join(broken) if broken else ''}). "
                "This is not your mistake: tell your instructor.",
            ),
        )
    return SubmissionResult(
        student=source.student,
        assignment=assignment.name,
        score=scoring.total(tests),
        max_score=assignment.points,
        status=status,
        status_message=failure.message if failure else "graded: every test ran.",
        tests=tests,
        grader_version=__version__,
        output=output,
        plots=plots,
        seconds=time.monotonic() - started,
        submission_sha256=_sha256(source.path),
        failure=failure,
    )


def _sha256(path: Path | None) -> str:
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def grade_safely(assignment: Assignment, source: Source, **options: Any) -> SubmissionResult:
    """Returns grade()'s result, or an internal_error result if the grader itself failed: a batch goes on."""
    started = time.monotonic()
    try:
        return grade(assignment, source, **options)
    except Exception as error:  # noqa: BLE001 - one grader bug must not lose the rest of a batch
        failure = Failure(
            kind="internal",
            message=f"the grader failed while grading this submission ({type(error).__name__}: {error}). "
            "This is not your mistake: tell your instructor.",
        )
        return SubmissionResult(
            student=source.student,
            assignment=assignment.name,
            score=0.0,
            max_score=assignment.points,
            status=Status.INTERNAL_ERROR,
            status_message=failure.message,
            tests=(),
            grader_version=__version__,
            seconds=time.monotonic() - started,
            submission_sha256=_sha256(source.path),
            failure=failure,
        )
