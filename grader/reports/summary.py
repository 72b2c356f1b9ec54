"""Returns and writes the class overview for the instructor: OUT/summary.html and OUT/summary.md.

A batch keeps one small SummaryEntry per student (score, status, each test's outcome, the ids of the
named mistakes), never full results; build_summary counts them: a score histogram, the pass rate of each
test, how many students made each named mistake, the statuses, and a link to every student's report.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from grader.files import write_atomically
from grader.formatting import percent
from grader.i18n import DEFAULT_LANGUAGE, Translator, translator
from grader.reports.templating import STATUS_TITLES, environment
from grader.results import Outcome, Status, SubmissionResult

HISTOGRAM_BINS = 10
"""Bins of 10 percentage points; a full score gets a bin of its own."""


@dataclass(frozen=True, slots=True)
class SummaryEntry:
    """What the class overview needs of one student: small, whatever the number of tests' values."""

    student: str
    score: float
    max_score: float
    status: str
    outcomes: tuple[tuple[str, str], ...]
    """(test name, outcome value) per test, in the tests' order."""
    diagnoses: tuple[str, ...]
    """Ids of the named mistakes found."""
    language: str = DEFAULT_LANGUAGE
    """The language the student's reports were written in."""
    missing: tuple[str, ...] = ()
    """Names of the functions the grader calls that the submission does not define."""

    def __post_init__(self) -> None:
        # A class repeats the same few hundred (test, outcome) pairs and words thousands of times: each
        # entry holds the class's one copy of them, so the batch's memory grows by little per student.
        # The whole tuple too: every correct file has the same outcomes, and so do the copies of a common mistake.
        outcomes = tuple(_shared(pair) for pair in self.outcomes)
        object.__setattr__(self, "outcomes", _OUTCOMES.setdefault(outcomes, outcomes))
        for name in ("status", "language"):
            object.__setattr__(self, name, sys.intern(getattr(self, name)))
        object.__setattr__(self, "diagnoses", tuple(sys.intern(d) for d in self.diagnoses))

    def __reduce__(self) -> tuple[Any, ...]:
        # An entry sent from a grading process is rebuilt through __init__, so it shares as above.
        return type(self), tuple(getattr(self, f.name) for f in dataclasses.fields(self))

    @property
    def percent(self) -> float:
        return percent(self.score, self.max_score)

    @classmethod
    def from_result(cls, result: SubmissionResult, language: str = DEFAULT_LANGUAGE) -> SummaryEntry:
        """Returns the entry for a full result."""
        return cls(
            student=result.student,
            score=result.score,
            max_score=result.max_score,
            status=result.status.value,
            outcomes=tuple((t.name, t.outcome.value) for t in result.tests),
            diagnoses=tuple(d.id for d in result.diagnoses),
            language=language,
            missing=tuple(m.name for m in result.missing_functions),
        )


_PAIRS: dict[tuple[str, str], tuple[str, str]] = {}
"""The shared (test name, outcome) pairs: as many as the hidden tests' names times the outcomes."""
_OUTCOMES: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
"""The shared tuples of outcomes: one per way a class's files pass and fail the tests."""


def _shared(pair: tuple[str, str]) -> tuple[str, str]:
    name, outcome = pair
    return _PAIRS.setdefault(pair, (sys.intern(name), sys.intern(outcome)))


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a label, a count out of a total, and the bar's share in percent."""

    label: str
    count: int
    total: int

    @property
    def percent(self) -> float:
        return percent(self.count, self.total)


@dataclass(frozen=True)
class Mistake:
    """A named mistake and the students who made it."""

    id: str
    title: str
    students: tuple[str, ...]
    links: tuple[str, ...] = ()
    """Each student's report.html, relative to the summary, in the order of `students`."""


@dataclass(frozen=True)
class UndefinedInClass:
    """For the class summary: a function the grader calls and the submissions that do not define it (one
    student's view of a missing function is results.MissingFunction)."""

    name: str
    students: tuple[str, ...]
    links: tuple[str, ...] = ()
    """Each student's report.html, relative to the summary, in the order of `students`."""


@dataclass(frozen=True)
class StudentLine:
    student: str
    link: str
    """The student's report.html, relative to the summary."""
    score: float
    max_score: float
    percent: float
    status: str
    status_title: str
    mistakes: tuple[str, ...]
    """Titles of the named mistakes found."""
    name: str = ""
    """The student's name as the roster or the LMS download gave it; "" when none did."""
    late: bool = False
    """The LMS marked the submission late (or it came past the assignment's due time)."""


@dataclass(frozen=True)
class ClassSummary:
    """What the summary templates receive, already counted and translated."""

    title: str
    language: str
    students: tuple[StudentLine, ...]
    histogram: tuple[Bar, ...]
    pass_rates: tuple[Bar, ...]
    """One per test, in the tests' order, over the submissions whose tests ran (status graded)."""
    graded: int
    mistakes: tuple[Mistake, ...]
    """Most frequent first; only mistakes someone made."""
    statuses: tuple[Bar, ...]
    mean_percent: float
    median_percent: float
    similarity_link: str = ""
    """similarity.html beside the summary when `grader similarity` wrote one there; else empty."""
    missing_functions: tuple[UndefinedInClass, ...] = ()
    """Functions some submission does not define, most often missing first: a renamed function scores 0."""
    define_none: int = 0
    """Submissions that define none of the functions to write (status missing_functions), so nothing was graded."""
    with_names: bool = False
    """Some student has a name: the students' table has a name column."""
    late: int = 0
    """Submissions handed in late: the students' table has a late column when there are any."""


