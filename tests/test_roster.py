"""`grade --roster`: the gradebook gets the LMS's id column; roster students who handed in nothing are missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.errors import GraderError
from grader.exports.gradebook import GradebookRow
from grader.exports.lms import Roster, Student, read_roster, write_lms_gradebook

FIXTURES = Path(__file__).parent / "fixtures"
TOY = str(FIXTURES / "toy")
SUBMISSIONS = FIXTURES / "submissions"

CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Toy (123)\n"
    "    Points Possible,,,,,5\n"
    '"Lovelace, Ada",101,S-001,Good,Section A,\n'
    '"Hopper, Grace",102,S-002,wrong_double,Section A,\n'
    '"Turing, Alan",103,S-003,absent,Section B,\n'
    '"Student, Test",999,,test_student,,\n'
)


def write(tmp_path: Path, text: str, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_canvas_export_keys_students_by_login_and_keeps_the_sis_user_id(tmp_path):
    roster = read_roster(write(tmp_path, CANVAS_EXPORT))
    assert (roster.id_column, roster.name_column) == ("SIS User ID", "Student")
    assert roster.students == {
        "good": Student("Good", "S-001", "Lovelace, Ada"),
        "wrong_double": Student("wrong_double", "S-002", "Hopper, Grace"),
        "absent": Student("absent", "S-003", "Turing, Alan"),
    }  # the Points Possible row and the test student without an SIS id are skipped
    assert roster.find("GOOD") == Student("Good", "S-001", "Lovelace, Ada")
    assert roster.missing(["good", "wrong_double", "stranger"]) == ["absent"]
    assert roster.unknown(["good", "wrong_double", "stranger"]) == ["stranger"]


def test_a_plain_roster_names_the_submission_and_the_login_id(tmp_path):
    roster = read_roster(write(tmp_path, "submission,login_id\nada-gh,ada@uni.edu\n"))
    assert (roster.id_column, roster.name_column) == ("login_id", None)
    assert roster.students == {"ada-gh": Student("ada-gh", "ada@uni.edu")}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,section\nAda,A\n", "the roster {path} has no id column (its columns: name, section); it needs one "
         "of SIS User ID, SIS Login ID, Login ID, ID number, Username, ID, Email address (Canvas's and Moodle's "
         "exports have them)"),
        ("submission,sis_user_id\nada,1\nADA,2\n",
         "the roster {path} lists 'ADA' twice (row 3); keep one row per student"),
        ("submission,sis_user_id\n,1\n", "row 2 of the roster {path} has no submission; fill it in, or remove the row"),
        ("sis_user_id\n", "the roster {path} lists no students; pass a roster with one row per student"),
    ],
)  # fmt: skip
def test_unusable_rosters_say_why(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(GraderError) as raised:
        read_roster(path)
    assert str(raised.value) == message.format(path=path)


def test_the_lms_gradebook_has_the_roster_columns(tmp_path):
    roster = Roster("SIS User ID", "Student", {"ada": Student("Ada", "S-1", "Lovelace, Ada")})
    rows = [GradebookRow("zed", 1, 5, "graded"), GradebookRow("Ada", 2.5, 5, "graded", late=True)]
    write_lms_gradebook(roster, rows, tmp_path / "gradebook.csv")
    assert (tmp_path / "gradebook.csv").read_text() == (
        "student,Student,SIS User ID,score,max_score,percent,status,late\n"
        'Ada,"Lovelace, Ada",S-1,2.5,5,50,graded,yes\n'
        "zed,,,1,5,20,graded,no\n"
    )


@pytest.mark.slow
def test_grade_with_a_roster(tmp_path):
    roster = write(tmp_path, CANVAS_EXPORT)
    out = tmp_path / "out"
    files = [str(SUBMISSIONS / f"{name}.py") for name in ("good", "wrong_double", "syntax_error")]
    args = ["grade", *files, "-a", TOY, "-o", str(out), "-j", "1", "--roster", str(roster)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()  # stderr may hold progress lines
    assert lines[0] == "not on the roster (graded, no SIS User ID in the gradebook): syntax_error"
    assert lines[1].startswith("4 submissions in ")
    assert "2 graded, 1 syntax_error, 1 missing." in lines[1]
    assert (out / "gradebook.csv").read_text() == (
        "student,Student,SIS User ID,score,max_score,percent,status,late\n"
        'absent,"Turing, Alan",S-003,0,5,0,missing,no\n'
        'good,"Lovelace, Ada",S-001,5,5,100,graded,no\n'
        "syntax_error,,,0,5,0,syntax_error,no\n"
        'wrong_double,"Hopper, Grace",S-002,1,5,20,graded,no\n'
    )
    missing = json.loads((out / "absent" / "results.json").read_text())
    assert (missing["status"], missing["score"], missing["tests"]) == ("missing", 0.0, [])
    report = (out / "absent" / "report.md").read_text()
    assert "## ✗ Missing: no submission of yours was handed in" in report

    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert again.exit_code == 0
    assert "(3 unchanged, not regraded)" in again.output and "changed" not in again.output.replace("unchanged", "")


def test_a_missing_roster_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["grade", str(SUBMISSIONS / "good.py"), "-a", TOY, "--roster", "nope.csv"])
    assert result.exit_code == 2
    assert result.output == "Error: no such roster: nope.csv; pass the path of the class roster CSV to --roster\n"
