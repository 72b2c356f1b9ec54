"""What grading produces: plain, frozen data that reports and gradebooks are made from."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from grader.formatting import percent
from grader.text import N_, Text, as_verbatim

DEFAULT_XLABEL = N_("step")
"""A plot's x axis when the assignment names none: the row of a run's result each point comes from."""


class Status(enum.StrEnum):
    """How far grading got with one submission. The set is fixed: reports and gradebooks rely on it."""

    GRADED = "graded"
    """The submission loaded and every test ran; its score is what its values earned."""
    MISSING_FILE = "missing_file"
    """No submission file was found where one was expected."""
    SYNTAX_ERROR = "syntax_error"
    """Python could not parse the submission."""
    IMPORT_ERROR = "import_error"
    """Running the submission's top-level code raised an exception."""
    TIMEOUT = "timeout"
    """Loading the submission, or grading it as a whole, ran past a time limit."""
    MEMORY_LIMIT = "memory_limit"
    """Loading the submission needed more memory than the limit allows."""
    CRASHED = "crashed"
    """The worker holding the submission exited or died while loading it."""
    INTERNAL_ERROR = "internal_error"
    """The grader or the hidden tests failed; the student is not at fault."""
    MISSING = "missing"
    """A student on the roster handed in nothing: no submission of theirs was found at all."""
    REFUSED = "refused"
    """The student's files could not be taken safely from their archive (links, escaping paths, too large)."""
    MISSING_FUNCTIONS = "missing_functions"
    """The submission loaded but defines none of the functions the student is asked to write."""


class Outcome(enum.StrEnum):
    """What happened to one test. Anything but PASSED scores 0 (fail closed)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    NOT_RUN = "not_run"


@dataclass(frozen=True)
class Failure:
    """Why a test did not pass, in the terms a student can act on. Never holds test source."""

    kind: str
    """One of: mismatch (wrong value), error (student code raised), limit (time, memory or output
    limit), bad_value (a value that is not plain data), unavailable (the submission did not load),
    missing (the test needs a function the file does not define), check (the test's own check failed
    with a message), internal (the grader or test is at fault)."""
    message: str
    """One or two plain sentences saying what went wrong."""
    call: str | None = None
    """The call to the student's code that produced the wrong value or failed, e.g. "f(x=1.0)"."""
    expected: str | None = None
    """The reference value (or the property it should have), formatted for reading."""
    actual: str | None = None
    """What the student's code gave, formatted the same way."""
    exception: str | None = None
    """For kind "error": the exception, e.g. "ZeroDivisionError: division by zero"."""
    line: int | None = None
    """For kind "error": the line in the student's file where the exception was raised."""
    code: str | None = None
    """For kind "error": the text of that line."""
    text: Text | None = None
    """The message as a translatable sentence; `message` is its English rendering."""
    expected_text: Text | None = None
    """`expected` as a translatable sentence, when it is a property in words rather than a value."""
    call_text: Text | None = None
    """`call` with the names of functions the grader supplied kept translatable; `call` is its English."""
    missing: str | None = None
    """For kind "missing": the name the grader looked up in the file and did not find."""
    cell: int | None = None
    """For a notebook: the code cell (counted from 1) that `line` is in; `line` is then the line in that cell."""

    @classmethod
    def of(cls, kind: str, sentence: Text, *, call: Text | str | None = None, **details: Any) -> Failure:
        """Returns a failure whose message and call are `sentence` and `call`, kept translatable for reports."""
        call_text = as_verbatim(call)
        return cls(
            kind=kind,
            message=sentence.render(),
            text=sentence,
            call=call_text.render() if call_text else None,
            call_text=call_text,
            **details,
        )


@dataclass(frozen=True)
class TestResult:
    """One collected hidden test (one parametrized case) and what it earned."""

    __test__ = False  # a result, not a test class: keeps pytest from collecting it where it is imported

    name: str
    """The test's name as students see it, e.g. "test_scale.py::test_doubles[x=-2.0]"."""
    score: float
    max_score: float
    outcome: Outcome
    message: str
    """Empty when passed; otherwise the failure's one-line message."""
    hint: str
    """What the instructor wants a student to check when this test fails."""
    failure: Failure | None = None
    about: tuple[str, ...] = ()
    """The submission's functions this test judges, as the assignment declares them."""
    pipeline: bool = False
    """The assignment declares this a test of the whole pipeline: a mistake in any function may fail it."""


DRAWABLE_MAX = 1e300
"""A plot marks larger magnitudes like inf, as "overflow": they overflow matplotlib's axis arithmetic."""


