"""The `grader` command: parses arguments, calls the library, prints. Nothing is decided here."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from grader import __version__, cimode, gradescope, release, validate
from grader.assignment import Assignment, find_assignment
from grader.batch import Interrupted, default_jobs, grade_batch, write_timings
from grader.discovery import discover
from grader.errors import GraderError
from grader.gradebook import GradebookRow, format_points, write_gradebook
from grader.i18n import DEFAULT_LANGUAGE, LANGUAGES
from grader.notebooks import is_notebook
from grader.reports import build_context, render_check, render_markdown
from grader.results import Outcome, Status
from grader.roster import read_roster, write_lms_gradebook
from grader.runner import Source
from grader.runner import grade as grade_one
from grader.sandbox.isolation import choose_isolation


class UserError(click.ClickException):
    """A user's mistake: one line naming the problem and the fix, exit code 2, no traceback."""

    exit_code = 2


def _assignment(name_or_path: str | None) -> Assignment:
    try:
        return find_assignment(name_or_path)
    except GraderError as error:
        raise UserError(str(error)) from None


ASSIGNMENT_OPTION = click.option(
    "-a",
    "--assignment",
    "assignment_name",
    metavar="ASSIGNMENT",
    help="Assignment name under assignments/, or the path of its folder. Default: the only one there.",
)

LANGUAGE_OPTION = click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="Language of the reports, hints and named mistakes (vi: Vietnamese).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Grade programming exercises with hidden tests, each submission in its own limited worker."""


@cli.command()
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@LANGUAGE_OPTION
def check(submission: Path, assignment_name: str | None, language: str) -> None:
    """Run the public tests on your SUBMISSION file and explain every failure.

    Exit status 0 when every public test passes, 1 otherwise.
    """
    assignment = _assignment(assignment_name)
    if not submission.is_file():
        raise UserError(f"no such file: {submission}; pass the path of your {assignment.submission_file}")
    result = grade_one(assignment, Source(submission.stem, submission), tests=assignment.public_tests, with_plots=False)
    ctx = build_context(result, assignment.title, with_svgs=False, language=language, locale_dirs=[assignment.locale])
    click.echo(render_check(ctx), nl=False)
    passed = all(test.outcome is Outcome.PASSED for test in result.tests) and bool(result.tests)
    sys.exit(0 if passed else 1)


@cli.command()
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("out"),
    show_default=True,
    help="Folder for the reports (OUT/STUDENT/) and OUT/gradebook.csv.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Submissions graded at once. Default: the number of cores.",
)
@click.option("--force", is_flag=True, help="Regrade every submission, even those already graded unchanged in OUT.")
@click.option(
    "--timings", is_flag=True, help="Also write OUT/timings.csv: seconds per phase for each submission graded."
)
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Class roster CSV (e.g. a Canvas export): adds its id column to the gradebook and grades every "
    "student on it who handed in nothing as missing.",
)
@LANGUAGE_OPTION
def grade(
    submissions: tuple[Path, ...],
    assignment_name: str | None,
    out: Path,
    jobs: int | None,
    force: bool,
    timings: bool,
    roster_path: Path | None,
    language: str,
) -> None:
    """Grade SUBMISSIONS with the hidden tests and write every student's reports and the gradebook.

    Each SUBMISSION is a submission file, a submission folder, or a folder of submissions (one per
    file or sub-folder; the student id is the file stem or folder name). Rerunning into the same OUT
    grades only what changed (submission, assignment or grader) and lists changed scores in
    OUT/changes.csv; Ctrl-C keeps finished results and the next run resumes. Exit status 0 when every
    submission got a result, whatever the scores.
    """
    assignment = _assignment(assignment_name)
    try:
        sources = discover(submissions, assignment.submission_file)
        isolation = choose_isolation()
        roster = read_roster(roster_path) if roster_path else None
    except GraderError as error:
        raise UserError(str(error)) from None
    missing: list[str] = []
    write_rows: Callable[[list[GradebookRow], Path], None] = write_gradebook
    if roster is not None:
        names = [source.student for source in sources]
        if unknown := roster.unknown(names):
            click.echo(f"not on the roster (graded, no {roster.id_column} in the gradebook): {', '.join(unknown)}")
        missing, write_rows = roster.missing(names), functools.partial(write_lms_gradebook, roster)
    started = time.monotonic()
    progress = Progress(len(sources) + len(missing), enabled=sys.stderr.isatty())
    try:
        summary = grade_batch(
            assignment, sources, out, jobs or default_jobs(), force, progress.advance, missing, write_rows, language
        )
    except Interrupted as stopped:
        progress.finish()
        click.echo(
            f"Interrupted: {stopped.finished} of {stopped.total} submissions finished and kept in {out}/. "
            "Run the same command again to grade the rest.",
            err=True,
        )
        sys.exit(130)
    progress.finish()
    if timings:
        write_timings(summary.graded, out / "timings.csv")
    for change in summary.changed:
        click.echo(
            f"changed: {change.student} {format_points(change.old.score)} -> {format_points(change.new.score)}"
            + (f" ({change.old.status} -> {change.new.status})" if change.old.status != change.new.status else "")
        )
    counts = ", ".join(f"{count} {status}" for status, count in summary.by_status.items())
    skipped = f" ({summary.skipped} unchanged, not regraded)" if summary.skipped else ""
    click.echo(
        f"{len(summary.rows)} submissions in {time.monotonic() - started:.1f} s{skipped}: {counts}. "
        f"Isolation: {isolation.level}. Reports in {out}/, gradebook {summary.gradebook}, class summary "
        f"{out / 'summary.html'}"
        + (f", {len(summary.changed)} changed scores in {out / 'changes.csv'}" if summary.changed else "")
    )
    if summary.by_status.get(Status.INTERNAL_ERROR.value):
        sys.exit(1)  # the grader failed on some submission: their rows say internal_error


