"""Returns SubmissionResults: loads each submission in a worker, runs the tests, scores, plots.

One pytest session grades a whole stream of submissions (`grade_stream`), so pytest's start-up and
collection are paid once per grading process, not once per submission.
"""

from __future__ import annotations

import contextlib
import dataclasses
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, load_reference
from grader.grading import notebooks
from grader.grading.diagnosis import diagnose, load_diagnoses
from grader.grading.feedback import failed_imports, kept_status, load_status, raised_at_top_level, too_large
from grader.grading.missing import missing_functions, required_functions
from grader.grading.models import load_models
from grader.grading.outcomes import Observed, Source, graded_result, internal_error_result, sha256_of
from grader.grading.plotdata import build_plots
from grader.grading.plugin import GradingPlugin, TestRun, submission_inputs_key
from grader.grading.proof import Evidence
from grader.grading.proxy import RemoteSubmission
from grader.grading.redefinitions import redefinition_note
from grader.grading.scoring import CollectedTest
from grader.grading.session import run_pytest
from grader.results import Diagnosis, Failure, MissingFunction, Status, SubmissionResult
from grader.sandbox.client import Reply, Worker

# Batches and the audit start one fork server for all their grading processes through here (grading owns how
# workers start: the layers above it reach the sandbox only for its isolation levels).
from grader.sandbox.forkserver import SharedForkServer as SharedForkServer
from grader.sandbox.forkserver import shared_fork_server as shared_fork_server
from grader.sandbox.isolation import Isolation
from grader.sandbox.launchers import ForkServerLauncher, Launcher
from grader.text import N_, Text, text


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
    isolation: Isolation | None = None,
    fork_server: SharedForkServer | None = None,
    inputs_key: Callable[[Source], str] | None = None,
    on_evidence: Callable[[Source, Mapping[str, tuple[Evidence, ...]]], None] | None = None,
) -> None:
    """Calls on_result once per source, in order, with its result; never raises for a student's mistake.

    Workers start from `launcher`; without one, from `fork_server` (a batch's, shared by its grading processes)
    or a fork server of this session's own at `isolation` (None: the strongest this machine allows). Each
    result records the level its worker ran at.

    Seeded inputs are each submission's own (a digest of the course's secret and its bytes); `inputs_key`
    gives a source the inputs of the key it returns instead, so `grader audit` can grade one file under
    many seeds. `on_evidence`, when given, gets the calls each failed test made and what came back, before
    the source's result (grader.grading.proof).

    A broken submission is a result with a status. If the tests themselves cannot be collected, every
    source gets an internal_error result. KeyboardInterrupt propagates after the worker is killed.
    """
    if launcher is not None and isolation is not None:
        raise TypeError("pass a launcher or an isolation, not both: a launcher has its own")
    reference = load_reference(assignment.reference_file)
    own_launcher = launcher is None
    launcher = launcher or ForkServerLauncher(isolation, shared=fork_server)
    if own_launcher:
        launcher.warm()  # the fork server starts while pytest collects the hidden tests
    pending: Iterator[Source] = iter(sources)

    def drive(plugin: GradingPlugin) -> None:
        for source in pending:
            key = inputs_key(source) if inputs_key is not None else None
            result, evidence = _grade_in_session(assignment, source, plugin, reference, launcher, with_plots, key)
            if on_evidence is not None:
                on_evidence(source, evidence)
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


def ready_to_fork(assignment: Assignment) -> None:
    """Loads what every grading process of `assignment` uses (its reference, models and probes, the notebook
    reader) in this process, about to fork them: their pages are then shared instead of loaded in each."""
    load_reference(assignment.reference_file)
    if assignment.mutants_file is not None:
        load_models(assignment.mutants_file, assignment.reference_file)
    if assignment.diagnoses_file is not None:
        load_diagnoses(assignment.diagnoses_file)
    notebooks.ready_to_read()


