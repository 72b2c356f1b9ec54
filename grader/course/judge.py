"""Grades mutants as the audit judges them: each under every seed, through the worker, the hidden tests and
the diagnoses, in `jobs` grading processes; the verdict on each (grader.course.audit) and what the fairness
checks need of it (grader.course.fairness).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment, load_reference
from grader.course import fairness, mutation
from grader.course.authored import Authored
from grader.course.mutation import Mutant
from grader.grading.grade import SharedForkServer, grade_stream, ready_to_fork, shared_fork_server
from grader.grading.outcomes import Source
from grader.grading.parallel import in_processes
from grader.grading.proof import Evidence
from grader.grading.proxy import RecordedCall, describe_call
from grader.grading.replay import Replayer, distinct, reaching, variations
from grader.results import Outcome, Status, SubmissionResult
from grader.sandbox.isolation import Isolation

VARIATIONS_PER_CALL = 3
"""How many variations of each recorded call the equivalence check makes, besides the call itself."""
TIME_FACTOR, MIN_TOTAL_SECONDS = 20, 10.0
"""A mutant may use this many times the reference's grading time, at least MIN_TOTAL_SECONDS, at most the
assignment's own limit: a mutant that loops for ever then costs seconds, not the whole limit. It only
ever catches mutants far slower than the reference."""
CAUGHT, SURVIVED, EQUIVALENT = "caught", "survived", "equivalent"
REPLAY_SEEDS = 3
"""A lookup table is graded under this many seeds besides the one its report was read at: enough to show
that answers read in one report fit no other submission's inputs."""


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
    seed_scores: tuple[float, ...] = ()
    """Its score under each of the audit's seeds (fairness.SEEDS); more than one score is a failure."""
    cascade_points: float = 0.0
    """Points lost on tests about other functions than the one it changes, pipeline tests excepted."""
    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The named mistakes on its report, each with the tests it is attached to."""
    shown: Mapping[str, fairness.Shown] = field(default_factory=dict)
    """What each failed test's section showed (message, expected, actual), under the first seed."""
    false_names: tuple[str, ...] = ()
    """Names no model of the mistake bears out (fairness.false_names)."""
    lookup: str = ""
    """For the author's mutant of a named mistake: its source answering the calls its report showed."""


@dataclass(frozen=True)
class Replay:
    """A named mistake's own mutant against a lookup table built from its report (fairness.lookup_source)."""

    mistake: str
    score: float
    """The mutant's score."""
    lookup_scores: tuple[float, ...]
    """The lookup table's score under each seed but the one its report was read at."""

    @property
    def pays(self) -> bool:
        """Returns whether the lookup table scored more than the mistake under some seed."""
        return any(score > self.score + 1e-9 for score in self.lookup_scores)


def write_mutants(mutants: Sequence[Mutant], folder: Path, file_name: str) -> dict[str, Path]:
    paths = {}
    for number, mutant in enumerate(mutants):
        path = folder / str(number) / file_name
        path.parent.mkdir(parents=True)
        path.write_text(mutant.source, encoding="utf-8")
        paths[mutant.id] = path
    return paths


@dataclass
class Tally:
    """Counts gradings for a callback on_progress(finished, total); the total grows as more work is found."""

    on_progress: Callable[[int, int], None] = lambda finished, total: None
    finished: int = 0
    total: int = 0

    def expect(self, more: int) -> None:
        self.total += more
        self.on_progress(self.finished, self.total)

    def done(self) -> None:
        self.finished += 1
        self.on_progress(self.finished, self.total)


def grade_all(judge: Judge, sources: list[Source], jobs: int, tally: Tally | None = None) -> dict[str, Judged]:
    """Returns each source's Judged, graded in `jobs` processes; `tally` counts them as they finish."""
    judged: dict[str, Judged] = {}
    tally = tally if tally is not None else Tally()
    tally.expect(len(sources))

    def collect(item: Judged) -> None:
        judged[item.id] = item
        tally.done()

    if jobs <= 1 or len(sources) <= 1:
        judge.work(iter(sources), collect)
    else:
        ready_to_fork(judge.assignment)
        with shared_fork_server(judge.isolation) as shared:
            sharing = dataclasses.replace(judge, fork_server=shared)
            in_processes(sources, min(jobs, len(sources)), sharing.work, collect, lambda item: item.id)
    for source in sources:  # a grading process that died took its mutant with it
        if source.student not in judged:
            note = "Not graded: the grading process stopped."
            lost = Judged(source.student, 0.0, 0.0, Status.INTERNAL_ERROR.value, (), (), SURVIVED, note)
            collect(lost)
    return {source.student: judged[source.student] for source in sources}


