"""Returns every problem an assignment has before it goes to students: an empty list means ready.

An assignment is ready when its reference scores full marks, the same in three runs; its starter loads
and scores 0; every hidden test has points and a hint, and the points add up to the assignment's
total; the student bundle holds no hidden test and no reference text; and, when the assignment has a
mutants.py, each named mistake's mutant loses points and is given its name. That last check is the
quick part of `grader audit`: the author's mutants only, graded in this process, about a second; the
generated mutants are left to `grader audit`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.assignment import Assignment
from grader.course import audit, preflight
from grader.course.authored import mutants_file
from grader.course.release import bundle_files, bundle_leaks
from grader.errors import GraderError
from grader.formatting import format_points
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.results import TIMING_FIELDS, Status, SubmissionResult
from grader.sandbox.isolation import Isolation

REFERENCE_RUNS = 3


@dataclass(frozen=True)
class Validation:
    """What validating found: the problems (empty when the assignment is ready) and what was checked."""

    problems: tuple[str, ...]
    tests: int
    points: float
    mutants: int = 0
    """Author mutants (one per named mistake) checked to lose points and get their name."""


def validate(
    assignment: Assignment,
    isolation: Isolation | None = None,
    on_progress: Callable[[int, int], None] = lambda finished, total: None,
) -> Validation:
    """Returns every problem found; grades the reference three times and the starter once, in one session.

    Workers run at `isolation` (None: the strongest this machine allows), the author's mutants' too.
    `on_progress` gets (gradings finished, gradings in all) as the reference, starter and mutants are graded.
    """
    problems: list[str] = [
        *preflight.plot_problems(assignment),
        *preflight.package_problems(assignment),
        *preflight.language_problems(assignment),
    ]
    sources = [Source("reference", assignment.reference_file)] * REFERENCE_RUNS
    if assignment.starter.is_file():
        sources.append(Source("starter", assignment.starter))
    else:
        problems.append(f"the starter {assignment.starter} does not exist")
    results: list[SubmissionResult] = []

    def collect(result: SubmissionResult) -> None:
        results.append(result)
        on_progress(len(results), len(sources))

    on_progress(0, len(sources))
    grade_stream(assignment, sources, collect, with_plots=True, isolation=isolation)
    reference_runs, starter = results[:REFERENCE_RUNS], results[REFERENCE_RUNS:]
    problems += _reference_problems(assignment, reference_runs)
    if starter:
        problems += _starter_problems(starter[0])
    first = reference_runs[0]
    problems += _test_problems(assignment, first)
    problems += _bundle_problems(assignment)
    mutants = 0
    if not problems and mutants_file(assignment).is_file():
        mutants, found = _mutant_problems(
            assignment, isolation, lambda done, total: on_progress(len(sources) + done, len(sources) + total)
        )
        problems += found
    tests, points = len(first.tests), sum(t.max_score for t in first.tests)
    return Validation(tuple(dict.fromkeys(problems)), tests, points, mutants)


def _reference_problems(assignment: Assignment, runs: list[SubmissionResult]) -> list[str]:
    first = runs[0]
    if first.status is not Status.GRADED:
        return [f"the reference did not load: {first.status.value}: {first.status_message}"]
    problems = []
    lost = [t.name for t in first.tests if t.score < t.max_score]
    if lost:
        problems.append(
            f"the reference fails {len(lost)} hidden test(s), scoring {format_points(first.score)} of "
            f"{format_points(sum(t.max_score for t in first.tests))}: {', '.join(lost[:5])}"
            + (", ..." if len(lost) > 5 else "")
        )
    baseline = _comparable(first)
    for number, run in enumerate(runs[1:], start=2):
        if _comparable(run) != baseline:
            problems.append(
                f"the reference's run {number} differs from run 1: {_difference(baseline, _comparable(run))}"
            )
    return problems


def _starter_problems(starter: SubmissionResult) -> list[str]:
    if starter.status is not Status.GRADED:
        return [f"the starter does not load ({starter.status.value}): {starter.status_message}"]
    if starter.score != 0:
        passed = [t.name for t in starter.tests if t.score > 0]
        return [
            f"the starter scores {format_points(starter.score)}, not 0; it passes {', '.join(passed[:5])}"
            + (", ..." if len(passed) > 5 else "")
        ]
    return []


def _test_problems(assignment: Assignment, result: SubmissionResult) -> list[str]:
    if not result.tests:
        return [f"no hidden test was collected from {assignment.hidden_tests}"]
    problems = [
        f"hidden test {t.name} has no points (add @pytest.mark.points(N))" for t in result.tests if t.max_score <= 0
    ]
    problems += [
        f"hidden test {t.name} has no hint (add @pytest.mark.hint(...))" for t in result.tests if not t.hint.strip()
    ]
    total = round(sum(t.max_score for t in result.tests), 6)
    if total != assignment.points:
        problems.append(
            f"the hidden tests' points add up to {format_points(total)}, "
            f"but assignment.toml says points = {format_points(assignment.points)}"
        )
    return problems


def _mutant_problems(
    assignment: Assignment, isolation: Isolation | None, on_progress: Callable[[int, int], None]
) -> tuple[int, list[str]]:
    """Returns how many author mutants were graded and the problems: one survives, or is not given its name."""
    try:
        # One seed, the author's mutants only: fairness is the full audit's.
        found = audit.audit(assignment, jobs=1, generated=False, seeds=1, isolation=isolation, on_progress=on_progress)
    except GraderError as error:
        return 0, [error.problem]
    problems = []
    for mutant in found.mutants:
        judged = found.judged[mutant.id]
        if judged.verdict != audit.CAUGHT:
            problems.append(
                f"the mutant of the named mistake {mutant.mistake} ({mutants_file(assignment).name}) keeps full marks"
            )
        elif not found.named(mutant):
            named = ", ".join(judged.diagnoses) or "nothing"
            problems.append(f"the mutant of the named mistake {mutant.mistake} is named {named}, not {mutant.mistake}")
    return len(found.mutants), problems


def _bundle_problems(assignment: Assignment) -> list[str]:
    try:
        files = bundle_files(assignment)
    except GraderError as error:  # a missing bundle part is one problem among others
        return [error.problem]
    return [f"the student bundle leaks: {problem}" for problem in bundle_leaks(assignment, files)]


def _comparable(result: SubmissionResult) -> dict[str, Any]:
    return {key: value for key, value in result.to_json_dict().items() if key not in TIMING_FIELDS}


def _difference(first: dict[str, Any], other: dict[str, Any]) -> str:
    keys = [key for key in first if first[key] != other.get(key)]
    if "tests" in keys:
        changed = [a["name"] for a, b in zip(first["tests"], other["tests"], strict=False) if a != b]
        return f"tests {', '.join(changed[:5])} gave other results"
    return f"{', '.join(keys)} changed"
