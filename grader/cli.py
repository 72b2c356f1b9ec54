"""The `grader` command: parses arguments, calls the library, prints. Nothing is decided here."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from grader import __version__
from grader.assignment import find_assignment
from grader.batch.discovery import discover
from grader.batch.pool import BatchSummary, Interrupted, default_jobs, grade_batch, write_timings
from grader.course import audit, release, validate
from grader.errors import GraderError
from grader.exports import ci, gradescope
from grader.exports.gradebook import GradebookRow, write_gradebook
from grader.exports.lms import read_roster, write_lms_gradebook
from grader.formatting import format_points
from grader.grading.grade import grade as grade_one
from grader.grading.notebooks import is_notebook
from grader.grading.outcomes import Source
from grader.i18n import DEFAULT_LANGUAGE, LANGUAGES
from grader.reports.student import build_context, render_check, render_markdown
from grader.results import Outcome, Status
from grader.sandbox.isolation import choose_isolation


class UserError(click.ClickException):
    """A user's mistake: one line naming the problem and the fix, exit code 2, no traceback."""

    exit_code = 2


class GraderCommands(click.Group):
    """The one error boundary of every command: a GraderError becomes one line and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GraderError as error:
            raise UserError(str(error)) from None


ASSIGNMENT_OPTION = click.option(
    "-a",
    "--assignment",
    "assignment_name",
    metavar="ASSIGNMENT",
    help="Assignment name under assignments/, or the path of its folder. Default: the only one there, or the "
    "one whose folder holds the submissions.",
)

LANGUAGE_OPTION = click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="Language of the reports, hints and named mistakes (vi: Vietnamese).",
)


@click.group(cls=GraderCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Grade programming exercises with hidden tests, each submission in its own limited worker."""


def _one_file(submission: Path, what: str) -> None:
    if not submission.is_file():
        raise UserError(f"no such file: {submission}; pass the path of {what}")


@cli.command()
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@LANGUAGE_OPTION
def check(submission: Path, assignment_name: str | None, language: str) -> None:
    """Run the public tests on your SUBMISSION file and explain every failure.

    Exit status 0 when every public test passes, 1 otherwise.
    """
    assignment = find_assignment(assignment_name, near=[submission])
    _one_file(submission, f"your {assignment.submission_file}")
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
    assignment = find_assignment(assignment_name, near=submissions)
    sources = discover(submissions, assignment.submission_file)
    isolation = choose_isolation()
    missing, write_rows = _roster_plan(roster_path, [source.student for source in sources])
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
    _print_batch(summary, out, time.monotonic() - started, isolation.level)
    if summary.by_status.get(Status.INTERNAL_ERROR.value):
        sys.exit(1)  # the grader failed on some submission: their rows say internal_error


def _roster_plan(
    roster_path: Path | None, students: list[str]
) -> tuple[list[str], Callable[[list[GradebookRow], Path], None]]:
    """Returns the roster's students who handed in nothing, and how to write the gradebook."""
    if roster_path is None:
        return [], write_gradebook
    roster = read_roster(roster_path)
    if unknown := roster.unknown(students):
        click.echo(f"not on the roster (graded, no {roster.id_column} in the gradebook): {', '.join(unknown)}")
    return roster.missing(students), functools.partial(write_lms_gradebook, roster)


def _print_batch(summary: BatchSummary, out: Path, seconds: float, isolation: str) -> None:
    for change in summary.changed:
        click.echo(
            f"changed: {change.student} {format_points(change.old.score)} -> {format_points(change.new.score)}"
            + (f" ({change.old.status} -> {change.new.status})" if change.old.status != change.new.status else "")
        )
    counts = ", ".join(f"{count} {status}" for status, count in summary.by_status.items())
    skipped = f" ({summary.skipped} unchanged, not regraded)" if summary.skipped else ""
    click.echo(
        f"{len(summary.rows)} submissions in {seconds:.1f} s{skipped}: {counts}. "
        f"Isolation: {isolation}. Reports in {out}/, gradebook {summary.gradebook}, class summary "
        f"{out / 'summary.html'}"
        + (f", {len(summary.changed)} changed scores in {out / 'changes.csv'}" if summary.changed else "")
    )


