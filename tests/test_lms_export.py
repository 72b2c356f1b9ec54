"""The files an instructor gives back to the LMS pass that LMS's importer, as its source reads them
(tests/lms_importers.py): Canvas's gradebook CSV and re-upload zip, Moodle's grading worksheet and feedback zip.
The round trip at the end grades a generated Canvas and Moodle download of gd1d's examples end to end."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exports.feedback_files import canvas_attachment, moodle_folder, write_canvas_feedback, write_moodle_feedback
from grader.exports.gradebook import GradebookRow
from grader.exports.lms_import import (
    canvas_assignment_column,
    feedback_comment,
    moodle_time,
    participant_id,
    write_canvas_gradebook,
    write_moodle_worksheet,
)
from grader.exports.rosters import Roster, Student
from grader.exports.round_trip import LmsExport, export_for, merged_export
from tests.lms_importers import (
    ImportRefused,
    canvas_feedback_zip,
    canvas_import,
    moodle_feedback_zip,
    moodle_import,
)

PROJECT = Path(__file__).parent.parent
GD1D = PROJECT / "assignments" / "gd1d"
EXAMPLES = GD1D / "examples"
GRADED_AT = "2025-03-02T09:30:15.123456+00:00"


def roster(id_column: str, students: dict[str, tuple[str, str]], **columns: tuple[tuple[str, str], ...]) -> Roster:
    return Roster(
        id_column,
        "Student",
        {key.casefold(): Student(key, lms_id, name, columns.get(key, ())) for key, (lms_id, name) in students.items()},
    )


ROWS = [
    GradebookRow("1001", 100, 100, "graded", name="ada", graded_at=GRADED_AT),
    GradebookRow("1002", 72.5, 100, "graded", late=True, name="grace", graded_at=GRADED_AT),
    GradebookRow("1003", 0, 100, "internal_error", name="alan", graded_at=GRADED_AT),
    GradebookRow("stray", 50, 100, "graded"),
]


# -- the validators are the importers: they accept the LMS's own files and refuse the issue's ----------------


def test_the_canvas_check_takes_canvas_own_export_and_refuses_the_old_gradebook(tmp_path):
    own = tmp_path / "canvas-export.csv"
    own.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Gradient descent (1234),Current Score,Final Score\n"
        "    Points Possible,,,,,100,(read only),(read only)\n"
        '"Doe, Jane",1001,S1,jdoe,Section A,87.5,87.5,87.5\n',
        encoding="utf-8",
    )
    found = canvas_import(own)
    assert found.assignments == [("Gradient descent", "1234")] and found.grades == {"1001": ["87.5"]}
    old = tmp_path / "gradebook.csv"
    old.write_text("student,Student,ID,score,max_score,percent,status,late\n1001,ada,1001,5,5,100,graded,no\n")
    with pytest.raises(ImportRefused, match="row_has_student_headers"):
        canvas_import(old)


def test_the_moodle_check_needs_grade_and_its_time(tmp_path):
    only_id = tmp_path / "grades.csv"
    only_id.write_text("Identifier,Full name,score\nParticipant 1,Ada,5\n")
    with pytest.raises(ImportRefused, match="Grade"):
        moodle_import(only_id, 100)


# -- Canvas --------------------------------------------------------------------------------------------------


def test_the_canvas_gradebook_has_one_assignment_column_and_points_only(tmp_path):
    path = tmp_path / "canvas-gradebook.csv"
    students = {"1001": ("1001", "ada"), "1002": ("1002", "grace"), "1003": ("1003", "=cmd")}
    written = write_canvas_gradebook(ROWS, roster("ID", students), "Gradient descent (1234)", path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbfStudent,ID,SIS User ID,SIS Login ID,Section,")
    found = canvas_import(path)
    assert found.assignments == [("Gradient descent", "1234")]  # nothing of ours becomes an assignment
    assert found.points == ["100"]
    assert found.grades == {"1001": ["100"], "1002": ["72.5"], "1003": [""]}  # a grader failure changes nothing
    assert written.left_out == ("stray",)
    assert "'=cmd" in path.read_text(encoding="utf-8-sig")


def test_a_canvas_gradebook_export_as_roster_fills_the_sis_columns_canvas_matches_on(tmp_path):
    columns = {"jdoe": (("SIS User ID", "S1"), ("SIS Login ID", "jdoe"), ("Section", "A"))}
    rows = [GradebookRow("jdoe", 80, 100, "graded")]
    path = tmp_path / "canvas-gradebook.csv"
    write_canvas_gradebook(rows, roster("SIS User ID", {"jdoe": ("S1", "Jane Doe")}, **columns), "GD", path)
    line = path.read_text(encoding="utf-8-sig").splitlines()[2]
    assert line == "Jane Doe,,S1,jdoe,A,80"
    assert canvas_import(path).grades == {"S1": ["80"]}


def test_without_its_canvas_id_the_column_is_the_title_canvas_matches_exactly():
    assert canvas_assignment_column("Gradient descent", "1234") == "Gradient descent (1234)"
    assert canvas_assignment_column("Gradient descent") == "Gradient descent"


def test_canvas_feedback_is_named_by_user_and_attachment_so_re_upload_attaches_it(tmp_path):
    reports = {}
    for student in ("1001", "1002", "1003"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "report.html").write_text(f"<p>{student}</p>")
        reports[student] = tmp_path / student
    path = tmp_path / "feedback-canvas.zip"
    attachments = {"1001": "5001", "1002": "5002"}
    written = write_canvas_feedback(["1001", "1002", "1003"], attachments, reports, path)
    assert canvas_feedback_zip(path, attachments) == {
        "1001": "feedback_1001_5001_feedback.html",
        "1002": "feedback_1002_5002_feedback.html",
    }
    assert written.left_out == ("1003",)  # no file of theirs to attach it to (a text entry, nothing handed in)


@pytest.mark.parametrize(
    ("student", "name", "attachment"),
    [
        ("1001", "doejane_1001_5001_gradient_descent.py", "5001"),
        ("1002", "grace_LATE_1002_5002_gradient_descent-1.py", "5002"),
        ("1002", "ada_1001_5001_gradient_descent.py", ""),  # another user's file
        ("1003", "gradient_descent.py", ""),
    ],
)
def test_the_attachment_id_comes_from_canvas_download_name(student, name, attachment):
    assert canvas_attachment(student, name) == attachment


# -- Moodle --------------------------------------------------------------------------------------------------


def test_the_moodle_worksheet_passes_the_offline_importer(tmp_path):
    path = tmp_path / "moodle-grading-worksheet.csv"
    students = {"1001": ("Participant 1001", "Ada L"), "1002": ("Participant 1002", "Grace H"), "1003": ("1003", "")}
    comments = {"1002": feedback_comment(ROWS[1], ["The update goes uphill <sign>"])}
    written = write_moodle_worksheet(ROWS, roster("Identifier", students), comments, path)
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert header == [
        "Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
        "Last modified (submission)", "Last modified (grade)", "Feedback comments",
    ]  # fmt: skip
    found = moodle_import(path, maximum=100)
    assert {k: v.grade for k, v in found.items()} == {"1001": 100, "1002": 72.5}  # 1003: empty, Moodle keeps its
    assert found["1002"].modified.isoformat() == "2025-03-02T09:30:15+00:00"
    assert found["1002"].comment == (
        "72.5/100 points, graded, late. Mistakes found: The update goes uphill &lt;sign&gt;. "
        "The full report is in the feedback files."
    )
    assert written.left_out == ("stray",)


def test_moodle_ids_and_times():
    assert participant_id("Participant 42") == participant_id("42") == "42"
    assert participant_id("jdoe") == ""
    assert moodle_time("") == "-"


def test_moodle_feedback_folders_are_the_download_folders_the_zip_importer_reads(tmp_path):
    reports = {}
    for student in ("7", "8", "9"):
        (tmp_path / student).mkdir()
        (tmp_path / student / "report.html").write_text("<p>report</p>")
        reports[student] = tmp_path / student
    students = {"7": ("Participant 7", "Nguyễn Văn_An"), "8": ("Participant 8", ""), "9": ("jdoe", "J")}
    path = tmp_path / "feedback-moodle.zip"
    written = write_moodle_feedback(["7", "8", "9"], roster("Identifier", students), reports, {}, path)
    assert sorted(zipfile.ZipFile(path).namelist()) == [
        "Nguyễn Văn An_7_assignsubmission_file_/report.html",  # "_" in a name splits the id away: Moodle spaces it
        "Participant_8_assignsubmission_file_/report.html",
    ]
    # the importer keeps the path under the participant's folder, as its own test expects ("/some_path/My File.txt")
    assert moodle_feedback_zip(path, {"7", "8"}) == {"7": ["/report.html"], "8": ["/report.html"]}
    assert written.left_out == ("9",)
    assert moodle_folder("a/b", "3") == "ab_3_assignsubmission_file_"


# -- which export ----------------------------------------------------------------------------------------------


def test_the_export_follows_the_download_unless_chosen():
    names = {"1001": "ada_1001_5001_gradient_descent.py"}
    assert export_for("auto", ["canvas"], names) == LmsExport("canvas", "", {"1001": "5001"})
    assert export_for("auto", ["plain"], names).lms == "plain"
    assert export_for("moodle", ["canvas"], names) == LmsExport("moodle")
    shards = [LmsExport("canvas", "", {"1": "5"}), LmsExport("canvas", "12", {"2": "6"})]
    assert merged_export(shards, None) == LmsExport("canvas", "12", {"1": "5", "2": "6"})
    assert merged_export([], "auto") is None
    assert LmsExport.from_json(shards[1].to_json()) == shards[1]


@pytest.mark.slow
def test_a_canvas_export_without_canvas_ids_is_a_usage_error(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ada.py").write_bytes((EXAMPLES / "syntax_error.py").read_bytes())
    args = ["grade", str(tmp_path / "class"), "-a", str(GD1D), "-o", str(tmp_path / "out"), "--export", "canvas"]
    result = CliRunner().invoke(cli, [*args, "-j", "1"])
    assert result.exit_code == 2, result.output
    assert "the canvas export needs the LMS's ids, and this run has none" in result.output


# -- the round trip ----------------------------------------------------------------------------------------------

FILE = "gradient_descent.py"


def canvas_download(path: Path) -> dict[str, str]:
    """Writes a Canvas download of gd1d examples; returns each user's submitted attachment id."""
    files = {
        f"ada_1001_5001_{FILE}": "correct",
        f"grace_LATE_1002_5002_{FILE}": "wrong_sign",
        f"alan_1003_5003_{FILE}": "syntax_error",
        f"nguyenvanan_1004_5004_{FILE}": "records_x_before_update",
    }
    with zipfile.ZipFile(path, "w") as bundle:
        for name, example in files.items():
            bundle.writestr(name, (EXAMPLES / f"{example}.py").read_bytes())
    ids = [re.search(r"_(\d+)_(\d+)_", name) for name in files]
    return {found.group(1): found.group(2) for found in ids if found}


