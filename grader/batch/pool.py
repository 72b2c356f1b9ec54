"""Grades many submissions, in parallel when asked, writing each student's reports and the gradebook.

Each grading process runs one pytest session over a stream of submissions taken from a shared queue
and writes each student's reports itself; the parent only counts, so its memory does not grow with
the class. A rerun into the same folder skips submissions whose fingerprint is unchanged.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.assignment import Assignment
from grader.batch.ids import report_folders
from grader.batch.resume import Change, changes, read_previous, write_changes
from grader.exports.gradebook import GradebookRow, spreadsheet_text, write_gradebook
from grader.grading.diagnosis import mistake_titles
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source, fingerprint, internal_error_result, missing_result
from grader.grading.parallel import in_processes
from grader.reports.plotcache import SvgCache
from grader.reports.student import write_reports
from grader.reports.summary import SummaryEntry, read_entry, write_summary
from grader.results import Status, SubmissionResult
from grader.text import N_, text

CACHE_FOLDER = ".cache"
"""Under OUT: drawn plots shared by the grading processes and by later runs."""


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
    """What a batch did, for the CLI's closing line."""

    rows: tuple[GradebookRow, ...]
    gradebook: Path
    skipped: int = 0
    changed: tuple[Change, ...] = ()
    graded: tuple[Graded, ...] = ()

    @property
    def by_status(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {status.value: counts[status.value] for status in Status if counts[status.value]}


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
    on_done: Callable[[GradebookRow], None] = lambda row: None,
    missing: Sequence[str] = (),
    write_rows: Callable[[list[GradebookRow], Path], None] = write_gradebook,
    language: str = "en",
) -> BatchSummary:
    """Returns the summary after grading every source that needs it; results depend on neither `jobs`
    nor the order of `sources`. Raises Interrupted on Ctrl-C, after stopping every worker.

    Each student in `missing` (on the roster, no submission) gets a result with status missing.
    `write_rows` writes the gradebook (an LMS's needs another one, see roster.py). Each student's reports
    go in OUT/<folder>, a folder no other id and no file of the grader's can clash with (ids.py)."""
    out.mkdir(parents=True, exist_ok=True)
    folders = report_folders([s.student for s in sources] + list(missing))
    previous = read_previous(out, [s.student for s in sources] + list(missing), folders)
    todo = [
        s
        for s in sources
        if force or s.student not in previous or previous[s.student].fingerprint != fingerprint(assignment, s.path)
    ]
    # Kept results keep their reports; reports in another language than asked are written anew.
    pending = {s.student for s in todo}
    kept_entries = {s.student: read_entry(out / folders[s.student]) for s in sources if s.student not in pending}
    todo += [s for s in sources if s.student in kept_entries and _language(kept_entries[s.student]) != language]
    regrading = {s.student for s in todo}
    kept = [previous[s.student].row for s in sources if s.student not in regrading]
    for row in kept:
        on_done(row)
    graded: list[Graded] = []

    def collect(item: Graded) -> None:
        graded.append(item)
        on_done(item.row)

    if jobs <= 1 or len(todo) <= 1:
        _grade_here(assignment, todo, out, collect, language, folders)
    else:
        _grade_in_processes(assignment, todo, out, min(jobs, len(todo)), collect, language, folders)
    write_missing = _writer(assignment, out, collect, language, folders)
    for student in missing:
        write_missing(missing_result(assignment, student))
    rows = kept + [item.row for item in graded]
    gradebook = out / "gradebook.csv"
    write_rows(rows, gradebook)
    found = changes(previous, [item.row for item in graded])
    if found or (out / "changes.csv").exists():
        write_changes(found, out / "changes.csv")
    entries = [e for s in sources if s.student not in regrading and (e := kept_entries.get(s.student))]
    entries += [item.entry for item in graded if item.entry is not None]
    titles, locale = mistake_titles(assignment), [assignment.locale]
    write_summary(entries, out, assignment.title, titles, language=language, locale_dirs=locale, folders=folders)
    return BatchSummary(tuple(rows), gradebook, len(kept), tuple(found), tuple(graded))


def _language(entry: SummaryEntry | None) -> str | None:
    return entry.language if entry is not None else None


def _writer(
    assignment: Assignment,
    out: Path,
    emit: Callable[[Graded], None],
    language: str = "en",
    folders: Mapping[str, str] | None = None,
) -> Callable[[SubmissionResult], None]:
    svg_cache = SvgCache(out / CACHE_FOLDER / "svg")
    folders = folders if folders is not None else {}

    def write(result: SubmissionResult) -> None:
        reports = out / folders.get(result.student, result.student)
        locale = [assignment.locale]
        timings = dict(result.timings) | write_reports(
            result, assignment.title, reports, svg_cache, language=language, locale_dirs=locale
        )
        timings["total"] = result.seconds + timings["draw plots"] + timings["render reports"]
        emit(Graded(GradebookRow.from_result(result), timings, SummaryEntry.from_result(result, language)))

    return write


def _grade_here(
    assignment: Assignment,
    todo: Sequence[Source],
    out: Path,
    emit: Callable[[Graded], None],
    language: str = "en",
    folders: Mapping[str, str] | None = None,
) -> None:
    done: list[str] = []

    def record(item: Graded) -> None:
        done.append(item.row.student)
        emit(item)

    try:
        grade_stream(assignment, todo, _writer(assignment, out, record, language, folders))
    except KeyboardInterrupt:
        raise Interrupted(len(done), len(todo)) from None


def _grade_in_processes(
    assignment: Assignment,
    todo: Sequence[Source],
    out: Path,
    jobs: int,
    emit: Callable[[Graded], None],
    language: str = "en",
    folders: Mapping[str, str] | None = None,
) -> None:
    finished: list[str] = []

    def record(item: Graded) -> None:
        finished.append(item.row.student)
        emit(item)

    def work(sources: Iterator[Source], put: Callable[[Graded], None]) -> None:
        grade_stream(assignment, sources, _writer(assignment, out, put, language, folders))

    try:
        returned = in_processes(todo, jobs, work, record, lambda item: item.row.student)
    except KeyboardInterrupt:
        raise Interrupted(len(finished), len(todo)) from None
    # A grading process that died took its current submission with it: every submission still gets a row.
    write = _writer(assignment, out, emit, language, folders)
    for source in todo:
        if source.student not in returned:
            stopped = text(N_("the grading process stopped while grading this"))
            write(internal_error_result(assignment, source, stopped))


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
