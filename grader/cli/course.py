"""Commands on an assignment: `validate` it, `release` the student bundle, package it for `gradescope`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.assignment import find_assignment
from grader.cli.app import ASSIGNMENT_OPTION, LANGUAGE_OPTION, cli
from grader.course import release, validate
from grader.exports import gradescope
from grader.formatting import format_points


@cli.command(name="validate")
@ASSIGNMENT_OPTION
def validate_command(assignment_name: str | None) -> None:
    """Check that an assignment is ready for students, listing every problem found.

    The reference must score full marks in three identical runs and the starter 0; every hidden test
    needs points and a hint, and the points must add up to the assignment's total; the student bundle
    must hold no hidden test and no reference text. Exit status 0 when ready, 1 when not.
    """
    assignment = find_assignment(assignment_name)
    found = validate.validate(assignment)
    for problem in found.problems:
        click.echo(f"problem: {problem}")
    if found.problems:
        click.echo(f"{assignment.name} is not ready: {len(found.problems)} problem(s).")
        sys.exit(1)
    click.echo(
        f"OK: {assignment.name}: reference {format_points(assignment.points)}/{format_points(assignment.points)} "
        f"in {validate.REFERENCE_RUNS} identical runs, starter 0, {found.tests} hidden tests with points and "
        f"hints, the student bundle leaks nothing."
    )


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
    assignment = find_assignment(assignment_name)
    names = gradescope.build(assignment, out, language)
    click.echo(f"Wrote {out}: {len(names)} files, setup.sh and run_autograder at its root.")
