"""Grades many submissions, in parallel when asked, writing each student's reports and the gradebook."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment
from grader.gradebook import GradebookRow, write_gradebook
from grader.reports import write_reports
from grader.results import Status
from grader.runner import Source, grade


@dataclass(frozen=True)
class BatchSummary:
    """What a batch did, for the CLI's closing line."""

    rows: tuple[GradebookRow, ...]
    gradebook: Path

    @property
    def by_status(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {status.value: counts[status.value] for status in Status if counts[status.value]}


def grade_and_write(assignment: Assignment, source: Source, out: Path) -> GradebookRow:
    """Returns the gradebook row for one submission after writing its reports under out/student/."""
    result = grade(assignment, source)
    write_reports(result, assignment.title, out / source.student)
    return GradebookRow.from_result(result)


def grade_batch(
    assignment: Assignment,
    sources: Sequence[Source],
    out: Path,
    jobs: int = 1,
    on_done: Callable[[GradebookRow], None] = lambda row: None,
) -> BatchSummary:
    """Returns the summary after grading every source; results do not depend on `jobs` or order."""
    out.mkdir(parents=True, exist_ok=True)
    rows: list[GradebookRow] = []
    if jobs <= 1 or len(sources) <= 1:
        for source in sources:
            rows.append(grade_and_write(assignment, source, out))
            on_done(rows[-1])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(grade_and_write, assignment, source, out) for source in sources]
            for future in futures:
                rows.append(future.result())
                on_done(rows[-1])
    gradebook = out / "gradebook.csv"
    write_gradebook(rows, gradebook)
    return BatchSummary(rows=tuple(rows), gradebook=gradebook)


def default_jobs() -> int:
    """Returns the number of cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
