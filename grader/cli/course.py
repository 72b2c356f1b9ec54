"""Commands on an assignment: `validate` it, `audit` its hidden tests, `release` the student bundle, package it
for `gradescope`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.cli.app import ASSIGNMENT_OPTION, LANGUAGE_OPTION, cli, jobs_option, workers_isolation


@cli.command(name="new")
@click.argument("name")
def new_command(name: str) -> None:
    """Write the skeleton of a new assignment NAME: assignments/NAME/ and reference/NAME/.

    It holds the fewest files `grader validate -a NAME` finds ready: assignment.toml with the required
    keys (a seed and a secret of its own, English only), a reference with one function, the starter's
    stub raising NotImplementedError, a public test and its conftest, one hidden test with points and a
    hint, the student README. Rename the function and grow the tests from there (docs/authoring.md).
    Exit status 2, writing nothing, when NAME is taken or is no Python module name.
    """
    from grader.assignment import assignments_home
    from grader.course.skeleton import write_skeleton

    skeleton = write_skeleton(name, assignments_home())
    for path in skeleton.files:
        click.echo(f"wrote {path}")
    click.echo(f"Next: grader validate -a {name}, then edit {skeleton.assignment}/ and {skeleton.reference}/.")


@cli.command(name="validate")
@ASSIGNMENT_OPTION
def validate_command(assignment_name: str | None) -> None:
    """Check that an assignment is ready for students, listing every problem found.

    The reference must score full marks in three identical runs and the starter 0; every hidden test
    needs points and a hint, and the points must add up to the assignment's total; the student bundle
    must hold no hidden test and no reference text; each named mistake's mutant in mutants.py must
    lose points and get its name (a quick audit: `grader audit` runs the full one). Exit status 0
    when ready, 1 when not, 2 when assignment.toml or the reference stop it loading (every such problem
    is listed).
    """
    from grader.assignment import assignment_folder, load_assignment, load_problems
    from grader.cli.progress import Progress
    from grader.course import validate
    from grader.formatting import format_points

    folder = assignment_folder(assignment_name)
    blocking = load_problems(folder)
    for error in blocking:
        click.echo(f"problem: {error}")
    if blocking:
        click.echo(f"{folder.name} cannot be loaded: {len(blocking)} problem(s) to fix first.")
        sys.exit(2)
    assignment = load_assignment(folder)
    with Progress("validating", "gradings") as progress:
        found = validate.validate(assignment, workers_isolation(None, untrusted=False), on_progress=progress)
    for problem in found.problems:
        click.echo(f"problem: {problem}")
    if found.problems:
        click.echo(f"{assignment.name} is not ready: {len(found.problems)} problem(s).")
        sys.exit(1)
    click.echo(
        f"OK: {assignment.name}: reference {format_points(assignment.points)}/{format_points(assignment.points)} "
        f"in {validate.REFERENCE_RUNS} identical runs, starter 0, {found.tests} hidden tests with points and "
        f"hints, the student bundle leaks nothing"
        + (f", {found.mutants} named mistakes' mutants caught and named." if found.mutants else ".")
    )


@cli.command(name="audit")
@ASSIGNMENT_OPTION
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("audit"),
    show_default=True,
    help="Folder for audit.json, audit.html and audit.md.",
)
@click.option(
    "--seeds",
    type=click.IntRange(2, 64),
    default=8,
    show_default=True,
    help="Grade every mutant under this many seeds; a score that changes with the seed is a failure.",
)
@jobs_option("Mutants")
def audit_command(assignment_name: str | None, out: Path, seeds: int, jobs: int | None) -> None:
    """Check that the hidden tests catch wrong solutions, by grading mutants of the reference.

    Mutants are small changes to the functions the starter leaves to students (operators and
    comparisons swapped, signs flipped, constants nudged, off by one, abs added or removed, arguments
    or columns swapped, a statement removed, an earlier value returned) and one per named mistake from
    the assignment's mutants.py. Each is graded like a submission: worker, hidden tests, diagnoses.
    Then the grade's fairness: every mutant is graded under --seeds seeds and must get one score
    (seed_dependent); a mutant of one function must lose no points on tests about another, pipeline
    tests excepted (cascade); every name on its report must be borne out by the mistake's model
    (false_name); and a lookup table of the calls a named mistake's report shows must earn no more than
    the mistake (replay). Writes OUT/audit.json, OUT/audit.html and OUT/audit.md, survivors first.
    Exit status 0 when every mutant that can change a value loses points and every fairness check
    holds, 1 when not, 2 on a usage error.
    """
    from grader.assignment import find_assignment
    from grader.batch.pool import default_jobs
    from grader.cli.progress import Progress
    from grader.course import audit

    assignment = find_assignment(assignment_name)
    isolation = workers_isolation(None, untrusted=False)
    with Progress("auditing", "gradings") as progress:
        found = audit.audit(assignment, jobs or default_jobs(), seeds=seeds, isolation=isolation, on_progress=progress)
    written = audit.write_audit(found, out)
    for mutant in found.survivors:
        click.echo(f"survived: {mutant.id}: {mutant.description}")
    for line in audit.fairness_lines(found):
        click.echo(line)
    for stale in found.stale:
        click.echo(f"note: EQUIVALENT in mutants.py lists {stale}, which is no mutant of the reference any more")
    counts = found.to_json()["counts"]
    click.echo(
        f"{assignment.name}: {counts['mutants']} mutants of {len(found.functions)} functions: "
        f"{counts['caught']} caught, {counts['survived']} survived, {counts['equivalent']} equivalent; "
        f"{found.mistakes_caught_and_named()} of {len(found.mistakes)} named mistakes caught and named by their "
        f"own mutant. Wrote {', '.join(str(path) for path in written)} in {found.seconds:.1f} s."
    )
    click.echo(
        f"Fairness over {seeds} seeds: {counts['seed_dependent']} seed_dependent, {counts['cascade']} cascade, "
        f"{counts['false_name']} false_name, {counts['replay_pays']} replay."
    )
    sys.exit(1 if found.survivors or found.unfair else 0)


@cli.command(name="release")
@ASSIGNMENT_OPTION
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to write the bundle into, as OUT/ASSIGNMENT/ and OUT/ASSIGNMENT.zip.",
)
def release_command(assignment_name: str | None, out: Path) -> None:
    """Write the student bundle: the starter, the public tests and the instructions, nothing else.

    Its public tests run with plain `pytest` inside the bundle, and with `grader check`. Exit status 1
    when the bundle would hold hidden test or reference text (nothing is written then).
    """
    from grader.assignment import find_assignment
    from grader.course import release

    assignment = find_assignment(assignment_name)
    try:
        bundle = release.release(assignment, out)
    except release.LeakingBundle as leaking:
        for leak in leaking.leaks:
            click.echo(f"leak: {leak}")
        click.echo(f"Nothing released: the bundle would leak {len(leaking.leaks)} time(s).")
        sys.exit(1)
    click.echo(f"Released {assignment.name}: {bundle.folder}/ and {bundle.zip} ({', '.join(bundle.files)}).")


@cli.command(name="gradescope")
@ASSIGNMENT_OPTION
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("autograder.zip"),
    show_default=True,
    help="The zip to write (replaced if it exists).",
)
@LANGUAGE_OPTION
def gradescope_command(assignment_name: str | None, out: Path, language: str) -> None:
    """Write a Gradescope autograder zip: setup.sh and run_autograder at its root, the grader, the hidden
    tests and the reference. Upload it as a programming assignment's autograder (Ubuntu 22.04 or newer).
    """
    from grader.assignment import find_assignment
    from grader.exports import gradescope

    assignment = find_assignment(assignment_name)
    names = gradescope.build(assignment, out, language)
    click.echo(f"Wrote {out}: {len(names)} files, setup.sh and run_autograder at its root.")