@cli.command(name="validate")
@ASSIGNMENT_OPTION
def validate_command(assignment_name: str | None) -> None:
    """Check that an assignment is ready for students, listing every problem found.

    The reference must score full marks in three identical runs and the starter 0; every hidden test
    needs points and a hint, and the points must add up to the assignment's total; the student bundle
    must hold no hidden test and no reference text; each named mistake's mutant in mutants.py must
    lose points and get its name (a quick audit: `grader audit` runs the full one). Exit status 0
    when ready, 1 when not.
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
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Mutants graded at once. Default: the number of cores.",
)
def audit_command(assignment_name: str | None, out: Path, jobs: int | None) -> None:
    """Check that the hidden tests catch wrong solutions, by grading mutants of the reference.

    Mutants are small changes to the functions the starter leaves to students (operators and
    comparisons swapped, signs flipped, constants nudged, off by one, abs added or removed, arguments
    or columns swapped, a statement removed, an earlier value returned) and one per named mistake from
    the assignment's mutants.py. Each is graded like a submission: worker, hidden tests, diagnoses.
    Writes OUT/audit.json, OUT/audit.html and OUT/audit.md, survivors first. Exit status 0 when every
    mutant that can change a value loses points, 1 when any survives, 2 on a usage error.
    """
    assignment = find_assignment(assignment_name)
    found = audit.audit(assignment, jobs or default_jobs())
    written = audit.write_audit(found, out)
    for mutant in found.survivors:
        click.echo(f"survived: {mutant.id}: {mutant.description}")
    for stale in found.stale:
        click.echo(f"note: EQUIVALENT in mutants.py lists {stale}, which is no mutant of the reference any more")
    counts = found.to_json()["counts"]
    click.echo(
        f"{assignment.name}: {counts['mutants']} mutants of {len(found.functions)} functions: "
        f"{counts['caught']} caught, {counts['survived']} survived, {counts['equivalent']} equivalent; "
        f"{found.mistakes_caught_and_named()} of {len(found.mistakes)} named mistakes caught and named by their "
        f"own mutant. Wrote {', '.join(str(path) for path in written)} in {found.seconds:.1f} s."
    )
    sys.exit(1 if found.survivors else 0)


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


@cli.command(name="ci")
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@click.option(
    "--min-score",
    type=click.FloatRange(0, 100),
    default=ci.DEFAULT_MIN_SCORE,
    show_default=True,
    metavar="PERCENT",
    help="Percent of the points at or above which the job passes (exit 0). 0: pass whatever the score.",
)
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="Also write a JUnit XML report here.")
@LANGUAGE_OPTION
def ci_command(
    submission: Path, assignment_name: str | None, min_score: float, junit: Path | None, language: str
) -> None:
    """Grade one SUBMISSION with the hidden tests, the way a CI job wants it.

    Appends the Markdown report to $GITHUB_STEP_SUMMARY when it is set (else prints it), prints
    `::error file=...,line=...::` annotations for failures at a line of the submission, writes JUnit
    XML with --junit. Exit status 0 at or above --min-score, 1 below, 2 on a usage or grader error.
    """
    assignment = find_assignment(assignment_name, near=[submission])
    _one_file(submission, f"the {assignment.submission_file} to grade")
    result = grade_one(assignment, Source(submission.stem, submission))
    ctx = build_context(result, assignment.title, with_svgs=False, language=language, locale_dirs=[assignment.locale])
    report = render_markdown(ctx)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write(report + "\n")
    else:
        click.echo(report)
    if junit:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_text(ci.junit_xml(result), encoding="utf-8")
    if not is_notebook(submission):  # a notebook's lines are not lines of the file GitHub shows
        for command in ci.error_commands(result, ci.annotated_path(submission)):
            click.echo(command)
    verdict = ci.verdict(result, min_score)
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
@LANGUAGE_OPTION
def gradescope_command(assignment_name: str | None, out: Path, language: str) -> None:
    """Write a Gradescope autograder zip: setup.sh and run_autograder at its root, the grader, the hidden
    tests and the reference. Upload it as a programming assignment's autograder (Ubuntu 22.04 or newer).
    """
    assignment = find_assignment(assignment_name)
    names = gradescope.build(assignment, out, language)
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
