"""Commands on a class: `grade` a batch (or one shard of it), `merge` shards, compare for `similarity`."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader.cli.app import (
    ASSIGNMENT_OPTION,
    ISOLATION_OPTION,
    LANGUAGE_OPTION,
    SHARD_OPTION,
    cli,
    jobs_option,
    workers_isolation,
)
from grader.defaults import EXPORTS, LAYOUTS, SIMILARITY_FLOOR
from grader.i18n import LANGUAGES

if TYPE_CHECKING:
    from grader.batch.intake import Intake
    from grader.exports.rosters import Roster
    from grader.exports.round_trip import LmsExport

EXPORT_OPTION = click.option(
    "--export",
    "export_choice",
    type=click.Choice(EXPORTS),
    default="auto",
    show_default=True,
    help="Also write what this LMS imports: canvas (OUT/canvas-gradebook.csv, OUT/feedback-canvas.zip), moodle "
    "(OUT/moodle-grading-worksheet.csv, OUT/feedback-moodle.zip) or plain (gradebook.csv only); auto takes the "
    "LMS the download came from. See docs/lms.md.",
)
LATE_PENALTY_OPTION = click.option(
    "--late-penalty",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Percent of the score taken per day late, in place of [late] percent_per_day in assignment.toml.",
)

SUMMARY_LANGUAGE_OPTION = click.option(
    "--summary-lang",
    "summary_language",
    type=click.Choice(LANGUAGES),
    default=None,
    help="Language of the class summary (OUT/summary.html, OUT/summary.md) for the instructor. Default: the "
    "language of the reports.",
)


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
@jobs_option("Submissions")
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
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default="auto",
    show_default=True,
    help="How the submissions are laid out: an LMS's download (Canvas, Moodle, a Gradescope export, GitHub "
    "Classroom clones) or plain files and folders named by student id. auto finds it and says what it found.",
)
@EXPORT_OPTION
@click.option(
    "--canvas-assignment",
    default="",
    metavar="ID",
    help="The assignment's Canvas id (the number in its address): the Canvas import's column is "
    "'Title (ID)', which Canvas matches by id. Without it, Canvas matches the assignment's exact title.",
)
@LATE_PENALTY_OPTION
@SHARD_OPTION
@LANGUAGE_OPTION
@SUMMARY_LANGUAGE_OPTION
@ISOLATION_OPTION
def grade(
    submissions: tuple[Path, ...],
    assignment_name: str | None,
    out: Path,
    jobs: int | None,
    force: bool,
    timings: bool,
    roster_path: Path | None,
    layout: str,
    export_choice: str,
    canvas_assignment: str,
    late_penalty: float | None,
    shard_spec: str | None,
    language: str,
    summary_language: str | None,
    isolation_choice: str | None,
) -> None:
    """Grade SUBMISSIONS with the hidden tests and write every student's reports and the gradebook.

    Each SUBMISSION is a submission file, a submission folder, a folder of submissions (one per file or sub-folder;
    the student id is the file stem or folder name), an LMS's download (its folder or .zip: the student id is the
    LMS's own), or a .zip or .tar.gz of any of these, unpacked safely. Rerunning into the same OUT grades only what
    changed (submission, assignment or grader) and lists changed scores in OUT/changes.csv; Ctrl-C keeps finished
    results and the next run resumes. Exit status 0 when every submission got a result, whatever the scores.
    """
    from grader.assignment import find_assignment
    from grader.batch.intake import refuse_output_inside, take_submissions
    from grader.batch.pool import Interrupted, default_jobs, grade_batch, write_timings
    from grader.batch.shards import in_shard, parse_shard, students_in_shard
    from grader.batch.store import closing_lines
    from grader.cli.progress import Progress
    from grader.results import Status

    assignment = find_assignment(assignment_name, near=submissions).with_late_penalty(late_penalty)
    shard = parse_shard(shard_spec) if shard_spec is not None else None
    refuse_output_inside(submissions, out)
    with tempfile.TemporaryDirectory(prefix="grader-intake-") as scratch:  # unpacked archives, until graded
        intake = take_submissions(submissions, assignment.submission_file, layout, Path(scratch))
        _print_intake(intake)
        sources = in_shard(intake.sources, shard)
        isolation = workers_isolation(isolation_choice, untrusted=True)
        missing, roster = _roster_plan(roster_path, [source.student for source in sources], intake.roster)
        missing = students_in_shard(missing, shard)
        export = _export_plan(export_choice, canvas_assignment, intake)
        started = time.monotonic()
        try:
            with Progress("grading", "submissions") as progress:
                summary = grade_batch(
                    assignment, sources, out, jobs or default_jobs(), force, progress, missing, roster,
                    language=language, isolation=isolation, export=export, summary_language=summary_language,
                )  # fmt: skip
        except Interrupted as stopped:
            _stopped(stopped.finished, stopped.total, out)
    if timings:
        write_timings(summary.graded, out / "timings.csv")
    skipped = f" ({summary.skipped} unchanged, not regraded)" if summary.skipped else ""
    opening = f"{len(summary.rows)} submissions in {time.monotonic() - started:.1f} s{skipped}"
    click.echo("\n".join(closing_lines(summary.finished, out, opening, note=f"Isolation: {isolation.level}. ")))
    if summary.by_status.get(Status.INTERNAL_ERROR.value):
        sys.exit(1)  # the grader failed on some submission: their rows say internal_error


def _stopped(finished: int, total: int, out: Path) -> None:
    """Says what Ctrl-C kept, and exits 130 as an interrupted command does."""
    click.echo(
        f"Interrupted: {finished} of {total} submissions finished and kept in {out}/. "
        "Run the same command again to grade the rest.",
        err=True,
    )
    sys.exit(130)


def _print_intake(intake: Intake) -> None:
    from grader.batch.ids import printable

    for path, layout in intake.layouts:
        click.echo(f"{path}: {LAYOUT_WORDS.get(layout, layout)}")
    for line in intake.lines:
        click.echo(printable(line))
    for source in intake.sources:
        if source.superseded:
            shown = ", ".join(printable(name) for name in source.superseded)
            graded = printable(source.path.name) if source.path else "nothing"
            click.echo(f"{printable(source.student)}: graded {graded}, not graded: {shown}")
        if source.refused:
            click.echo(f"{printable(source.student)}: refused: {printable(source.refused)}")


def _export_plan(choice: str, canvas_assignment: str, intake: Intake) -> LmsExport:
    """Returns the LMS export of the run: the one chosen, else the LMS the downloads came from."""
    from grader.exports.round_trip import export_for

    if canvas_assignment and not canvas_assignment.isdigit():
        raise click.BadParameter(f"{canvas_assignment!r} is not a Canvas id (digits)", param_hint="--canvas-assignment")
    names = {source.student: source.path.name for source in intake.sources if source.path is not None}
    return export_for(choice, [layout for _, layout in intake.layouts], names, canvas_assignment)


LAYOUT_WORDS = {
    "canvas": "a Canvas download (student id: Canvas user id; gradebook column ID)",
    "moodle": "a Moodle download (student id: participant id; gradebook column Identifier)",
    "gradescope": "a Gradescope export (student id: SID or email from submission_metadata.yml)",
    "classroom": "GitHub Classroom repositories (student id: GitHub username)",
    "plain": "files and folders named by student id",
    "unreadable": "not a readable archive",
}


def _roster_plan(
    roster_path: Path | None, students: list[str], download_ids: Roster | None = None
) -> tuple[list[str], Roster | None]:
    """Returns the roster's students who handed in nothing, and the roster whose id (and name) columns the
    gradebook gets: the one given (matched on the LMS's ids when the download carried them), else the ids
    the LMS's download carried, else none."""
    from grader.batch.ids import printable
    from grader.exports.rosters import read_roster

    if roster_path is None:
        return [], download_ids
    roster = read_roster(roster_path, download_ids)
    if unknown := roster.unknown(students):
        shown = ", ".join(printable(student) for student in unknown)
        click.echo(f"not on the roster (graded, no {roster.id_column} in the gradebook): {shown}")
    return roster.missing(students), roster


@cli.command(name="merge")
@click.argument("outs", metavar="SHARD_OUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for the merged reports, OUT/gradebook.csv, OUT/summary.html and OUT/changes.csv.",
)
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Class roster CSV, as given to `grader grade --roster`: the gradebook gets its id column. Default: the "
    "roster the shards' gradebooks were written with (--roster, or the ids of an LMS's download).",
)
@EXPORT_OPTION
@LATE_PENALTY_OPTION
@SUMMARY_LANGUAGE_OPTION
def merge_command(
    outs: tuple[Path, ...],
    assignment_name: str | None,
    out: Path,
    roster_path: Path | None,
    export_choice: str,
    late_penalty: float | None,
    summary_language: str | None,
) -> None:
    """Merge the output folders of `grader grade --shard K/N` runs into OUT, as one run would have written it.

    Copies every student's reports and writes one gradebook, the LMS's import and feedback files the shards
    wrote (or --export's), class summary and changes.csv. Pass the --late-penalty the shards were graded
    with. A student
    found in two shards keeps the result graded last. Results graded by another grader version or
    another version of the assignment are refused (exit 2): grade that shard again.
    """
    from grader.assignment import find_assignment
    from grader.batch.merge import merge_lines, merge_outputs, shards_roster
    from grader.exports.rosters import read_roster

    assignment = find_assignment(assignment_name).with_late_penalty(late_penalty)
    recorded = shards_roster(outs) if roster_path is not None else None
    matched_on = recorded if recorded is not None and recorded.keyed_by_id() else None
    roster = read_roster(roster_path, matched_on) if roster_path is not None else None
    summary = merge_outputs(assignment, outs, out, language=summary_language, roster=roster, export=export_choice)
    for line in merge_lines(summary, out):
        click.echo(line)


