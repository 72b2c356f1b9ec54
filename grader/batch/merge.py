"""Merges the output folders of shards into one: the gradebook, summary and changes a single run writes.

Each shard's OUT holds one folder per student with a finished results.json. The merge copies those
folders, then writes OUT/gradebook.csv, OUT/summary.html|md and OUT/changes.csv from them, exactly as
`grade_batch` would for the whole class. Results must come from this grader version and the
assignment's current digest, else the gradebook would mix two gradings; a student found in two shards
(the class or the shard count changed between runs) keeps the result graded last.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import __version__
from grader.assignment import Assignment
from grader.batch.resume import Change, changes, read_previous, write_changes
from grader.errors import GraderError
from grader.exports.gradebook import GradebookRow, write_gradebook
from grader.formatting import format_points
from grader.grading.diagnosis import mistake_titles
from grader.reports.summary import read_entry, write_summary
from grader.results import RESULTS_NAME, Status, read_stored


@dataclass(frozen=True)
class ShardResult:
    """One finished result found in a shard's output folder."""

    student: str
    folder: Path
    """OUT/<folder> of the shard that holds results.json and the reports."""
    graded_at: str
    row: GradebookRow
    position: int
    """Which OUT on the command line it came from: breaks a tie of graded_at, the later OUT winning."""


@dataclass(frozen=True)
class Duplicate:
    """A student graded in more than one shard: which result was kept, which were dropped."""

    student: str
    kept: ShardResult
    dropped: tuple[ShardResult, ...]


@dataclass(frozen=True)
class MergeSummary:
    """What a merge did, for the CLI's lines."""

    rows: tuple[GradebookRow, ...]
    gradebook: Path
    duplicates: tuple[Duplicate, ...] = ()
    changed: tuple[Change, ...] = ()


def merge_outputs(
    assignment: Assignment,
    outs: Sequence[Path],
    target: Path,
    *,
    language: str | None = None,
    write_rows: Callable[[list[GradebookRow], Path], None] = write_gradebook,
) -> MergeSummary:
    """Returns what was merged after writing `target` from the shards' `outs`; raises GraderError when
    an OUT is unusable or holds a result of another grader version or assignment digest.

    `language`: the summary's; None takes the one every student's reports are in (English if they differ)."""
    _check_folders(outs, target)
    found = [result for position, out in enumerate(outs) for result in _results_in(out, position, assignment)]
    kept, duplicates = _newest(found)
    students = sorted(kept)
    # Keyed by student: a student's folder name may differ from the id (a safe name for the filesystem).
    stored = read_previous(target, [kept[s].folder.name for s in students])
    previous = {s: stored[kept[s].folder.name] for s in students if kept[s].folder.name in stored}
    target.mkdir(parents=True, exist_ok=True)
    for student in students:
        _copy_student(kept[student].folder, target / kept[student].folder.name)
    rows = [kept[s].row for s in students]
    gradebook = target / "gradebook.csv"
    write_rows(rows, gradebook)
    found_changes = _changes(previous, [kept[s] for s in students])
    if found_changes or (target / "changes.csv").exists():
        write_changes(found_changes, target / "changes.csv")
    entries = [e for s in students if (e := read_entry(target / kept[s].folder.name)) is not None]
    languages = {e.language for e in entries}
    language = language or (languages.pop() if len(languages) == 1 else "en")
    write_summary(
        entries,
        target,
        assignment.title,
        mistake_titles(assignment),
        language=language,
        locale_dirs=[assignment.locale],
    )
    return MergeSummary(tuple(rows), gradebook, tuple(duplicates), tuple(found_changes))


def _check_folders(outs: Sequence[Path], target: Path) -> None:
    for out in outs:
        if not out.is_dir():
            raise GraderError(f"no such output folder: {out}", "pass the OUT folders the shards were graded into")
        if out.resolve() == target.resolve():
            raise GraderError(f"{out} is both a shard's output and the merge's", "merge into a new folder with -o OUT")


