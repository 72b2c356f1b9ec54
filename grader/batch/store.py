"""The run folder OUT: where each student's reports go, what earlier runs left there, and how every run ends.

    OUT/<folder>/        a student's report.html, report.md and results.json (folder: ids.py; codec of
                         results.json: reports/results_file.py)
    OUT/gradebook.csv    a row per student, with the LMS's id and name columns when a roster gave them
    OUT/.roster.json     that roster and the LMS export, so that `grader merge` writes the same files
    OUT/canvas-gradebook.csv, feedback-canvas.zip, moodle-grading-worksheet.csv, feedback-moodle.zip
                         what the LMS's importers take back (exports/round_trip.py), for a Canvas or Moodle run
    OUT/changes.csv      the scores that changed since the results OUT held before
    OUT/summary.html|md  the class overview
    OUT/.cache/svg/      drawn plots, shared by the grading processes and by later runs

This is the only module that reads what a run left in OUT. `grader grade`, a resumed run and `grader merge`
all end with RunFolder.finish and print closing_lines, so they write the same files and say the same.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.assignment import Assignment
from grader.batch.ids import printable, report_folders
from grader.batch.resume import Change
from grader.errors import GraderError
from grader.exports.gradebook import GradebookRow, late_cell, spreadsheet_text, write_gradebook
from grader.exports.lms import Roster, Student, write_lms_gradebook
from grader.exports.round_trip import ExportInputs, LmsExport, write_exports
from grader.files import write_atomically
from grader.formatting import format_points
from grader.grading.diagnosis import mistake_titles
from grader.reports.plotcache import SvgCache
from grader.reports.results_file import StoredResult, read_result
from grader.reports.student import write_reports
from grader.reports.summary import SummaryEntry, write_summary
from grader.results import RESULTS_NAME, Status, SubmissionResult

GRADEBOOK = "gradebook.csv"
CHANGES = "changes.csv"
ROSTER_RECORD = ".roster.json"
"""Hidden, as .cache: no student's folder can be named so (ids.py), and a merge skips dot-names."""
CACHE_FOLDER = ".cache"
CHANGES_COLUMNS = ("student", "name", "old_score", "new_score", "old_status", "new_status", "late")


@dataclass(frozen=True)
class Finished:
    """What finishing a run wrote, for the closing lines."""

    rows: tuple[GradebookRow, ...]
    gradebook: Path
    changed: tuple[Change, ...] = ()
    """Sorted by student."""
    exports: tuple[str, ...] = ()
    """Lines saying where the LMS's import and feedback files are, and who they leave out."""

    @property
    def by_status(self) -> dict[str, int]:
        """Returns how many rows have each status, in the statuses' order, those with none left out."""
        counts = Counter(row.status for row in self.rows)
        return {status.value: counts[status.value] for status in Status if counts[status.value]}


@dataclass(frozen=True)
class RunFolder:
    """OUT, and the folder under it of each student of the run."""

    out: Path
    folders: Mapping[str, str]
    """Student id → folder name under OUT (ids.report_folders over the whole run's students)."""

    @classmethod
    def of(cls, out: Path, students: Iterable[str]) -> RunFolder:
        """Returns the run folder OUT for these students: each gets a folder no other id can clash with."""
        return cls(out, report_folders(students))

    def folder(self, student: str) -> Path:
        """Returns OUT/<folder> of the student's reports and results.json."""
        return self.out / self.folders.get(student, student)

    def previous(self) -> dict[str, StoredResult]:
        """Returns the finished result an earlier run left for each student, each file read once; an unreadable
        one, or one of another student (a folder copied by hand), is absent, so the student is graded again."""
        found = {}
        for student in self.folders:
            try:
                stored = read_result(self.folder(student))
            except ValueError:
                continue
            if stored is not None and stored.student == student:
                found[student] = stored
        return found

    def svg_cache(self) -> SvgCache:
        """Returns a cache of drawn plots kept under OUT, shared by every grading process and later runs."""
        return SvgCache(self.out / CACHE_FOLDER / "svg")

    def write_reports(
        self, result: SubmissionResult, assignment: Assignment, language: str, svg_cache: SvgCache
    ) -> dict[str, float]:
        """Writes the student's reports, then results.json, in their folder; returns the seconds spent drawing
        plots ("draw plots") and on the rest ("render reports")."""
        folder = self.folder(result.student)
        return write_reports(
            result, assignment.title, folder, svg_cache, language=language, locale_dirs=[assignment.locale]
        )

    def copy_student(self, student: str, source: Path) -> None:
        """Copies a student's reports from another run's folder `source` (no links), results.json last so that
        its presence still marks a finished student."""
        destination = self.folder(student)
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

    def finish(
        self,
        assignment: Assignment,
        rows: Sequence[GradebookRow],
        entries: Iterable[SummaryEntry],
        changed: Sequence[Change],
        *,
        roster: Roster | None,
        language: str,
        export: LmsExport | None = None,
    ) -> Finished:
        """Writes the gradebook (with the roster's id and name columns when there is one), the LMS's import and
        feedback files for `export`, the roster and export used, changes.csv (when a score changed, or to empty
        an earlier one) and the class summary in `language`. Raises GraderError when `export` needs the LMS's
        ids and there is no roster."""
        self.out.mkdir(parents=True, exist_ok=True)
        entries = list(entries)
        titles = mistake_titles(assignment)
        gradebook = self.out / GRADEBOOK
        if roster is not None:
            write_lms_gradebook(roster, rows, gradebook)
        else:
            write_gradebook(rows, gradebook)
        mistakes = {e.student: tuple(titles.get(d, d) for d in e.diagnoses) for e in entries}
        inputs = ExportInputs(rows, roster, assignment.title, mistakes, self.folder)
        exports = write_exports(export or LmsExport(), inputs, self.out)
        _record_roster(roster, export, self.out / ROSTER_RECORD)
        changed = sorted(changed, key=lambda change: change.student)
        if changed or (self.out / CHANGES).exists():
            write_changes(changed, self.out / CHANGES)
        write_summary(
            entries,
            self.out,
            assignment.title,
            titles,
            language=language,
            locale_dirs=[assignment.locale],
            folders=self.folders,
            names={row.student: name for row in rows if (name := _name_of(row, roster))},
            late={row.student for row in rows if row.late},
        )
        return Finished(tuple(rows), gradebook, tuple(changed), tuple(exports))


