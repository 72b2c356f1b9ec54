"""Returns an audit of an assignment's hidden tests: mutants of the reference graded, and which of them got through.

The mutants are small changes to the functions the starter leaves to students (grader.course.mutation)
and the author's own, one per named mistake (grader.course.authored). Each is graded as a submission
would be, through the worker, the hidden tests and the diagnoses, in `jobs` grading processes. A
mutant is caught when it scores less than the reference. One that scores as much is equivalent when
the author lists it with a reason, or when its values equal the reference's on every recorded call
that reaches the changed function (the hidden tests' and the plots' calls on the reference, and
variations of them, replayed on both in workers); otherwise it survived: a hole in the hidden tests.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, load_reference
from grader.course import mutation
from grader.course.authored import Authored, mutants_file, read_authored
from grader.course.mutation import Mutant
from grader.errors import GraderError
from grader.files import write_atomically
from grader.grading.diagnosis import mistake_titles
from grader.grading.grade import grade, grade_stream
from grader.grading.outcomes import Source
from grader.grading.parallel import in_processes
from grader.grading.proxy import RecordedCall, describe_call
from grader.grading.replay import Replayer, distinct, reaching, recording, variations
from grader.reports.audit import write_audit_reports
from grader.results import Outcome, Status, SubmissionResult

VARIATIONS_PER_CALL = 3
"""How many variations of each recorded call the equivalence check makes, besides the call itself."""
TIME_FACTOR, MIN_TOTAL_SECONDS = 20, 10.0
"""A mutant may use this many times the reference's grading time, at least MIN_TOTAL_SECONDS, at most the
assignment's own limit: a mutant that loops for ever then costs seconds, not the whole limit. It only
ever catches mutants far slower than the reference."""
CAUGHT, SURVIVED, EQUIVALENT = "caught", "survived", "equivalent"


@dataclass(frozen=True)
class Judged:
    """What grading one mutant showed, and the verdict."""

    id: str
    score: float
    max_score: float
    status: str
    failed_tests: tuple[str, ...]
    """Tests that did not pass, in the order they ran."""
    diagnoses: tuple[str, ...]
    """Ids of the named mistakes the diagnoses reported."""
    verdict: str
    """caught (lost points), survived (full marks, values differ) or equivalent (no value can differ)."""
    note: str = ""
    """For a mutant that kept full marks: why it is equivalent, or a call on which its value differs."""


@dataclass(frozen=True)
class Audit:
    """What auditing an assignment found."""

    assignment: str
    title: str
    functions: tuple[str, ...]
    """The reference functions mutated: those the starter leaves to students."""
    mutants: tuple[Mutant, ...]
    judged: Mapping[str, Judged]
    reference_score: float
    mistakes: Mapping[str, str]
    """The assignment's named mistakes, id to title, in diagnoses.py's order."""
    stale: tuple[str, ...] = ()
    """Ids the author lists as equivalent that no generated mutant has (the reference changed since)."""
    seconds: float = 0.0
    diffs: Mapping[str, str] = field(default_factory=dict)

    def with_verdict(self, verdict: str) -> list[Mutant]:
        return [m for m in self.mutants if self.judged[m.id].verdict == verdict]

    @property
    def survivors(self) -> list[Mutant]:
        return self.with_verdict(SURVIVED)

    def named(self, mutant: Mutant) -> bool | None:
        """Returns whether an author's mutant was given its mistake's name; None for a generated one."""
        return None if mutant.mistake is None else mutant.mistake in self.judged[mutant.id].diagnoses

    def mistakes_caught_and_named(self) -> int:
        """Returns how many named mistakes have a mutant that was caught and given the mistake's name."""
        return sum(
            1
            for m in self.mutants
            if m.mistake in self.mistakes and self.judged[m.id].verdict == CAUGHT and self.named(m)
        )

    def to_json(self) -> dict[str, Any]:
        """Returns the audit as audit.json holds it."""
        return {
            "assignment": self.assignment,
            "title": self.title,
            "functions": list(self.functions),
            "reference_score": self.reference_score,
            "counts": {"mutants": len(self.mutants)}
            | {v: len(self.with_verdict(v)) for v in (CAUGHT, SURVIVED, EQUIVALENT)},
            "mutants": [self._mutant_json(m) for m in self.mutants],
            "mistakes": [self._mistake_json(id, title) for id, title in self.mistakes.items()],
            "stale_equivalents": list(self.stale),
            "seconds": round(self.seconds, 3),
        }

    def _mutant_json(self, mutant: Mutant) -> dict[str, Any]:
        judged = self.judged[mutant.id]
        return {
            "id": mutant.id,
            "function": mutant.function,
            "operator": mutant.operator,
            "description": mutant.description,
            "mistake": mutant.mistake,
            "named": self.named(mutant),
            "diff": self.diffs.get(mutant.id, ""),
            "score": judged.score,
            "max_score": judged.max_score,
            "status": judged.status,
            "failed_tests": list(judged.failed_tests),
            "diagnoses": list(judged.diagnoses),
            "verdict": judged.verdict,
            "note": judged.note,
        }

    def _mistake_json(self, id: str, title: str) -> dict[str, Any]:
        mutant = next((m for m in self.mutants if m.mistake == id), None)
        judged = self.judged[mutant.id] if mutant else None
        return {
            "id": id,
            "title": title,
            "mutant": mutant.id if mutant else None,
            "verdict": judged.verdict if judged else None,
            "named": self.named(mutant) if mutant else None,
            "diagnoses": list(judged.diagnoses) if judged else [],
        }


