"""Merges the output folders of shards into one: the gradebook, summary and changes a single run writes.

Each shard's OUT holds one folder per student with a finished results.json. The merge copies those
folders into the folders a single run of the whole class would use, then finishes the run as
`grade_batch` does (store.py): the same gradebook, with the LMS columns of the roster the shards
recorded, the same summary and changes. Results must come from this grader version and the
assignment's current digest, else the gradebook would mix two gradings; a student found in two shards
(the class or the shard count changed between runs) keeps the result graded last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.assignment import Assignment
from grader.batch.ids import printable
from grader.batch.resume import Change, changes
from grader.batch.store import (
    GRADEBOOK,
    Finished,
    RunFolder,
    closing_lines,
    finished_results,
    read_changes,
    read_export_record,
    read_roster_record,
)
from grader.errors import GraderError
from grader.exports.gradebook import GradebookRow
from grader.exports.rosters import Roster
from grader.exports.round_trip import merged_export
from grader.reports.results_file import StoredResult


@dataclass(frozen=True)
class ShardResult:
    """One finished result found in a shard's output folder."""

    stored: StoredResult
    folder: Path
    """OUT/<folder> of the shard that holds results.json and the reports."""
    position: int
    """Which OUT on the command line it came from: breaks a tie of graded_at, the later OUT winning."""

    @property
    def student(self) -> str:
        return self.stored.student

    @property
    def graded_at(self) -> str:
        return self.stored.graded_at

    @property
    def row(self) -> GradebookRow:
        return GradebookRow.from_stored(self.stored)


@dataclass(frozen=True)
class Duplicate:
    """A student graded in more than one shard: which result was kept, which were dropped."""

    student: str
    kept: ShardResult
    dropped: tuple[ShardResult, ...]


@dataclass(frozen=True)
class MergeSummary:
    """What a merge did, for the CLI's lines."""

    finished: Finished
    duplicates: tuple[Duplicate, ...] = ()


def merge_outputs(
    assignment: Assignment,
    outs: Sequence[Path],
    target: Path,
    *,
    language: str | None = None,
    roster: Roster | None = None,
    export: str | None = None,
) -> MergeSummary:
    """Returns what was merged after writing `target` from the shards' `outs`; raises GraderError when
    an OUT is unusable or holds a result of another grader version or assignment digest.

    `language`: the summary's; None takes the one every student's reports are in (English if they differ).
    `roster`: the gradebook's id and name columns; None takes those the shards were graded with.
    `export`: the LMS to write import and feedback files for; None or "auto" takes the shards'."""
    _check_folders(outs, target)
    found = [
        ShardResult(stored, folder, position)
        for position, out in enumerate(outs)
        for folder, stored in finished_results(out)
    ]
    for result in found:
        _check_graded_alike(result, assignment)
    kept, duplicates = _newest(found)
    roster = roster if roster is not None else shards_roster(outs)
    students = sorted(kept)
    run = RunFolder.of(target, students)
    previous = run.previous()  # what the merge's OUT held before: changed scores are against it
    for student in students:
        run.copy_student(student, kept[student].folder)
    entries = [kept[s].stored.entry for s in students]
    languages = {entry.language for entry in entries}
    language = language or (languages.pop() if len(languages) == 1 else "en")
    rows = [kept[s].row for s in students]
    found_changes = _changes(previous, kept)
    records = [record for out in outs if (record := read_export_record(out)) is not None]
    lms = merged_export(records, export)
    finished = run.finish(assignment, rows, entries, found_changes, roster=roster, language=language, export=lms)
    return MergeSummary(finished, tuple(duplicates))