def _name_of(row: GradebookRow, roster: Roster | None) -> str:
    """Returns the student's name as the download gave it, else as the roster does; "" when neither does."""
    found = roster.find(row.student) if roster is not None and not row.name else None
    return row.name or (found.name if found is not None else "")


def finished_results(out: Path) -> list[tuple[Path, StoredResult]]:
    """Returns each student folder of another run's OUT that holds a finished result, with that result, by
    folder name; raises GraderError for a results.json this grader cannot read."""
    found = []
    for folder in sorted(out.iterdir()):
        if folder.name.startswith((".", "_")) or folder.is_symlink() or not folder.is_dir():
            continue  # .cache, and nothing a link points to: a merge copies what it reads
        try:
            stored = read_result(folder)
        except ValueError as error:
            raise GraderError(
                f"{folder / RESULTS_NAME} is not a result this grader wrote: {error}",
                "grade that shard again into a fresh folder",
            ) from None
        if stored is not None:  # else not finished: the run was stopped before it
            found.append((folder, stored))
    return found


def write_changes(found: Sequence[Change], path: Path) -> None:
    """Writes changes.csv: one row per changed student, sorted by student."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(CHANGES_COLUMNS)
        for change in sorted(found, key=lambda c: c.student):
            writer.writerow(
                [
                    spreadsheet_text(change.student),
                    spreadsheet_text(change.new.name),
                    format_points(change.old.score),
                    format_points(change.new.score),
                    change.old.status,
                    change.new.status,
                    late_cell(change.new.late),
                ]
            )


def read_changes(out: Path, rows: Iterable[GradebookRow]) -> dict[str, Change]:
    """Returns the change OUT/changes.csv records for each of `rows`' students, where it records the row's
    status as the new one; lines it cannot read are left out."""
    path = out / CHANGES
    if not path.is_file():
        return {}
    wanted = {spreadsheet_text(row.student): row for row in rows}  # the file holds ids as written for spreadsheets
    found = {}
    with path.open(encoding="utf-8", newline="") as file:
        for line in csv.DictReader(file):
            row = wanted.get(line.get("student") or "")
            if row is None or line.get("new_status") != row.status or row.student in found:
                continue
            try:
                old = GradebookRow(row.student, float(line["old_score"]), row.max_score, line["old_status"])
            except (ValueError, KeyError, TypeError):
                continue
            found[row.student] = Change(row.student, old, row)
    return found


def read_roster_record(out: Path) -> Roster | None:
    """Returns the roster another run's gradebook was written with; None when it had none. Raises GraderError
    when the record cannot be read."""
    path = out / ROSTER_RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        students = [Student(s["submission"], s["id"], s["name"]) for s in record["students"]]
        roster = Roster(record["id_column"], record["name_column"], {s.submission.casefold(): s for s in students})
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GraderError(f"cannot read {path} ({error})", "grade that shard again into a fresh folder") from None
    return roster


def read_export_record(out: Path) -> LmsExport | None:
    """Returns the LMS export another run wrote, None when it recorded none. Raises GraderError when the record
    cannot be read."""
    path = out / ROSTER_RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8")).get("export")
        return LmsExport.from_json(record) if record is not None else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise GraderError(f"cannot read {path} ({error})", "grade that shard again into a fresh folder") from None


def _record_roster(roster: Roster | None, export: LmsExport | None, path: Path) -> None:
    if roster is None:
        path.unlink(missing_ok=True)
        return
    students = sorted(roster.students.values(), key=lambda s: (s.submission.casefold(), s.submission))
    record = {
        "id_column": roster.id_column,
        "name_column": roster.name_column,
        "students": [{"submission": s.submission, "id": s.id, "name": s.name} for s in students],
        **({"export": export.to_json()} if export is not None else {}),
    }
    write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")


def closing_lines(finished: Finished, out: Path, opening: str, note: str = "") -> list[str]:
    """Returns what a command that finished a run prints: each changed score, where the LMS's files are, then
    `opening`, the count of each status, `note` and where everything is. Student ids are their own text:
    printed escaped (ids.py)."""
    lines = [
        f"changed: {printable(change.student)} "
        f"{format_points(change.old.score)} -> {format_points(change.new.score)}"
        + (f" ({change.old.status} -> {change.new.status})" if change.old.status != change.new.status else "")
        for change in finished.changed
    ]
    counts = ", ".join(f"{count} {status}" for status, count in finished.by_status.items())
    lines.append(
        f"{opening}: {counts or 'none'}. {note}Reports in {out}/, gradebook {finished.gradebook}, class summary "
        f"{out / 'summary.html'}"
        + (f", {len(finished.changed)} changed scores in {out / CHANGES}" if finished.changed else "")
    )
    return lines[:-1] + [printable(line) for line in finished.exports] + lines[-1:]