@dataclass(frozen=True)
class Series:
    """One line of a plot: y values at steps (rows of a run's result), from the student's run or the reference's."""

    label: str
    color: str
    values: tuple[float, ...]
    """May hold inf and nan: plots must stay readable then."""
    is_reference: bool
    steps: tuple[int, ...] = ()
    """The row (counted from 1) each value comes from, increasing, the run's last row last, when the run had
    more rows than a plot can show and grading reduced it (grading/decimation.py); () when every row is kept,
    the values being rows 1, 2, 3, ..."""
    xs: tuple[float, ...] = ()
    """On a path panel, the x of each value (the run's `xcolumn`), one per value; () on a series panel."""

    @property
    def length(self) -> int:
        """Returns how many rows the run had: the x axis's extent."""
        return self.steps[-1] if self.steps else len(self.values)


@dataclass(frozen=True)
class Field:
    """A function of the reference on a grid, drawn as a contour behind a path panel's paths: the same for
    every student, computed in the trusted process."""

    xrange: tuple[float, float]
    yrange: tuple[float, float]
    values: tuple[tuple[float, ...], ...]
    """values[i][j] at the i-th y and the j-th x of an evenly spaced grid over the ranges (meshgrid's order)."""
    levels: int


@dataclass(frozen=True)
class Panel:
    """One axes of a plot."""

    ylabel: str
    yscale: str
    """"linear" or "log"."""
    series: tuple[Series, ...]
    kind: str = "series"
    """"series" (values against the row) or "path" (values against each series' xs)."""
    xlabel: str = ""
    """A path panel's x axis's label; "" on a series panel (the plot's xlabel)."""
    background: Field | None = None


@dataclass(frozen=True)
class Plot:
    """A figure the assignment asks every report to show, with the data already computed."""

    title: str
    description: str
    """The text alternative: what the figure shows, for screen readers and the Markdown report."""
    panels: tuple[Panel, ...]
    notes: tuple[Text | str, ...] = ()
    """Sentences about runs that could not be drawn, e.g. the student's code raised in one run."""
    language: str = "en"
    """The language of the plot's text (title, labels, the words drawn on it); part of what is drawn."""
    xlabel: str = DEFAULT_XLABEL
    """What one step along the x axis is, in the assignment's words (e.g. "iteration"); also names the step
    where a run stops being finite."""


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake the submission's values show, with the smallest call that shows it and the fix.

    title, explanation and fix are the assignment's English text, which is also the gettext msgid a
    report looks up to show them in another language; `{name}` placeholders are filled from params.
    """

    id: str
    """Stable name of the mistake, e.g. "uphill_update": what the class summary counts."""
    title: str
    """The mistake in plain words."""
    explanation: str
    """What the values show and why it is wrong."""
    fix: str
    """What to change."""
    call: str | None = None
    """The smallest call that shows the mistake, as a student would type it."""
    expected: str | None = None
    """What the reference gives for that call, formatted for reading."""
    actual: str | None = None
    """What the student's code gave."""
    params: tuple[tuple[str, str], ...] = ()
    """Values (already formatted) filled into the texts' `{name}` placeholders."""
    tests: tuple[str, ...] = ()
    """The failed tests this mistake explains."""
    call_text: Text | None = None
    """`call` with the names of functions the grader supplied kept translatable."""

    def text(self, message: str) -> str:
        """Returns `message` (one of the texts, or its translation) with the placeholders filled."""
        return message.format(**dict(self.params)) if self.params else message


@dataclass(frozen=True)
class MissingFunction:
    """A function the grader calls by name that the submission does not define, and what could stand in."""

    name: str
    signature: str
    """How the assignment's starter declares it, e.g. "def f(a, b=1):"."""
    matches: tuple[str, ...] = ()
    """The submission's own top-level functions that return what `name` should on the grader's probe inputs."""


RESULTS_NAME = "results.json"
"""The file that holds one submission's result; written last, so its presence marks a finished one."""

TIMING_FIELDS = ("seconds", "timings", "graded_at")
"""The only results.json keys that may differ between two runs on the same inputs."""