def moodle_download(folder: Path) -> None:
    for name, example in {
        "Nguyễn Văn An_2000001": "correct",
        "Mary O'Neil_2000002": "wrong_sign",
        "Participant_2000003": "time_decay_off_by_one",
    }.items():
        (folder / f"{name}_assignsubmission_file_").mkdir(parents=True)
        (folder / f"{name}_assignsubmission_file_" / FILE).write_bytes((EXAMPLES / f"{example}.py").read_bytes())


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "-j", "1"] if args[0] == "grade" else list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_a_canvas_download_goes_back_into_canvas_with_no_hand_edit(tmp_path):
    submitted = canvas_download(tmp_path / "submissions.zip")
    out = tmp_path / "out"
    output = run(
        "grade", str(tmp_path / "submissions.zip"), "-a", str(GD1D), "-o", str(out), "--canvas-assignment", "77"
    )
    assert (
        f"Canvas import: {out / 'canvas-gradebook.csv'} (4 students), feedback {out / 'feedback-canvas.zip'} (4)"
        in output
    )
    found = canvas_import(out / "canvas-gradebook.csv")
    assert found.assignments == [("Gradient descent in one dimension", "77")]
    details = {row["ID"]: row for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert {key: cells[0] for key, cells in found.grades.items()} == {k: r["score"] for k, r in details.items()}
    assert details["1002"]["late"] == "yes" and details["1003"]["status"] == "syntax_error"
    assert sorted(canvas_feedback_zip(out / "feedback-canvas.zip", submitted)) == ["1001", "1002", "1003", "1004"]
    with zipfile.ZipFile(out / "feedback-canvas.zip") as bundle:
        report = bundle.read("feedback_1004_5004_feedback.html").decode()
    assert report == (out / "1004" / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_moodle_download_goes_back_into_moodle_and_merge_writes_the_same(tmp_path):
    moodle_download(tmp_path / "download")
    out = tmp_path / "out"
    run("grade", str(tmp_path / "download"), "-a", str(GD1D), "-o", str(out), "--late-penalty", "10")
    found = moodle_import(out / "moodle-grading-worksheet.csv", maximum=100)
    assert sorted(found) == ["2000001", "2000002", "2000003"]
    assert found["2000001"].grade == 100 and found["2000002"].grade < 100
    assert "Mistakes found:" in found["2000003"].comment
    folders = moodle_feedback_zip(out / "feedback-moodle.zip", set(found))
    assert folders == {participant: ["/report.html"] for participant in found}
    assert (
        "Nguyễn Văn An_2000001_assignsubmission_file_/report.html"
        in zipfile.ZipFile(out / "feedback-moodle.zip").namelist()
    )
    merged = tmp_path / "merged"
    run("merge", str(out), "-a", str(GD1D), "-o", str(merged), "--late-penalty", "10")
    for name in ("moodle-grading-worksheet.csv", "feedback-moodle.zip", "gradebook.csv"):
        assert (merged / name).read_bytes() == (out / name).read_bytes(), name