def _grade_in_session(
    assignment: Assignment,
    source: Source,
    plugin: GradingPlugin,
    reference: Any,
    launcher: Launcher,
    with_plots: bool,
    inputs_key: str | None = None,
) -> tuple[SubmissionResult, Mapping[str, tuple[Evidence, ...]]]:
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as stack:
            loadable = _python_file(assignment, source, stack)
            if isinstance(loadable[0], Path):
                file, positions = loadable
                worker = stack.enter_context(Worker(file, assignment.submission_file, assignment.limits, launcher))
                key = inputs_key or submission_inputs_key(assignment.secret, sha256_of(source.path))
                graded = _graded_in_worker(
                    assignment, worker, plugin, reference, with_plots, key, positions, source.path
                )
            else:
                status, failure = loadable
                graded = Observed(status, failure, plugin.run(None, failure))
                graded.timings["tests"] = time.monotonic() - started
            return graded_result(assignment, source, plugin.collected, graded, started), graded.run.evidence
    except KeyboardInterrupt:
        raise
    except Exception as error:  # noqa: BLE001 - one grader bug must not lose the rest of a batch
        failed = text(N_("the grader failed ({error})"), error=f"{type(error).__name__}: {error}")
        return internal_error_result(assignment, source, failed), {}


def _python_file(
    assignment: Assignment, source: Source, stack: contextlib.ExitStack
) -> tuple[Path, notebooks.Positions | None] | tuple[Status, Failure]:
    """Returns the Python file a worker loads for the submission, or the status and reason it cannot have one.

    A notebook becomes Python here, in the trusted process (kept until `stack` closes): the worker only
    ever loads Python. With the file comes, for a notebook, where each of its lines came from.
    """
    if source.refused:
        sentence = text(
            N_("your files could not be taken safely from the archive you handed in ({reason}); nothing was graded."),
            reason=source.refused,
        )
        return Status.REFUSED, Failure.of("unavailable", sentence)
    if source.path is not None and (refused := _not_a_regular_file(source.path)) is not None:
        return Status.MISSING_FILE, Failure.of("unavailable", refused)
    if source.path is None or not source.path.is_file():
        sentence = text(N_("no file named {file} was found in the submission."), file=assignment.submission_file)
        return Status.MISSING_FILE, Failure.of("unavailable", sentence)
    size = source.path.stat().st_size  # before reading anything: a submission may be any size
    if not notebooks.is_notebook(source.path) and size > assignment.submission_kb * 1024:
        return too_large(assignment, size)
    try:
        return stack.enter_context(notebooks.loadable_file(source.path))
    except notebooks.UnreadableNotebook as unreadable:
        return Status.SYNTAX_ERROR, Failure.of("error", text(str(unreadable)))


def _not_a_regular_file(path: Path) -> Text | None:
    """Returns why `path` cannot be graded when it is a link or a special file; never opens or follows it.

    A link could point at the reference or a file only the grader may read: nothing of its target may
    reach a report. A pipe or device could block the grader or feed it endless data.
    """
    try:
        mode = path.lstat().st_mode
    except OSError:
        return None  # missing: reported as such
    if stat.S_ISLNK(mode):
        return text(N_("{file} is a symbolic link: submit the file itself."), file=path.name)
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        return text(
            N_("{file} is not a regular file (a pipe, device or socket): submit the file itself."), file=path.name
        )
    return None


def _graded_in_worker(
    assignment: Assignment,
    worker: Worker,
    plugin: GradingPlugin,
    reference: Any,
    with_plots: bool,
    inputs_key: str,
    positions: notebooks.Positions | None = None,
    handed_in: Path | None = None,
) -> Observed:
    """Returns what loading, testing, diagnosing and plotting the submission in `worker` saw (`handed_in`:
    the file the student handed in, whose name its reasons use)."""
    clock = _Clock()
    loaded = worker.load()
    status, failure = _load_status(assignment, worker, loaded, positions, handed_in.name if handed_in else "")
    clock.lap("worker start")
    submission = RemoteSubmission(worker, reference, positions) if status is Status.GRADED else None
    if submission is not None:
        submission.failed_imports = failed_imports(loaded)
    found: tuple[tuple[MissingFunction, ...], tuple[str, ...]] = ((), ())
    if submission is not None:
        found = _missing(assignment, submission, reference)
        status, failure = _status_with(found[0], assignment, status, failure)
        clock.lap("missing functions")
    graded = Observed(status, failure, plugin.run(submission, failure, inputs_key))
    graded.missing_functions, graded.defined_functions = found if found[0] else ((), ())
    graded.numpy_version = str(loaded.value.get("numpy", "")) if isinstance(loaded.value, dict) else ""
    clock.lap("tests")
    diagnoses = _diagnoses(assignment, graded.run, submission, reference, plugin.collected)
    if diagnoses is not None:
        graded.diagnoses = diagnoses
        clock.lap("diagnoses")
    if with_plots and status is not Status.MISSING_FUNCTIONS:  # nothing of theirs to draw
        graded.plots = tuple(build_plots(assignment.plots, reference, submission))
        clock.lap("plot data")
    if submission is not None and (used_up := _budget_used_up(assignment, worker)) is not None:
        graded.status, graded.failure = Status.TIMEOUT, Failure.of("limit", used_up)
    # Stopped first: its output pipe is then read to the end. Read while the worker still runs, the
    # reader thread may not have caught up on a loaded machine, and a report would miss what it printed.
    worker.close()
    graded.output, graded.warnings, graded.timings = worker.output, worker.warnings, clock.laps
    return graded