def merged_seeds(judged: Mapping[str, Judged], mutants: Sequence[Mutant], seeds: int) -> dict[str, Judged]:
    """Returns one Judged per mutant: its first seed's, with every seed's score and the names no model bears out."""
    first = {m.id: judged[fairness.seeded(m.id, 0)] for m in mutants}
    models: dict[str, list[Mapping[str, fairness.Shown]]] = {}
    for m in mutants:
        if m.mistake is not None:
            models.setdefault(m.mistake, []).append(first[m.id].shown)
    return {
        m.id: dataclasses.replace(
            first[m.id],
            id=m.id,
            seed_scores=tuple(judged[fairness.seeded(m.id, k)].score for k in range(seeds)),
            false_names=tuple(fairness.false_names(first[m.id].names, first[m.id].shown, models)),
        )
        for m in mutants
    }


def replays(
    judge: Judge,
    mutants: Sequence[Mutant],
    judged: Mapping[str, Judged],
    folder: Path,
    seeds: int,
    jobs: int,
    tally: Tally | None = None,
) -> dict[str, Replay]:
    """Returns, per author's mutant, its score and its lookup table's under REPLAY_SEEDS seeds other than the one
    its report was read at."""
    own = [m for m in mutants if m.mistake is not None and judged[m.id].lookup]
    others = range(1, min(seeds, REPLAY_SEEDS + 1))
    lookups = write_mutants(
        [dataclasses.replace(m, id=f"lookup:{m.id}", source=judged[m.id].lookup) for m in own],
        folder / "lookups",
        judge.assignment.submission_file,
    )
    sources = [Source(fairness.seeded(f"lookup:{m.id}", k), lookups[f"lookup:{m.id}"]) for k in others for m in own]
    scored = grade_all(judge, sources, jobs, tally) if sources else {}
    return {
        m.id: Replay(
            m.mistake or "",
            judged[m.id].score,
            tuple(scored[fairness.seeded(f"lookup:{m.id}", k)].score for k in others),
        )
        for m in own
    }


@dataclass
class Judge:
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
    isolation: Isolation | None = None
    """How the workers are isolated, in every grading process; None: the strongest this machine allows."""
    fork_server: SharedForkServer | None = None
    """The fork server its grading processes share, if any (see grader.sandbox.forkserver)."""

    def work(self, sources: Iterator[Source], put: Callable[[Judged], None]) -> None:
        evidence: dict[str, Mapping[str, tuple[Evidence, ...]]] = {}

        def keep(source: Source, kept: Mapping[str, tuple[Evidence, ...]]) -> None:
            evidence.clear()
            evidence[source.student] = kept

        def judge(result: SubmissionResult) -> None:
            put(self.seeded(result, replayer, evidence.get(result.student, {})))

        with Replayer(self.assignment, self.isolation, self.fork_server) as replayer:
            grade_stream(
                self.graded_as,
                sources,
                judge,
                with_plots=False,
                isolation=self.isolation,
                fork_server=self.fork_server,
                inputs_key=lambda source: fairness.inputs_key(fairness.seed_of(source.student)[1]),
                on_evidence=keep,
            )

    def seeded(
        self, result: SubmissionResult, replayer: Replayer, evidence: Mapping[str, tuple[Evidence, ...]]
    ) -> Judged:
        """Returns the verdict on a mutant's first seed; only the score of another seed or of a lookup table."""
        student, seed = fairness.seed_of(result.student)
        if seed != 0 or student not in self.mutants:
            status = result.status.value
            return Judged(result.student, result.score, result.max_score, status, (), (), "", "")
        mutant = self.mutants[student]
        judged = self.judged(dataclasses.replace(result, student=student), replayer)
        names = {d.id: d.tests for d in result.diagnoses}
        lookup = ""
        if mutant.mistake is not None:
            lookup = fairness.lookup_source(mutant.source, evidence, load_reference(self.assignment.reference_file))
        return dataclasses.replace(
            judged,
            id=result.student,
            cascade_points=fairness.cascade_points(result, mutant.function),
            names=names,
            shown=fairness.shown(result),
            lookup=lookup,
        )

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