@cli.command(name="similarity")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@ASSIGNMENT_OPTION
@click.option(
    "-o",
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for similarity.csv and similarity.html; the grade OUT makes its summary link them.",
)
@click.option(
    "--floor",
    type=click.FloatRange(0, 1),
    default=SIMILARITY_FLOOR,
    show_default=True,
    help="Least similarity listed: the share of one submission's code (not the starter) in the other.",
)
def similarity_command(submissions: tuple[Path, ...], assignment_name: str | None, out: Path, floor: float) -> None:
    """Rank the pairs of SUBMISSIONS whose code is most alike, ignoring the starter; runs no student code.

    Renamed variables, rewritten comments and reformatting do not hide a copy. Writes OUT/similarity.csv
    (every pair at or above --floor, highest first) and OUT/similarity.html (matched code side by side).
    """
    from grader.assignment import find_assignment
    from grader.batch.discovery import discover
    from grader.cli.progress import Progress
    from grader.exports import similarity

    assignment = find_assignment(assignment_name, near=submissions)
    sources = discover(submissions, assignment.submission_file)
    with Progress("comparing", "steps") as progress:
        found = similarity.compare_class(sources, assignment.starter, floor, on_progress=progress)
    similarity.write_similarity(found, out, assignment.title)
    click.echo(
        f"{len(found.pairs)} pairs at or above {floor:g} among {found.compared} submissions "
        f"({found.candidates} compared): {out / 'similarity.csv'}, {out / 'similarity.html'}"
    )