_USED_UP_CPU = N_(
    "your code used up the time limit for the whole submission ({seconds} s); tests that came after scored 0."
)
_USED_UP_WALL = N_(
    "your code used up the wall-clock time for the whole submission ({seconds} s); tests that came after scored 0."
)


def _budget_used_up(assignment: Assignment, worker: Worker) -> Text | None:
    """Returns why the submission's whole budget, of CPU or of wall-clock time, ran out; None while it lasts."""
    limits = assignment.limits
    if worker.seconds_used >= limits.total_seconds:
        return text(_USED_UP_CPU, seconds=f"{limits.total_seconds:g}")
    if worker.wall_used >= limits.total_wall_seconds:
        return text(_USED_UP_WALL, seconds=f"{limits.total_wall_seconds:g}")
    return None


def _load_status(
    assignment: Assignment, worker: Worker, loaded: Reply, positions: notebooks.Positions | None, file_name: str
) -> tuple[Status, Failure | None]:
    """Returns load_status, or for a Python file whose top level raised, kept_status of what it defined."""
    status, failure = load_status(loaded, assignment, positions, file_name)
    if status is Status.GRADED and (raised := raised_at_top_level(loaded)) is not None:
        defined = RemoteSubmission(worker, None, positions).defined_functions()
        to_write = [f.name for f in required_functions(assignment.starter) if f.to_write] or defined  # no starter
        status, failure = kept_status(raised, assignment, [name for name in to_write if name in defined], file_name)
    if status is Status.GRADED and failure is None and positions is not None:
        to_write = [f.name for f in required_functions(assignment.starter) if f.to_write]
        failure = redefinition_note(loaded, to_write, positions)
    return status, failure


def _missing(
    assignment: Assignment, submission: RemoteSubmission, reference: Any
) -> tuple[tuple[MissingFunction, ...], tuple[str, ...]]:
    """Returns the required functions the submission lacks (with stand-ins) and the functions it defines."""
    required = required_functions(assignment.starter)
    if not required:
        return (), ()
    defined = submission.defined_functions()
    if all(function.name in defined for function in required):
        return (), tuple(defined)
    return missing_functions(required, defined, submission, reference), tuple(defined)


def _status_with(
    missing: tuple[MissingFunction, ...], assignment: Assignment, status: Status, failure: Failure | None
) -> tuple[Status, Failure | None]:
    """Returns missing_functions when the submission defines none of the functions the student writes."""
    to_write = [f.name for f in required_functions(assignment.starter) if f.to_write]
    absent = {m.name for m in missing}
    if not to_write or not all(name in absent for name in to_write):
        return status, failure
    sentence = text(
        N_("your file defines none of the functions the grader calls ({names}); see the section below."),
        names=", ".join(to_write),
    )
    return Status.MISSING_FUNCTIONS, Failure.of("missing", sentence)


def _diagnoses(
    assignment: Assignment,
    run: TestRun,
    submission: RemoteSubmission | None,
    reference: Any,
    collected: Iterable[CollectedTest],
) -> tuple[Diagnosis, ...] | None:
    """Returns the named mistakes a loaded submission's values prove; None when none was looked for."""
    failed = [nodeid for nodeid, outcome in run.outcomes.items() if outcome != "passed"]
    if submission is None or assignment.diagnoses_file is None or not failed:
        return None
    models = load_models(assignment.mutants_file, assignment.reference_file) if assignment.mutants_file else {}
    points = {test.nodeid: test.points for test in collected}
    probes = load_diagnoses(assignment.diagnoses_file)
    return diagnose(probes, failed, submission, reference, models=models, evidence=run.evidence, points=points)


class _Clock:
    """Measures consecutive phases of grading one submission."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.laps[phase] = now - self._last
        self._last = now