@dataclass(frozen=True)
class SubmissionResult:
    """Everything grading one submission produced."""

    student: str
    assignment: str
    score: float
    max_score: float
    status: Status
    status_message: str
    """Plain words for the status; for a broken submission, what broke and where."""
    tests: tuple[TestResult, ...]
    grader_version: str
    output: str = ""
    """What the student's code printed, truncated at the output limit with a visible marker."""
    warnings: tuple[str, ...] = ()
    """The distinct warnings the student's functions raised while the tests called them (at most a few),
    kept apart from `output`: "line 6: RuntimeWarning: overflow encountered in scalar multiply"."""
    plots: tuple[Plot, ...] = ()
    seconds: float = 0.0
    """Wall-clock time spent grading; the only field that may differ between two identical runs."""
    submission_sha256: str = ""
    """Hash of the submission's bytes, so a result can be traced to exactly what was graded."""
    failure: Failure | None = None
    """For a submission that did not load: the exception and line that stopped it."""
    isolation: str = ""
    """How strongly the worker was isolated: "bubblewrap", "unprivileged user" or "resource limits only"."""
    fingerprint: str = ""
    """Hash of the grader's version, the assignment's digest and the submission: equal means a rerun
    would give the same result, so a batch may skip it."""
    timings: tuple[tuple[str, float], ...] = ()
    """Seconds spent per phase (worker start, tests, plots); like `seconds`, differs between runs."""
    diagnoses: tuple[Diagnosis, ...] = ()
    """The named mistakes found in the submission's values, for graded submissions that failed a test."""
    assignment_digest: str = ""
    """The assignment's digest when graded, so results from shards can be checked to come from one assignment."""
    graded_at: str = ""
    """When the result was made (UTC, ISO 8601): of two results for one student, the later one is kept."""
    name: str = ""
    """The student's name as the LMS download gave it; "" when submissions were named by id alone."""
    late: bool = False
    """The LMS marked the submission late, or recorded it past the assignment's due time."""
    late_penalty_percent: float = 0.0
    """The percent of the score taken for lateness ([late] in assignment.toml); `score` is after it."""
    superseded: tuple[str, ...] = ()
    """The student's other files that were not graded (older resubmissions), by their names in the download."""
    missing_functions: tuple[MissingFunction, ...] = ()
    """Functions the grader calls that the submission does not define, each with what could stand in."""
    defined_functions: tuple[str, ...] = ()
    """The submission's own top-level functions, by name (listed when some required function is missing)."""
    numpy_version: str = ""
    """The NumPy version the worker ran the submission with."""

    @property
    def percent(self) -> float:
        return percent(self.score, self.max_score)

    def to_json_dict(self) -> dict[str, Any]:
        """Returns results.json's content: the required keys first, details after."""
        tests = [
            {
                "name": t.name,
                "score": t.score,
                "max_score": t.max_score,
                "outcome": t.outcome.value,
                "message": t.message,
                "hint": t.hint,
                "about": list(t.about),
                "pipeline": t.pipeline,
                "failure": _failure_json(t.failure),
            }
            for t in self.tests
        ]
        return {
            "student": self.student,
            "assignment": self.assignment,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status.value,
            "status_message": self.status_message,
            "percent": round(self.percent, 2),
            "name": self.name,
            "late": self.late,
            "late_penalty_percent": self.late_penalty_percent,
            "superseded": list(self.superseded),
            "failure": _failure_json(self.failure),
            "tests": tests,
            "diagnoses": [
                {
                    "id": d.id,
                    "title": d.text(d.title),
                    "explanation": d.text(d.explanation),
                    "fix": d.text(d.fix),
                    "call": d.call,
                    "expected": d.expected,
                    "actual": d.actual,
                    "tests": list(d.tests),
                }
                for d in self.diagnoses
            ],
            "missing_functions": [
                {"name": m.name, "signature": m.signature, "matches": list(m.matches)} for m in self.missing_functions
            ],
            "defined_functions": list(self.defined_functions),
            "output": self.output,
            "warnings": list(self.warnings),
            "grader_version": self.grader_version,
            "numpy_version": self.numpy_version,
            "submission_sha256": self.submission_sha256,
            "isolation": self.isolation,
            "fingerprint": self.fingerprint,
            "assignment_digest": self.assignment_digest,
            "graded_at": self.graded_at,
            "seconds": round(self.seconds, 3),
            "timings": {phase: round(seconds, 4) for phase, seconds in self.timings},
        }


@dataclass(frozen=True)
class ReportContext:
    """What a report template receives, already decided; templates only format it."""

    result: SubmissionResult
    title: str
    """The assignment's title."""
    failed: tuple[TestResult, ...] = field(default=())
    passed: tuple[TestResult, ...] = field(default=())
    svgs: tuple[str, ...] = field(default=())
    """One inline SVG per plot in `plots`, same order."""
    language: str = "en"
    """The language the report is written in."""
    locale_dirs: tuple[Any, ...] = field(default=())
    """Folders of gettext catalogs (Paths) beside the engine's: the assignment's hints, plots, diagnoses."""
    plots: tuple[Plot, ...] = field(default=())
    """result.plots with their texts in the report's language."""


def _failure_json(failure: Failure | None) -> dict[str, Any] | None:
    """Returns a failure for results.json: its English message, without the translatable form."""
    return None if failure is None else {k: v for k, v in asdict(failure).items() if k not in _TRANSLATABLE}


_TRANSLATABLE = ("text", "expected_text", "call_text")
"""Failure fields that keep a text translatable for reports; results.json holds their English only."""
