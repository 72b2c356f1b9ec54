"""Every user mistake in taking a class's submissions exits 2 with one line naming it and the fix."""

from __future__ import annotations

import zipfile
from pathlib import Path

from click.testing import CliRunner

from grader.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
TOY = str(FIXTURES / "toy")
GOOD = (FIXTURES / "submissions" / "good.py").read_bytes()


def canvas_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("studentone_1001_5001_toy.py", GOOD)
        bundle.writestr("studenttwo_1002_5002_toy.py", GOOD)
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_wrong_layout_says_which_layout_the_files_look_like(tmp_path):
    download = canvas_zip(tmp_path / "canvas.zip")
    result = run("grade", str(download), "-a", TOY, "-o", str(tmp_path / "out"), "--layout", "moodle")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {download} holds no submissions in the moodle layout: it looks like a Canvas download; "
        "pass --layout canvas, or leave --layout out\n"
    )


def test_a_truncated_archive(tmp_path):
    download = canvas_zip(tmp_path / "canvas.zip")
    data = download.read_bytes()
    download.write_bytes(data[: len(data) // 2])
    result = run("grade", str(download), "-a", TOY, "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: cannot read the archive {download} (BadZipFile: File is not a zip file); download it again "
        "(it may be cut short), or unpack it and pass the folder\n"
    )


def test_merge_of_a_folder_that_is_not_a_shard(tmp_path):
    (tmp_path / "submissions").mkdir()
    (tmp_path / "submissions" / "ana.py").write_bytes(GOOD)
    result = run("merge", str(tmp_path / "submissions"), "-a", TOY, "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {tmp_path / 'submissions'} is not the output of a shard (it has no gradebook.csv); pass the -o "
        "folders of `grader grade --shard K/N`, after each has finished\n"
    )
    assert not (tmp_path / "out").exists()


def test_an_output_folder_inside_the_submissions_is_refused(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ana.py").write_bytes(GOOD)
    out = tmp_path / "class" / "out"
    result = run("grade", str(tmp_path / "class"), "-a", TOY, "-o", str(out))
    assert result.exit_code == 2
    assert result.output == (
        f"Error: the output folder {out} is inside the submissions folder {tmp_path / 'class'}, where the next "
        f"run would grade it as a student; pass -o a folder outside {tmp_path / 'class'}\n"
    )
    assert not out.exists()


def test_a_roster_without_an_id_column_names_its_columns(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ana.py").write_bytes(GOOD)
    roster = tmp_path / "roster.csv"
    roster.write_text("Name;Section\nAna;A\n", encoding="utf-8")
    result = run("grade", str(tmp_path / "class"), "-a", TOY, "-o", str(tmp_path / "out"), "--roster", str(roster))
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: the roster {roster} has no id column (its columns: Name, Section); it needs one of SIS User ID, "
        "SIS Login ID, Login ID, ID number, Username, ID, Email address (Canvas's and Moodle's exports have them)"
    )


def test_a_canvas_roster_for_a_download_without_its_ids(tmp_path):
    download = canvas_zip(tmp_path / "canvas.zip")
    roster = tmp_path / "roster.csv"
    roster.write_text("Name,Email\nAna,ana@example.edu\n", encoding="utf-8")
    result = run("grade", str(download), "-a", TOY, "-o", str(tmp_path / "out"), "--roster", str(roster))
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: the roster {roster} has no ID column to match the download's ids on (its columns: Name, Email); "
        "pass Canvas's gradebook export (Grades, Export, Export Entire Gradebook): its ID column holds them"
    )