def audit(assignment: Assignment, jobs: int = 1, *, generated: bool = True) -> Audit:
    """Returns the audit of the assignment's hidden tests; generated=False audits the author's mutants only.

    Raises GraderError when the assignment cannot be audited: no starter, no function left to students,
    a reference that loses points, or a mutants.py that cannot be read.
    """
    started = time.monotonic()
    reference = assignment.reference_file.read_text(encoding="utf-8")
    functions = _student_functions(assignment, reference)
    authored = read_authored(assignment, reference)
    titles = mistake_titles(assignment)
    _check_mistakes(assignment, authored, titles)
    mutants = (mutation.mutants_of(reference, functions) if generated else []) + list(authored.mutants)
    calls, graded = _record_reference(assignment)
    reference_score, limits = graded.score, assignment.limits
    total = min(limits.total_seconds, max(MIN_TOTAL_SECONDS, TIME_FACTOR * graded.seconds))
    capped = dataclasses.replace(assignment, limits=dataclasses.replace(limits, total_seconds=total))
    with tempfile.TemporaryDirectory(prefix="grader-audit-") as folder:
        paths = _write_mutants(mutants, Path(folder), assignment.submission_file)
        judge = _Judge(
            assignment, capped, reference, {m.id: m for m in mutants}, paths, calls, reference_score, authored
        )
        judged = _grade_all(judge, [Source(m.id, paths[m.id]) for m in mutants], jobs)
    ids = {m.id for m in mutants}
    return Audit(
        assignment=assignment.name,
        title=assignment.title,
        functions=functions,
        mutants=tuple(mutants),
        judged=judged,
        reference_score=reference_score,
        mistakes=titles,
        stale=tuple(i for i in authored.equivalent if i not in ids) if generated else (),
        seconds=time.monotonic() - started,
        diffs={m.id: mutation.unified_diff(reference, m.source, assignment.submission_file) for m in mutants},
    )


def write_audit(audit: Audit, out: Path) -> list[Path]:
    """Writes OUT/audit.json, OUT/audit.html and OUT/audit.md and returns their paths."""
    data = audit.to_json()
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "audit.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return [out / "audit.json", *write_audit_reports(data, out)]


def _student_functions(assignment: Assignment, reference: str) -> tuple[str, ...]:
    if not assignment.starter.is_file():
        raise GraderError(
            f"the starter {assignment.starter} does not exist",
            "add it: the audit mutates the functions the starter leaves to students",
        )
    functions = mutation.student_functions(reference, assignment.starter.read_text(encoding="utf-8"))
    if not functions:
        raise GraderError(
            f"the starter {assignment.starter} leaves no function of the reference to students",
            "give each function students write a body that raises NotImplementedError there",
        )
    return functions


def _check_mistakes(assignment: Assignment, authored: Authored, titles: Mapping[str, str]) -> None:
    unknown = [m.mistake for m in authored.mutants if m.mistake not in titles]
    if unknown:
        raise GraderError(
            f"{mutants_file(assignment)} has mutants of mistakes diagnoses.py does not name: "
            + ", ".join(map(str, unknown)),
            "use the id of a @mistake in diagnoses.py",
        )


