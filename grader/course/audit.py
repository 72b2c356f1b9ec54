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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.assignment import Assignment
from grader.course import fairness, mutation
from grader.course.authored import Authored, mutants_file, read_authored
from grader.course.judge import (
    CAUGHT,
    EQUIVALENT,
    MIN_TOTAL_SECONDS,
    SURVIVED,
    TIME_FACTOR,
    Judge,
    Judged,
    Replay,
    Tally,
    grade_all,
    merged_seeds,
    replays,
    write_mutants,
)
from grader.course.mutation import Mutant
from grader.errors import GraderError
from grader.files import write_atomically
from grader.formatting import format_points
from grader.grading.diagnosis import mistake_titles
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.grading.proxy import RecordedCall
from grader.grading.replay import distinct, recording
from grader.reports.audit import write_audit_reports
from grader.results import Outcome, Status, SubmissionResult
from grader.sandbox.isolation import Isolation


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
    replays: Mapping[str, Replay] = field(default_factory=dict)
    """Per author's mutant (by id): its lookup table's scores (fairness.lookup_source)."""
    undeclared: tuple[str, ...] = ()
    """Tests declaring neither `about` nor `pipeline`: the cascade check cannot judge them."""

    @property
    def seed_dependent(self) -> list[Mutant]:
        """Returns the mutants whose score depends on the seed."""
        return [m for m in self.mutants if fairness.scores_differ(self.judged[m.id].seed_scores)]

    @property
    def cascading(self) -> list[Mutant]:
        """Returns the mutants that lose points on tests about other functions (pipeline tests excepted)."""
        return [m for m in self.mutants if self.judged[m.id].cascade_points > 1e-9]

    @property
    def falsely_named(self) -> list[Mutant]:
        """Returns the mutants whose report names a mistake that no model of it bears out."""
        return [m for m in self.mutants if self.judged[m.id].false_names]

    @property
    def paying_replays(self) -> list[Replay]:
        """Returns the named mistakes whose lookup table scores more than the mistake itself."""
        return [replay for replay in self.replays.values() if replay.pays]

    @property
    def unfair(self) -> bool:
        """Returns whether one of the four fairness checks failed."""
        return bool(self.seed_dependent or self.cascading or self.falsely_named or self.paying_replays)

    def with_verdict(self, verdict: str) -> list[Mutant]:
        return [m for m in self.mutants if self.judged[m.id].verdict == verdict]

    @property
    def survivors(self) -> list[Mutant]:
        return self.with_verdict(SURVIVED)

    def named(self, mutant: Mutant) -> bool | None:
        """Returns whether an author's mutant was given its mistake's name; None for a generated one."""
        return None if mutant.mistake is None else mutant.mistake in self.judged[mutant.id].diagnoses

    def mistakes_caught_and_named(self) -> int:
        """Returns how many named mistakes have every model caught and given the mistake's name."""
        return sum(
            1
            for mistake in self.mistakes
            if (models := [m for m in self.mutants if m.mistake == mistake])
            and all(self.judged[m.id].verdict == CAUGHT and self.named(m) for m in models)
        )

    def to_json(self) -> dict[str, Any]:
        """Returns the audit as audit.json holds it."""
        return {
            "assignment": self.assignment,
            "title": self.title,
            "functions": list(self.functions),
            "reference_score": self.reference_score,
            "counts": {"mutants": len(self.mutants)}
            | {v: len(self.with_verdict(v)) for v in (CAUGHT, SURVIVED, EQUIVALENT)}
            | {
                "seed_dependent": len(self.seed_dependent),
                "cascade": len(self.cascading),
                "false_name": len(self.falsely_named),
                "replay_pays": len(self.paying_replays),
            },
            "mutants": [self._mutant_json(m) for m in self.mutants],
            "mistakes": [self._mistake_json(id, title) for id, title in self.mistakes.items()],
            "stale_equivalents": list(self.stale),
            "fairness": {
                "seed_dependent": [m.id for m in self.seed_dependent],
                "cascade": [m.id for m in self.cascading],
                "false_name": [m.id for m in self.falsely_named],
                "replay": [
                    {"mutant": id, "mistake": r.mistake, "score": r.score, "lookup_scores": list(r.lookup_scores)}
                    for id, r in self.replays.items()
                ],
                "replay_pays": [r.mistake for r in self.paying_replays],
                "undeclared_tests": list(self.undeclared),
            },
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
            "seed_scores": list(judged.seed_scores),
            "cascade_points": judged.cascade_points,
            "names": {name: list(tests) for name, tests in judged.names.items()},
            "false_names": list(judged.false_names),
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


def audit(
    assignment: Assignment,
    jobs: int = 1,
    *,
    generated: bool = True,
    seeds: int = fairness.SEEDS,
    isolation: Isolation | None = None,
    on_progress: Callable[[int, int], None] = lambda finished, total: None,
) -> Audit:
    """Returns the audit of the assignment's hidden tests; generated=False audits the author's mutants only.

    Each mutant is graded under `seeds` inputs keys; the author's mutants' lookup tables under the others.
    Every worker, in every grading process, runs at `isolation` (None: the strongest this machine allows).
    `on_progress` gets (gradings finished, gradings in all) as mutants and lookup tables are graded.

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
    calls, graded = _record_reference(assignment, isolation)
    reference_score, limits = graded.score, assignment.limits
    total = min(limits.total_seconds, max(MIN_TOTAL_SECONDS, TIME_FACTOR * graded.seconds))
    capped = dataclasses.replace(assignment, limits=dataclasses.replace(limits, total_seconds=total))
    with tempfile.TemporaryDirectory(prefix="grader-audit-") as folder:
        paths = write_mutants(mutants, Path(folder), assignment.submission_file)
        mutant_of = {m.id: m for m in mutants}
        judge = Judge(assignment, capped, reference, mutant_of, paths, calls, reference_score, authored, isolation)
        sources = [Source(fairness.seeded(m.id, k), paths[m.id]) for k in range(seeds) for m in mutants]
        tally = Tally(on_progress)
        judged = merged_seeds(grade_all(judge, sources, jobs, tally), mutants, seeds)
        replayed = replays(judge, mutants, judged, Path(folder), seeds, jobs, tally)
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
        replays=replayed,
        undeclared=fairness.undeclared(graded),
    )


def fairness_lines(audit: Audit) -> list[str]:
    """Returns one line per failed fairness check, as `grader audit` prints them."""
    lines = []
    for mutant in audit.seed_dependent:
        scores = ", ".join(format_points(score) for score in audit.judged[mutant.id].seed_scores)
        lines.append(f"seed_dependent: {mutant.id} scored {scores}")
    for mutant in audit.cascading:
        points = format_points(audit.judged[mutant.id].cascade_points)
        lines.append(f"cascade: {mutant.id} (in {mutant.function}) lost {points} points on tests about other functions")
    for mutant in audit.falsely_named:
        lines.append(f"false_name: {mutant.id} is named {', '.join(audit.judged[mutant.id].false_names)}")
    for id, replay in audit.replays.items():
        if replay.pays:
            best, own = format_points(max(replay.lookup_scores)), format_points(replay.score)
            whose = replay.mistake if id == replay.mistake else f"{replay.mistake} ({id})"
            lines.append(f"replay: a lookup table of {whose}'s report scored {best}, the mistake {own}")
    if audit.undeclared:
        lines.append(
            f"note: {len(audit.undeclared)} tests declare no about or pipeline marker: cascade cannot judge them"
        )
    return lines


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


def _record_reference(
    assignment: Assignment, isolation: Isolation | None
) -> tuple[list[RecordedCall], SubmissionResult]:
    """Returns the distinct calls grading the reference makes (hidden tests, plots, public tests) and its result."""
    reference = Source("reference", assignment.reference_file)
    with recording() as calls:
        result = grade(assignment, reference, with_plots=True, isolation=isolation)
        if assignment.public_tests.is_dir():
            grade(assignment, reference, tests=assignment.public_tests, isolation=isolation)
    lost = [t.name for t in result.tests if t.outcome is not Outcome.PASSED]
    if result.status is not Status.GRADED or not result.tests or lost:
        why = f"loses points on {', '.join(lost[:3])}" if lost else f"does not grade ({result.status.value})"
        raise GraderError(
            f"the reference {why}, so no mutant can be judged against it",
            "run grader validate and fix what it lists, then audit again",
        )
    return distinct(calls), result
