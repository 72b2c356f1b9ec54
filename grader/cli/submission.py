"""Commands on one submission: `check` (public tests, for students) and `ci` (hidden tests, in a CI job)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli.app import ASSIGNMENT_OPTION, ISOLATION_OPTION, LANGUAGE_OPTION, cli, require_file, workers_isolation
from grader.defaults import CI_MIN_SCORE

if TYPE_CHECKING:
    from grader.sandbox.launchers import Launcher


@cli.command()
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@LANGUAGE_OPTION
def check(submission: Path, assignment_name: str | None, language: str) -> None:
    """Run the public tests on your SUBMISSION file and explain every failure.

    Exit status 0 when every public test passes, 1 otherwise.
    """
    from grader.sandbox.launchers import ForkServerLauncher, may_plot

    # The fork server starts first, so it imports NumPy (and pyplot, if the file plots) while this process
    # imports the grader and collects the tests: a student waits for the slower of the two, not for both.
    launcher = ForkServerLauncher(workers_isolation(None, untrusted=False), plotting=may_plot(submission))
    launcher.warm()
    try:
        passed = _check(submission, assignment_name, language, launcher)
    finally:
        launcher.close()
    sys.exit(0 if passed else 1)


def _check(submission: Path, assignment_name: str | None, language: str, launcher: Launcher) -> bool:
    """Prints the public tests' results and explanations; returns whether every one passed."""
    from grader.assignment import find_assignment
    from grader.exports import ci
    from grader.grading.grade import grade as grade_one
    from grader.grading.outcomes import Source
    from grader.reports.student import build_context, render_check
    from grader.results import Outcome

    assignment = find_assignment(assignment_name, near=[submission])
    require_file(submission, f"your {assignment.submission_file}")
    source = Source(submission.stem, submission)
    result = grade_one(assignment, source, tests=assignment.public_tests, with_plots=False, launcher=launcher)
    ctx = build_context(result, assignment.title, with_svgs=False, language=language, locale_dirs=[assignment.locale])
    click.echo(ci.log_safe(render_check(ctx)), nl=False)  # `grader check` may run in a CI job too
    return all(test.outcome is Outcome.PASSED for test in result.tests) and bool(result.tests)


@cli.command(name="ci")
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=CI_MIN_SCORE,
    show_default=True,
    metavar="PERCENT",
    help="Percent of the points at or above which the job passes (exit 0). 0: pass whatever the score.",
)
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="Also write a JUnit XML report here.")
@LANGUAGE_OPTION
@ISOLATION_OPTION
def ci_command(
    submission: Path,
    assignment_name: str | None,
    min_score: float,
    junit: Path | None,
    language: str,
    isolation_choice: str | None,
) -> None:
    """Grade one SUBMISSION with the hidden tests, the way a CI job wants it.

    Appends the Markdown report to $GITHUB_STEP_SUMMARY when it is set (else prints it), prints
    `::error file=...,line=...::` annotations for failures at a line of the submission, writes JUnit
    XML with --junit. Exit status 0 at or above --min-score, 1 below, 2 on a usage or grader error.
    """
    from grader.assignment import find_assignment
    from grader.batch.ids import printable
    from grader.exports import ci
    from grader.grading.grade import grade as grade_one
    from grader.grading.notebooks import is_notebook
    from grader.grading.outcomes import Source
    from grader.reports.student import build_context, render_markdown

    assignment = find_assignment(assignment_name, near=[submission])
    require_file(submission, f"the {assignment.submission_file} to grade")
    isolation = workers_isolation(isolation_choice, untrusted=True)
    result = grade_one(assignment, Source(submission.stem, submission), isolation=isolation)
    ctx = build_context(result, assignment.title, with_svgs=False, language=language, locale_dirs=[assignment.locale])
    report = render_markdown(ctx)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write(report + "\n")
    else:
        click.echo(ci.log_safe(report))  # the job's log: student text in it must not run as commands
    if junit:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(ci.junit_xml(result), encoding="utf-8")
    if not is_notebook(submission):  # a notebook's lines are not lines of the file GitHub shows
        for command in ci.error_commands(result, ci.annotated_path(submission)):
            click.echo(command)
    verdict = ci.verdict(result, min_score)
    click.echo(printable(verdict.line), err=verdict.exit_code == 2)
    sys.exit(verdict.exit_code)