def _results_in(out: Path, position: int, assignment: Assignment) -> list[ShardResult]:
    """Returns the finished results in one shard's OUT; raises GraderError for one graded otherwise."""
    found = []
    for folder in sorted(out.iterdir()):
        if folder.name.startswith((".", "_")) or folder.is_symlink() or not folder.is_dir():
            continue  # .cache, and nothing a link points to: the merge copies what it reads
        stored = read_stored(folder)
        if stored is None or (folder / RESULTS_NAME).is_symlink():
            continue  # not a finished result: the shard was stopped before it
        _check_graded_alike(stored, folder, assignment)
        try:
            row = GradebookRow(
                str(stored["student"]),
                float(stored["score"]),
                float(stored["max_score"]),
                stored["status"],
                stored.get("late") is True,
            )
        except (ValueError, KeyError, TypeError) as error:
            raise GraderError(
                f"{folder / RESULTS_NAME} is not a result this grader wrote ({error})",
                "grade that shard again into a fresh folder",
            ) from None
        found.append(ShardResult(row.student, folder, str(stored.get("graded_at", "")), row, position))
    return found


def _check_graded_alike(stored: dict[str, Any], folder: Path, assignment: Assignment) -> None:
    version, digest = stored.get("grader_version"), stored.get("assignment_digest")
    if version != __version__:
        raise GraderError(
            f"{folder} was graded by grader {version}, not {__version__}",
            "grade that shard again with this grader (its results would not match the others')",
        )
    if stored.get("assignment") != assignment.name or digest != assignment.digest:
        raise GraderError(
            f"{folder} was graded with another version of assignment {stored.get('assignment')!r} "
            f"(digest {str(digest or 'not recorded')[:12]}, now {assignment.digest[:12]})",
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


def _copy_student(source: Path, destination: Path) -> None:
    """Copies a student's reports, results.json last so that its presence still marks a finished one."""
    if destination.is_symlink() or destination.is_file():
        destination.unlink()
    elif destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        if path.is_symlink() or path.name == RESULTS_NAME and path.parent == source:
            continue
        relative = destination / path.relative_to(source)
        if path.is_dir():
            relative.mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            shutil.copyfile(path, relative)
    shutil.copyfile(source / RESULTS_NAME, destination / RESULTS_NAME)


def _changes(previous: dict[str, Any], kept: Sequence[ShardResult]) -> list[Change]:
    """Returns the changed scores: against the merge's previous results, else as the shard recorded them."""
    compared = changes(previous, [r.row for r in kept if r.student in previous])
    recorded = [c for r in kept if r.student not in previous and (c := _recorded_change(r)) is not None]
    return sorted(compared + recorded, key=lambda c: c.student)


def _recorded_change(result: ShardResult) -> Change | None:
    """Returns the change the shard's own changes.csv lists for this student's kept result, if any."""
    path = result.folder.parent / "changes.csv"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as file:
        for line in csv.DictReader(file):
            if line.get("student") == result.student and line.get("new_status") == result.row.status:
                try:
                    old = GradebookRow(
                        result.student, float(line["old_score"]), result.row.max_score, line["old_status"]
                    )
                except (ValueError, KeyError, TypeError):
                    return None
                return Change(result.student, old, result.row)
    return None


def merge_lines(summary: MergeSummary, out: Path) -> list[str]:
    """Returns what the merge tells the instructor: each duplicate and change, then a closing line."""
    lines = []
    for duplicate in summary.duplicates:
        dropped = ", ".join(f"{d.folder.parent} ({d.graded_at or 'time not recorded'})" for d in duplicate.dropped)
        lines.append(
            f"in two shards: {duplicate.student}: kept {duplicate.kept.folder.parent} "
            f"(graded {duplicate.kept.graded_at or 'time not recorded'}), the newest; dropped {dropped}"
        )
    for change in summary.changed:
        old, new = format_points(change.old.score), format_points(change.new.score)
        lines.append(f"changed: {change.student} {old} -> {new}")
    statuses = Counter(row.status for row in summary.rows)
    counts = ", ".join(f"{statuses[s.value]} {s.value}" for s in Status if statuses[s.value])
    lines.append(
        f"Merged {len(summary.rows)} submissions: {counts or 'none'}. Reports in {out}/, gradebook "
        f"{summary.gradebook}, class summary {out / 'summary.html'}"
        + (f", {len(summary.changed)} changed scores in {out / 'changes.csv'}" if summary.changed else "")
    )
    return lines
