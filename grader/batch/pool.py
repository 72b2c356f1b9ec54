"""Grades many submissions, in parallel when asked, writing each student's reports and the gradebook.

Each grading process runs one pytest session over a stream of submissions taken from a shared queue
and writes each student's reports itself; the parent only counts, so its memory does not grow with
the class. A rerun into the same folder skips submissions whose fingerprint is unchanged.
"""

from __future__ import annotations

import csv
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.assignment import Assignment
from grader.batch.resume import Change, changes, to_grade
from grader.batch.store import Finished, RunFolder
from grader.exports.gradebook import GradebookRow, spreadsheet_text
from grader.exports.lms import Roster
from grader.exports.round_trip import LmsExport
from grader.grading.grade import SharedForkServer, grade_stream, ready_to_fork, shared_fork_server
from grader.grading.outcomes import Source, internal_error_result, missing_result
from grader.grading.parallel import in_processes
from grader.reports.plotcache import SvgCache
from grader.reports.summary import SummaryEntry
from grader.results import SubmissionResult
from grader.sandbox.isolation import Isolation
from grader.text import N_, text


@dataclass(frozen=True, slots=True)
class Graded:
    """What a grading process reports to the parent about one submission: small, whatever the class size."""

    row: GradebookRow
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds per phase, including drawing, rendering and "total", for the benchmark's profile."""
    entry: SummaryEntry | None = None
    """What the class summary needs: each test's outcome and the named mistakes' ids."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "timings", {sys.intern(phase): s for phase, s in self.timings.items()})

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent from a grading process, a Graded is rebuilt through __init__: its phase names are shared.
        return type(self), (self.row, self.timings, self.entry)


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did, for the CLI's closing lines."""

    finished: Finished
    """The gradebook, changes and class summary written, as store.py finishes every run."""
    skipped: int = 0
    """Results kept from an earlier run into the same OUT: unchanged, not graded again."""
    graded: tuple[Graded, ...] = ()
    """What this run graded, in the order it finished."""

    @property
    def rows(self) -> tuple[GradebookRow, ...]:
        return self.finished.rows

    @property
    def gradebook(self) -> Path:
        return self.finished.gradebook

    @property
    def changed(self) -> tuple[Change, ...]:
        return self.finished.changed

    @property
    def by_status(self) -> dict[str, int]:
        return self.finished.by_status


class Interrupted(Exception):
    """Ctrl-C stopped a batch; finished results are on disk and the next run resumes from them."""

    def __init__(self, finished: int, total: int):
        super().__init__(f"interrupted after {finished} of {total} submissions")
        self.finished = finished
        self.total = total


def grade_batch(
    assignment: Assignment,
    sources: Sequence[Source],
    out: Path,
    jobs: int = 1,
    force: bool = False,
    on_progress: Callable[[int, int], None] = lambda finished, total: None,
    missing: Sequence[str] = (),
    roster: Roster | None = None,
    language: str = "en",
    isolation: Isolation | None = None,
    export: LmsExport | None = None,
    summary_language: str | None = None,
) -> BatchSummary:
    """Returns the summary after grading every source that needs it; results depend on neither `jobs`
    nor the order of `sources`. Raises Interrupted on Ctrl-C, after stopping every worker.

    Each student in `missing` (on the roster, no submission) gets a result with status missing; the
    gradebook gets `roster`'s id and name columns. Each student's reports go in their folder of OUT
    (store.py). `on_progress` gets (finished, total) before grading, finished counting the results kept
    from an earlier run, then after each submission graded. Workers run at `isolation` (None: the
    strongest this machine allows), in every grading process. `export`: the LMS whose import and feedback
    files the run writes (store.py). `summary_language`: the class summary's (None: `language`, the reports')."""
    out.mkdir(parents=True, exist_ok=True)
    run = RunFolder.of(out, [s.student for s in sources] + list(missing))
    previous = run.previous()
    todo = to_grade(assignment, sources, previous, force=force, language=language)
    regrading = {s.student for s in todo}
    kept = [previous[s.student] for s in sources if s.student not in regrading]
    total = len(sources) + len(missing)
    graded: list[Graded] = []

    def collect(item: Graded) -> None:
        graded.append(item)
        on_progress(len(kept) + len(graded), total)

    on_progress(len(kept), total)
    write = _writer(assignment, run, language)
    _grade(assignment, todo, jobs, isolation, write, collect)
    for student in missing:
        collect(write(missing_result(assignment, student)))
    rows = [GradebookRow.from_stored(stored) for stored in kept] + [item.row for item in graded]
    entries = [stored.entry for stored in kept] + [item.entry for item in graded if item.entry is not None]
    found = changes(previous, [item.row for item in graded])
    finished = run.finish(
        assignment, rows, entries, found, roster=roster, language=summary_language or language, export=export
    )
    return BatchSummary(finished, len(kept), tuple(graded))


def _writer(assignment: Assignment, run: RunFolder, language: str) -> Callable[[SubmissionResult], Graded]:
    """Returns what writes a result's reports into the run folder and gives back what the parent keeps of it."""
    svg_cache = run.svg_cache()

    def write(result: SubmissionResult) -> Graded:
        timings = dict(result.timings) | run.write_reports(result, assignment, language, svg_cache)
        timings["total"] = result.seconds + timings["draw plots"] + timings["render reports"]
        return Graded(GradebookRow.from_result(result), timings, SummaryEntry.from_result(result, language))

    return write


def _work(
    assignment: Assignment,
    write: Callable[[SubmissionResult], Graded],
    isolation: Isolation | None,
    sources: Iterator[Source],
    put: Callable[[Graded], None],
    fork_server: SharedForkServer | None = None,
) -> None:
    """What a grading process does: grades its stream of sources, writing each student's reports as it goes."""
    grade_stream(assignment, sources, lambda result: put(write(result)), isolation=isolation, fork_server=fork_server)


def _grade(
    assignment: Assignment,
    todo: Sequence[Source],
    jobs: int,
    isolation: Isolation | None,
    write: Callable[[SubmissionResult], Graded],
    emit: Callable[[Graded], None],
) -> None:
    """Grades `todo` here (one job) or in `jobs` grading processes, emitting each Graded in this process;
    raises Interrupted on Ctrl-C."""
    finished: set[str] = set()
    work = functools.partial(_work, assignment, write, isolation)

    def record(item: Graded) -> None:
        finished.add(item.row.student)
        emit(item)

    try:
        if jobs <= 1 or len(todo) <= 1:
            work(iter(todo), record)
        else:
            ready_to_fork(assignment)
            SvgCache.ready_to_draw()
            with shared_fork_server(isolation) as shared:
                share = functools.partial(work, fork_server=shared)
                in_processes(todo, min(jobs, len(todo)), share, record, lambda item: item.row.student)
    except KeyboardInterrupt:
        raise Interrupted(len(finished), len(todo)) from None
    # A grading process that died took its current submission with it: every submission still gets a row.
    stopped = text(N_("the grading process stopped while grading this"))
    for source in todo:
        if source.student not in finished:
            record(write(internal_error_result(assignment, source, stopped)))


def write_timings(graded: Sequence[Graded], path: Path) -> None:
    """Writes seconds per phase for each graded submission, sorted by student: where the time goes."""
    phases = sorted({phase for item in graded for phase in item.timings})
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(["student", "status", *phases])
        for item in sorted(graded, key=lambda g: g.row.student):
            seconds = [f"{item.timings.get(p, 0.0):.4f}" for p in phases]
            writer.writerow([spreadsheet_text(item.row.student), item.row.status, *seconds])


def default_jobs() -> int:
    """Returns the number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