def build_summary(
    entries: Iterable[SummaryEntry],
    title: str,
    mistake_titles: Mapping[str, str],
    translate: Translator,
    folders: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    late: Collection[str] = (),
) -> ClassSummary:
    """Returns the class overview of `entries`; mistake_titles maps a mistake id to its English title,
    `folders` a student to the folder of their reports (the student id itself by default), `names` a
    student to their name (when a roster or the download gave one), `late` the students who handed in late."""
    _ = translate.gettext

    def link(student: str) -> str:
        return f"{quote((folders or {}).get(student, student))}/report.html"

    entries = sorted(entries, key=lambda e: e.student)
    graded = [e for e in entries if e.status == Status.GRADED.value]
    mistakes = _mistakes_made(entries, list(mistake_titles))
    statuses = Counter(e.status for e in entries)
    percents = sorted(e.percent for e in entries)
    return ClassSummary(
        title=_(title),
        language=translate.language,
        students=tuple(
            StudentLine(
                student=e.student,
                link=link(e.student),
                score=e.score,
                max_score=e.max_score,
                percent=e.percent,
                status=e.status,
                status_title=_(STATUS_TITLES[Status(e.status)]),
                mistakes=tuple(_(mistake_titles.get(i, i)) for i in e.diagnoses),
                **_person(e.student, names, late),
            )
            for e in entries
        ),
        histogram=_histogram(entries),
        pass_rates=_pass_rates(graded),
        graded=len(graded),
        mistakes=tuple(
            Mistake(i, _(mistake_titles.get(i, i)), tuple(s), tuple(link(student) for student in s))
            for i, s in mistakes
        ),
        statuses=tuple(
            Bar(_(STATUS_TITLES[status]), statuses[status.value], len(entries))
            for status in Status
            if statuses[status.value]
        ),
        mean_percent=sum(percents) / len(percents) if percents else 0.0,
        median_percent=_median(percents),
        missing_functions=tuple(
            UndefinedInClass(name, tuple(s), tuple(link(student) for student in s)) for name, s in _not_defined(entries)
        ),
        define_none=statuses[Status.MISSING_FUNCTIONS.value],
        with_names=any((names or {}).get(e.student) for e in entries),
        late=sum(e.student in late for e in entries),
    )


def _person(student: str, names: Mapping[str, str] | None, late: Collection[str]) -> dict[str, Any]:
    """Returns a StudentLine's name and late values for `student`."""
    return {"name": (names or {}).get(student, ""), "late": student in late}


def _histogram(entries: Sequence[SummaryEntry]) -> tuple[Bar, ...]:
    """Returns one bar per band of HISTOGRAM_BINS percent, the last one for full marks."""
    counts = Counter(min(int(e.percent // HISTOGRAM_BINS), HISTOGRAM_BINS) for e in entries)
    return tuple(
        Bar(f"{low}–{low + HISTOGRAM_BINS - 1}%" if low < 100 else "100%", counts[index], len(entries))
        for index, low in enumerate(range(0, 101, HISTOGRAM_BINS))
    )


def _pass_rates(graded: Sequence[SummaryEntry]) -> tuple[Bar, ...]:
    """Returns how many graded submissions passed each test, in the tests' order."""
    order: dict[str, None] = {}
    passed: Counter[str] = Counter()
    for entry in graded:
        for name, outcome in entry.outcomes:
            order.setdefault(name)
            passed[name] += outcome == Outcome.PASSED.value
    return tuple(Bar(name, passed[name], len(graded)) for name in order)


def _mistakes_made(entries: Sequence[SummaryEntry], known: list[str]) -> list[tuple[str, list[str]]]:
    """Returns (mistake id, students who made it), most frequent first, then in the assignment's order."""
    made: dict[str, list[str]] = {}
    for entry in entries:
        for mistake_id in entry.diagnoses:
            made.setdefault(mistake_id, []).append(entry.student)
    return sorted(
        made.items(), key=lambda item: (-len(item[1]), known.index(item[0]) if item[0] in known else len(known))
    )


def _not_defined(entries: Sequence[SummaryEntry]) -> list[tuple[str, list[str]]]:
    """Returns (function name, students whose submission does not define it), most often missing first."""
    missing: dict[str, list[str]] = {}
    for entry in entries:
        for name in entry.missing:
            missing.setdefault(name, []).append(entry.student)
    return sorted(missing.items(), key=lambda item: -len(item[1]))


def _median(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def render_summary(summary: ClassSummary, template: str, translate: Translator) -> str:
    """Returns summary.html (template "summary.html.j2") or summary.md ("summary.md.j2")."""
    values: dict[str, Any] = {"summary": summary}
    return environment(translate).get_template(template).render(values)


def write_summary(
    entries: Iterable[SummaryEntry],
    out: Path,
    title: str,
    mistake_titles: Mapping[str, str],
    *,
    language: str = DEFAULT_LANGUAGE,
    locale_dirs: Iterable[Path] = (),
    folders: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    late: Collection[str] = (),
) -> None:
    """Writes OUT/summary.html and OUT/summary.md for the class (`folders`, `names`, `late` as for build_summary)."""
    translate = translator(language, locale_dirs)
    summary = build_summary(entries, title, mistake_titles, translate, folders, names, late)
    if (out / "similarity.html").is_file():
        summary = dataclasses.replace(summary, similarity_link="similarity.html")
    write_atomically(out / "summary.html", render_summary(summary, "summary.html.j2", translate))
    write_atomically(out / "summary.md", render_summary(summary, "summary.md.j2", translate))