@cli.command(name="validate")
@ASSIGNMENT_OPTION
def validate_command(assignment_name: str | None) -> None:
    """Check that an assignment is ready for students, listing every problem found.

    The reference must score full marks in three identical runs and the starter 0; every hidden test
    needs points and a hint, and the points must add up to the assignment's total; the student bundle
    must hold no hidden test and no reference text. Exit status 0 when ready, 1 when not.
    """
    assignment = _assignment(assignment_name)
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
    assignment = _assignment(assignment_name)
    try:
        shipped = {name: path.read_text(encoding="utf-8", errors="replace") for name, path in
                   release.bundle_files(assignment).items()}  # fmt: skip
        leaks = release.leaks(assignment, shipped)
        if leaks:
            for leak in leaks:
                click.echo(f"leak: {leak}")
            click.echo(f"Nothing released: the bundle would leak {len(leaks)} time(s).")
            sys.exit(1)
        bundle = release.release(assignment, out)
    except GraderError as error:
        raise UserError(str(error)) from None
    click.echo(f"Released {assignment.name}: {bundle.folder}/ and {bundle.zip} ({', '.join(bundle.files)}).")


@cli.command(name="ci")
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=cimode.DEFAULT_MIN_SCORE,
    show_default=True,
    metavar="PERCENT",
    help="Percent of the points at or above which the job passes (exit 0). 0: pass whatever the score.",
)
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="Also write a JUnit XML report here.")
def ci_command(submission: Path, assignment_name: str | None, min_score: float, junit: Path | None) -> None:
    """Grade one SUBMISSION with the hidden tests, the way a CI job wants it.

    Appends the Markdown report to $GITHUB_STEP_SUMMARY when it is set (else prints it), prints
    `::error file=...,line=...::` annotations for failures at a line of the submission, writes JUnit
    XML with --junit. Exit status 0 at or above --min-score, 1 below, 2 on a usage or grader error.
    """
    assignment = _assignment(assignment_name)
    if not submission.is_file():
        raise UserError(f"no such file: {submission}; pass the path of the {assignment.submission_file} to grade")
    result = grade_one(assignment, Source(submission.stem, submission))
    report = render_markdown(build_context(result, assignment.title, with_svgs=False))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write(report + "\n")
    else:
        click.echo(report)
    if junit:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(cimode.junit_xml(result), encoding="utf-8")
    if not is_notebook(submission):  # a notebook's lines are not lines of the file GitHub shows
        for command in cimode.error_commands(result, cimode.annotated_path(submission)):
            click.echo(command)
    verdict = cimode.verdict(result, min_score)
    click.echo(verdict.line, err=verdict.exit_code == 2)
    sys.exit(verdict.exit_code)


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
def gradescope_command(assignment_name: str | None, out: Path) -> None:
    """Write a Gradescope autograder zip: setup.sh and run_autograder at its root, the grader, the hidden
    tests and the reference. Upload it as a programming assignment's autograder (Ubuntu 22.04 or newer).
    """
    assignment = _assignment(assignment_name)
    try:
        names = gradescope.build(assignment, out)
    except GraderError as error:
        raise UserError(str(error)) from None
    click.echo(f"Wrote {out}: {len(names)} files, setup.sh and run_autograder at its root.")


class Progress:
    """A progress line on a terminal (count, rate, ETA); silent when stderr is not a terminal."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled, self.done = total, enabled, 0
        self.started = time.monotonic()

    def advance(self, row: object) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\rgrading [{bar}] {self.done}/{self.total}  {rate:.1f}/s  ETA {eta:.0f} s ", nl=False, err=True)

    def finish(self) -> None:
        if self.enabled:
            click.echo(err=True)


def main() -> None:
    """Runs the CLI."""
    cli(prog_name="grader")
