"""Returns SubmissionResults from what grading saw, or for a submission that could not be graded."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader import __version__
from grader.assignment import Assignment
from grader.grading import scoring
from grader.grading.plugin import TestRun
from grader.grading.scoring import CollectedTest
from grader.results import Diagnosis, Failure, MissingFunction, Plot, Status, SubmissionResult
from grader.text import N_, Text, text

GRADED_MESSAGE = N_("graded: every test ran.")


@dataclass(frozen=True)
class Source:
    """A submission to grade: whose it is and which file holds it (None when none was found)."""

    student: str
    path: Path | None
    name: str = ""
    """The student's name as an LMS download gives it; "" when submissions are named by id alone."""
    late: bool = False
    """The LMS marked the submission late."""
    submitted_at: datetime | None = None
    """When the LMS recorded the submission, when it says (with its offset)."""
    superseded: tuple[str, ...] = ()
    """The student's other files that were not graded (older resubmissions), by their names in the download."""
    refused: str = ""
    """Why the student's files could not be taken safely from their archive; "" when they could."""


@dataclass
class Observed:
    """What grading one submission saw, gathered phase by phase until it becomes a result."""

    status: Status
    failure: Failure | None
    run: TestRun
    output: str = ""
    warnings: tuple[str, ...] = ()
    plots: tuple[Plot, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    missing_functions: tuple[MissingFunction, ...] = ()
    defined_functions: tuple[str, ...] = ()
    numpy_version: str = ""


def graded_result(
    assignment: Assignment, source: Source, collected: list[CollectedTest], observed: Observed, started: float
) -> SubmissionResult:
    """Returns the result of a submission whose tests ran (or were all failed for one reason)."""
    tests = scoring.score_tests(collected, observed.run.outcomes, observed.run.failures)
    lms = lms_fields(assignment, source)
    return SubmissionResult(
        student=source.student,
        assignment=assignment.name,
        score=scoring.total(tests) * (1 - lms["late_penalty_percent"] / 100),
        max_score=assignment.points,
        status=observed.status,
        status_message=observed.failure.message if observed.failure else GRADED_MESSAGE,
        tests=tests,
        grader_version=__version__,
        output=observed.output,
        warnings=observed.warnings,
        plots=observed.plots,
        seconds=time.monotonic() - started,
        submission_sha256=sha256_of(source.path),
        failure=observed.failure,
        fingerprint=fingerprint(assignment, source.path),
        timings=tuple(observed.timings.items()),
        diagnoses=observed.diagnoses,
        assignment_digest=assignment.digest,
        graded_at=graded_now(),
        **lms,
        missing_functions=observed.missing_functions,
        defined_functions=observed.defined_functions,
        numpy_version=observed.numpy_version or numpy_version(),
    )


def lms_fields(assignment: Assignment, source: Source) -> dict[str, Any]:
    """Returns what a result keeps of the LMS: the name, lateness and its penalty, the files not graded."""
    late = assignment.late.is_late(source.late, source.submitted_at)
    return {
        "name": source.name,
        "late": late,
        "late_penalty_percent": assignment.late.penalty_percent(late, source.submitted_at),
        "superseded": source.superseded,
    }


def internal_error_result(assignment: Assignment, source: Source, problem: Text) -> SubmissionResult:
    """Returns the result for a submission the grader itself failed to grade: status internal_error."""
    sentence = text(N_("{problem}. This is not your mistake: tell your instructor."), problem=problem)
    return ungraded_result(assignment, source, Status.INTERNAL_ERROR, Failure.of("internal", sentence))


def missing_result(assignment: Assignment, student: str) -> SubmissionResult:
    """Returns the result of a roster student who handed in nothing: status missing, score 0."""
    failure = Failure.of(
        "unavailable",
        text(N_("no submission of yours was found, so it scores 0. If you did hand one in, tell your instructor.")),
    )
    return ungraded_result(assignment, Source(student, None), Status.MISSING, failure)


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
        submission_sha256=sha256_of(source.path),
        failure=failure,
        assignment_digest=assignment.digest,
        graded_at=graded_now(),
        **(lms_fields(assignment, source) | {"late_penalty_percent": 0.0}),
        numpy_version=numpy_version(),
    )


def numpy_version() -> str:
    """Returns the NumPy version of this environment, which the workers it starts run with too."""
    import numpy

    return str(numpy.__version__)


def fingerprint(assignment: Assignment, path: Path | None) -> str:
    """Returns what identifies a grading: grader version, assignment digest and the submission's bytes."""
    parts = (__version__, assignment.digest, sha256_of(path))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def graded_now() -> str:
    """Returns the current UTC time as results.json records it (ISO 8601, microseconds, sortable as text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def sha256_of(path: Path | None) -> str:
    """Returns the hex SHA-256 of the file's bytes, read in chunks; "" when there is no file."""
    if path is None or not path.is_file() or path.is_symlink():  # a link's target must not reach any output
        return ""
    with path.open("rb") as file:  # in chunks: a submission may be any size, and is never held whole here
        return hashlib.file_digest(file, "sha256").hexdigest()
