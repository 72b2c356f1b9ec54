"""The `grader` command group, its one error boundary, the options commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from grader import __version__
from grader.errors import GraderError
from grader.i18n import DEFAULT_LANGUAGE, LANGUAGES
from grader.sandbox.isolation import CHOICES, Isolation, choose_isolation, isolation_for_grading, requested_level


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


SHARD_OPTION = click.option(
    "--shard",
    "shard_spec",
    metavar="K/N",
    help="Grade only shard K of N (from 1): the "
    "students a stable hash of the id puts there; then `grader merge`. From a 0-based I: --shard $((I+1))/N.",
)


def jobs_option(what: str) -> Any:
    """Returns the -j/--jobs option of a command that grades `what` in parallel processes."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        default=None,
        help=f"{what} graded at once. Default: the number of cores.",
    )


ISOLATION_OPTION = click.option(
    "--isolation",
    "isolation_choice",
    type=click.Choice(list(CHOICES)),
    default=None,
    help="How strongly to isolate submissions (default: GRADER_ISOLATION, else the strongest this machine "
    "allows). Grading refuses 'resource limits only' unless you pass --isolation limits.",
)


@click.group(cls=GraderCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def cli() -> None:
    """Grade programming exercises with hidden tests, each submission in its own limited worker."""


def workers_isolation(choice: str | None, *, untrusted: bool) -> Isolation:
    """Returns the isolation a command starts its workers at: --isolation (`choice`), else GRADER_ISOLATION,
    else the strongest this machine allows. The command passes it down to the launcher as a value.

    Grading others' submissions (`untrusted`) refuses "resource limits only" unless it was asked for by
    name; a student's own `check` and an instructor's own files (validate, audit) run at any level.
    """
    requested = requested_level(choice)
    return isolation_for_grading(requested) if untrusted else choose_isolation(requested)


def require_file(submission: Path, what: str) -> None:
    if not submission.is_file():
        raise UserError(f"no such file: {submission}; pass the path of {what}")


def main() -> None:
    """Runs the CLI."""
    cli(prog_name="grader")