def _record_reference(assignment: Assignment) -> tuple[list[RecordedCall], SubmissionResult]:
    """Returns the distinct calls grading the reference makes (hidden tests, plots, public tests) and its result."""
    with recording() as calls:
        result = grade(assignment, Source("reference", assignment.reference_file), with_plots=True)
        if assignment.public_tests.is_dir():
            grade(assignment, Source("reference", assignment.reference_file), tests=assignment.public_tests)
    lost = [t.name for t in result.tests if t.outcome is not Outcome.PASSED]
    if result.status is not Status.GRADED or not result.tests or lost:
        why = f"loses points on {', '.join(lost[:3])}" if lost else f"does not grade ({result.status.value})"
        raise GraderError(
            f"the reference {why}, so no mutant can be judged against it",
            "run grader validate and fix what it lists, then audit again",
        )
    return distinct(calls), result


def _write_mutants(mutants: Sequence[Mutant], folder: Path, file_name: str) -> dict[str, Path]:
    paths = {}
    for number, mutant in enumerate(mutants):
        path = folder / str(number) / file_name
        path.parent.mkdir()
        path.write_text(mutant.source, encoding="utf-8")
        paths[mutant.id] = path
    return paths


def _grade_all(judge: _Judge, sources: list[Source], jobs: int) -> dict[str, Judged]:
    judged: dict[str, Judged] = {}

    def collect(item: Judged) -> None:
        judged[item.id] = item

    if jobs <= 1 or len(sources) <= 1:
        judge.work(iter(sources), collect)
    else:
        in_processes(sources, min(jobs, len(sources)), judge.work, collect, lambda item: item.id)
    for source in sources:  # a grading process that died took its mutant with it
        if source.student not in judged:
            note = "Not graded: the grading process stopped."
            lost = Judged(source.student, 0.0, 0.0, Status.INTERNAL_ERROR.value, (), (), SURVIVED, note)
            judged[source.student] = lost
    return {source.student: judged[source.student] for source in sources}


@dataclass
class _Judge:
    """Grades mutants and judges each; runs in every grading process (forked with all it needs)."""

    assignment: Assignment
    graded_as: Assignment
    """The assignment with the mutants' time limit (see TIME_FACTOR); replays keep the assignment's own."""
    reference: str
    mutants: dict[str, Mutant]
    paths: dict[str, Path]
    calls: list[RecordedCall]
    reference_score: float
    authored: Authored

    def work(self, sources: Iterator[Source], put: Callable[[Judged], None]) -> None:
        with Replayer(self.assignment) as replayer:
            grade_stream(self.graded_as, sources, lambda result: put(self.judged(result, replayer)), with_plots=False)

    def judged(self, result: SubmissionResult, replayer: Replayer) -> Judged:
        failed = tuple(t.name for t in result.tests if t.outcome is not Outcome.PASSED)
        if result.status is Status.INTERNAL_ERROR:  # the grader's failure proves nothing about the tests
            verdict, note = SURVIVED, f"Not graded: {result.status_message}"
        elif result.score < self.reference_score - 1e-9 or result.status is not Status.GRADED:
            verdict, note = CAUGHT, ""
        else:
            verdict, note = self.unchanged(self.mutants[result.student], replayer)
        diagnoses = tuple(d.id for d in result.diagnoses)
        return Judged(
            result.student, result.score, result.max_score, result.status.value, failed, diagnoses, verdict, note
        )

    def unchanged(self, mutant: Mutant, replayer: Replayer) -> tuple[str, str]:
        """Returns the verdict on a mutant with full marks: equivalent (and why) or survived (and where it differs)."""
        if mutant.mistake is not None:
            return SURVIVED, "A named mistake is never equivalent."
        if mutant.id in self.authored.equivalent:
            return EQUIVALENT, f"Listed by the author: {self.authored.equivalent[mutant.id]}"
        calls = reaching(self.calls, mutation.reaching(self.reference, mutant.function))
        if not calls:
            return SURVIVED, f"No call the tests make reaches {mutant.function}, so nothing shows it is equivalent."
        probes = distinct(calls + variations(calls, VARIATIONS_PER_CALL, self.assignment.seed))
        differs = replayer.first_difference(self.paths[mutant.id], probes)
        if differs is None:
            return EQUIVALENT, f"Same values as the reference on {len(probes)} calls reaching {mutant.function}."
        module = load_reference(self.assignment.reference_file)
        shown = describe_call(differs.name, differs.args, dict(differs.kwargs), module)
        return SURVIVED, f"Its value differs from the reference's on {shown.render()}."
