"""The `grader` command: parses arguments, calls the library, prints. Nothing is decided here."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from grader import __version__
from grader.assignment import Assignment, find_assignment
from grader.batch import Interrupted, default_jobs, grade_batch, write_timings
from grader.discovery import discover
from grader.errors import GraderError
from grader.gradebook import format_points
from grader.reports import build_context, render_check
from grader.results import Outcome, Status
from grader.runner import Source
from grader.runner import grade as grade_one


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Grade programming exercises with hidden tests, each submission in its own limited worker."""


@cli.command()
@click.argument("submission", type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
def check(submission: Path, assignment_name: str | None) -> None:
    """Run the public tests on your SUBMISSION file and explain every failure.

    Exit status 0 when every public test passes, 1 otherwise.
    """
    assignment = _assignment(assignment_name)
    if not submission.is_file():
        raise UserError(f"no such file: {submission}; pass the path of your {assignment.submission_file}")
    result = grade_one(assignment, Source(submission.stem, submission), tests=assignment.public_tests, with_plots=False)
    click.echo(render_check(build_context(result, assignment.title, with_svgs=False)), nl=False)
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
def grade(
    submissions: tuple[Path, ...],
    assignment_name: str | None,
    out: Path,
    jobs: int | None,
    force: bool,
    timings: bool,
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
    except GraderError as error:
        raise UserError(str(error)) from None
    started = time.monotonic()
    progress = Progress(len(sources), enabled=sys.stderr.isatty())
    try:
        summary = grade_batch(assignment, sources, out, jobs or default_jobs(), force, on_done=progress.advance)
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
        f"Reports in {out}/, gradebook {summary.gradebook}"
        + (f", {len(summary.changed)} changed scores in {out / 'changes.csv'}" if summary.changed else "")
    )
    if summary.by_status.get(Status.INTERNAL_ERROR.value):
        sys.exit(1)  # the grader failed on some submission: their rows say internal_error


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
