"""Rosters as instructors have them: Canvas's gradebook export matched on the download's Canvas user ids,
Moodle's grading worksheet on participant ids, Excel's semicolons and cp1252, a workbook refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import GraderError
from grader.exports.rosters import Roster, Student, read_roster

CANVAS_EXPORT = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Lab 1 (4411)\n"
    "    Points Possible,,,,,5\n"
    '"Nguyễn, Văn An",1001,S-001,an.nguyen,Section A,\n'
    '"Trần, Bình",1002,S-002,binh.tran,Section A,\n'
    '"Lê, Chi",1003,S-003,chi.le,Section B,\n'
    '"Student, Test",1999,,,,\n'
)


def canvas_download_ids(*users: str) -> Roster:
    return Roster("ID", "Student", {user: Student(user, user, f"name{user}") for user in users})


def write(tmp_path: Path, data: bytes, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_canvas_gradebook_export_matches_a_canvas_download_on_the_canvas_user_id(tmp_path):
    roster = read_roster(write(tmp_path, CANVAS_EXPORT.encode()), canvas_download_ids("1001", "1002"))
    assert (roster.id_column, roster.name_column) == ("ID", "Student")
    assert sorted(roster.students) == ["1001", "1002", "1003"]  # Points Possible and the Test Student skipped
    assert roster.find("1001") == Student("1001", "1001", "Nguyễn, Văn An")
    assert dict(roster.find("1002").columns)["SIS Login ID"] == "binh.tran"  # type: ignore[union-attr]
    assert roster.missing(["1001", "1002"]) == ["1003"]
    assert roster.unknown(["1001", "1002"]) == []


def test_a_semicolon_cp1252_roster_as_excel_saves_it(tmp_path):
    text = (
        "Student;ID;SIS User ID;SIS Login ID;Section\r\n"
        "Müller, Jörg;1001;S-1;jmuller;A\r\nO’Brien, Seán;1002;S-2;sobrien;A\r\n"
    )
    roster = read_roster(write(tmp_path, text.encode("cp1252")), canvas_download_ids("1001"))
    assert [(s.id, s.name) for s in roster.students.values()] == [("1001", "Müller, Jörg"), ("1002", "O’Brien, Seán")]


def test_a_moodle_grading_worksheet_matches_on_the_participant_id(tmp_path):
    worksheet = (
        "Identifier,Full name,Email address,Status,Grade,Maximum Grade,Grade can be changed,Last modified (grade)\n"
        "Participant 1001,Student One,one@example.edu,Submitted,,5.00,Yes,-\n"
        "Participant 1002,Student Two,two@example.edu,No submission,,5.00,Yes,-\n"
    )
    download = Roster("Identifier", "Full name", {"1001": Student("1001", "Participant 1001", "Student One")})
    roster = read_roster(write(tmp_path, worksheet.encode()), download)
    assert roster.id_column == "Identifier"
    assert roster.students == {
        "1001": Student("1001", "Participant 1001", "Student One"),
        "1002": Student("1002", "Participant 1002", "Student Two"),
    }


def test_a_roster_without_the_downloads_id_column_says_which_it_has_and_where_to_get_one(tmp_path):
    path = write(tmp_path, b"First name,Last name,Email address\nAn,Nguyen,an@example.edu\n")
    with pytest.raises(GraderError) as raised:
        read_roster(path, canvas_download_ids("1001"))
    assert str(raised.value) == (
        f"the roster {path} has no ID column to match the download's ids on (its columns: First name, Last name, "
        "Email address); pass Canvas's gradebook export (Grades, Export, Export Entire Gradebook): its ID column "
        "holds them"
    )


def test_a_moodle_participants_export_is_a_plain_roster_keyed_by_email(tmp_path):
    export = "First name,Last name,Email address,Roles\nAn,Nguyen,an@example.edu,Student\n"
    roster = read_roster(write(tmp_path, export.encode()))
    assert roster.id_column == "Email address"
    assert roster.find("AN@example.edu") == Student("an@example.edu", "an@example.edu")


@pytest.mark.parametrize("name", ["roster.xlsx", "roster.csv"])
def test_a_workbook_is_refused_with_how_to_save_it_as_csv(tmp_path, name):
    path = write(tmp_path, b"PK\x03\x04" + b"\0" * 40, name)
    with pytest.raises(GraderError) as raised:
        read_roster(path)
    assert str(raised.value) == (
        f"the roster {path} is a spreadsheet workbook, not CSV; open it and save it as CSV (File, Save As, "
        "CSV UTF-8), then pass the .csv file"
    )


@pytest.mark.slow
def test_grade_a_canvas_download_with_its_gradebook_export_gives_one_row_per_student(tmp_path):
    import csv
    import json
    import zipfile

    from click.testing import CliRunner

    from grader.cli import cli

    fixtures = Path(__file__).parent / "fixtures"
    good = (fixtures / "submissions" / "good.py").read_bytes()
    download = tmp_path / "canvas.zip"
    with zipfile.ZipFile(download, "w") as bundle:
        bundle.writestr("nguyenvanan_1001_5001_toy.py", good)
        bundle.writestr("tranbinh_LATE_1002_5002_toy.py", good)
        bundle.writestr("lechi_1003_text.html", b"<p>def double(x): return 2 * x</p>")
    roster = write(tmp_path, CANVAS_EXPORT.encode())
    out = tmp_path / "out"
    args = ["grade", str(download), "-a", str(fixtures / "toy"), "-o", str(out), "-j", "1", "--roster", str(roster)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "not on the roster" not in result.output
    assert "3 submissions in " in result.output and "2 graded, 1 missing_file." in result.output
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as file:
        assert len(list(csv.DictReader(file))) == 3  # before: 6 rows, the 3 roster students all missing
    statuses = {
        user: json.loads((out / user / "results.json").read_text())["status"] for user in ("1001", "1002", "1003")
    }
    assert statuses == {"1001": "graded", "1002": "graded", "1003": "missing_file"}