def _check_folders(outs: Sequence[Path], target: Path) -> None:
    """Raises GraderError for an OUT that is not a shard's output: missing, the merge's own, or a folder
    `grader grade` did not write (no gradebook.csv), which would merge into an empty gradebook."""
    for out in outs:
        if not out.is_dir():
            raise GraderError(f"no such output folder: {out}", "pass the OUT folders the shards were graded into")
        if out.resolve() == target.resolve():
            raise GraderError(f"{out} is both a shard's output and the merge's", "merge into a new folder with -o OUT")
        if not (out / GRADEBOOK).is_file():
            raise GraderError(
                f"{out} is not the output of a shard (it has no {GRADEBOOK})",
                "pass the -o folders of `grader grade --shard K/N`, after each has finished",
            )


def _check_graded_alike(result: ShardResult, assignment: Assignment) -> None:
    stored, folder = result.stored, result.folder
    if stored.grader_version != __version__:
        raise GraderError(
            f"{folder} was graded by grader {stored.grader_version or 'of an unknown version'}, not {__version__}",
            "grade that shard again with this grader (its results would not match the others')",
        )
    if stored.assignment != assignment.name or stored.assignment_digest != assignment.digest:
        raise GraderError(
            f"{folder} was graded with another version of assignment {stored.assignment!r} "
            f"(digest {(stored.assignment_digest or 'not recorded')[:12]}, now {assignment.digest[:12]})",
            f"grade that shard again with -a {assignment.name}, or merge with the assignment it was graded with",
        )


def _newest(found: Sequence[ShardResult]) -> tuple[dict[str, ShardResult], list[Duplicate]]:
    """Returns the result kept per student (latest graded_at, then the later OUT) and the duplicates."""
    by_student: dict[str, list[ShardResult]] = {}
    for result in found:
        by_student.setdefault(result.student, []).append(result)
    kept, duplicates = {}, []
    for student, results in sorted(by_student.items()):
        ordered = sorted(results, key=lambda r: (r.graded_at, r.position))
        kept[student] = ordered[-1]
        if len(ordered) > 1:
            duplicates.append(Duplicate(student, ordered[-1], tuple(ordered[:-1])))
    return kept, duplicates


def shards_roster(outs: Sequence[Path]) -> Roster | None:
    """Returns the roster the shards' gradebooks were written with, all their students together; None when
    none had one. Raises GraderError when shards were graded with rosters of different columns."""
    rosters = [roster for out in outs if (roster := read_roster_record(out)) is not None]
    if not rosters:
        return None
    columns = {(roster.id_column, roster.name_column) for roster in rosters}
    if len(columns) > 1:
        raise GraderError(
            f"the shards' gradebooks have different LMS columns ({', '.join(sorted(c[0] for c in columns))})",
            "merge with --roster ROSTER to write one gradebook, or grade the shards from one download",
        )
    students = {key: student for roster in rosters for key, student in roster.students.items()}
    return Roster(rosters[0].id_column, rosters[0].name_column, students)


def _changes(previous: Mapping[str, StoredResult], kept: Mapping[str, ShardResult]) -> list[Change]:
    """Returns the changed scores: against the merge's previous results, else as the shard recorded them."""
    compared = changes(previous, [r.row for r in kept.values() if r.student in previous])
    by_shard: dict[Path, list[GradebookRow]] = {}
    for result in kept.values():
        if result.student not in previous:
            by_shard.setdefault(result.folder.parent, []).append(result.row)
    recorded = [change for out, rows in by_shard.items() for change in read_changes(out, rows).values()]
    return compared + recorded


def merge_lines(summary: MergeSummary, out: Path) -> list[str]:
    """Returns what the merge tells the instructor: each duplicate, then the lines every finished run ends with."""
    lines = []
    for duplicate in summary.duplicates:
        dropped = ", ".join(f"{d.folder.parent} ({d.graded_at or 'time not recorded'})" for d in duplicate.dropped)
        lines.append(
            f"in two shards: {printable(duplicate.student)}: kept {duplicate.kept.folder.parent} "
            f"(graded {duplicate.kept.graded_at or 'time not recorded'}), the newest; dropped {dropped}"
        )
    return lines + closing_lines(summary.finished, out, f"Merged {len(summary.finished.rows)} submissions")
