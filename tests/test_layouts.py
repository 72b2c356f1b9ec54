"""LMS downloads read the way each LMS names them: ids, names, lateness, the newest resubmission, refusals.

Every download here is built from generated names (no real student data), as the LMS documents them.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from grader.batch.intake import take_submissions
from grader.batch.layouts import detect
from grader.errors import GraderError

SUBMISSION = "sol.py"
CODE = b"def double(x):\n    return 2 * x\n"


def zip_of(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def write_zip(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, target)
    return path


def take(tmp_path: Path, *paths: Path, layout: str = "auto"):
    return take_submissions(paths, SUBMISSION, layout, tmp_path / "scratch")


def test_canvas_download_ids_names_lateness_and_the_newest_resubmission(tmp_path):
    download = write_zip(
        tmp_path / "submissions.zip",
        {
            "studentone_1001_5001_sol.py": CODE,
            "studenttwo_LATE_1002_5002_sol.py": CODE,
            "studentthree_1003_5003_sol.py": b"# first\n",
            "studentthree_1003_5003_sol-1.py": b"# second\n",
            "studentthree_1003_5003_sol-2.py": CODE,
            "studentthree_1003_5003_notes.txt": b"notes",
            "studentfour_1004_5004_work.zip": zip_of({"work/sol.py": CODE, "work/inner.zip": zip_of({"x": b""})}),
            "__MACOSX/._studentone_1001_5001_sol.py": b"junk",
        },
    )
    intake = take(tmp_path, download)
    assert intake.layouts == [(download, "canvas")]
    by_id = {s.student: s for s in intake.sources}
    assert sorted(by_id) == ["1001", "1002", "1003", "1004"]
    assert (by_id["1001"].name, by_id["1001"].late) == ("studentone", False)
    assert (by_id["1002"].name, by_id["1002"].late) == ("studenttwo", True)
    three = by_id["1003"]
    assert three.path is not None and three.path.name == "studentthree_1003_5003_sol-2.py"
    assert three.path.read_bytes() == CODE
    assert sorted(three.superseded) == ["notes.txt", "sol-1.py", "sol.py"]
    four = by_id["1004"]
    assert four.path is not None and four.path.name == "sol.py" and four.path.read_bytes() == CODE
    assert intake.roster is not None and intake.roster.id_column == "ID"
    assert intake.roster.find("1003").name == "studentthree"  # type: ignore[union-attr]


def test_canvas_hostile_entries_are_refused_for_their_student_and_the_batch_goes_on(tmp_path):
    download = write_zip(
        tmp_path / "submissions.zip",
        {
            "studentone_1001_5001_sol.py": CODE,
            "../studentevil_2001_6001_sol.py": b"escape",
            "studentbomb_2003_6003_sol.zip": zip_of({"sol.py": b"#" * (30 * 1024 * 1024)}),
        },
        links={"studentlink_2002_6002_sol.py": "/etc/passwd"},
    )
    intake = take(tmp_path, download)
    by_id = {s.student: s for s in intake.sources}
    assert by_id["1001"].path is not None and not by_id["1001"].refused
    for student, words in (("2001", "'..'"), ("2002", "link"), ("2003", "larger than")):
        assert by_id[student].path is None and words in by_id[student].refused, student
    assert sum("refused from submissions.zip" in line for line in intake.lines) == 2
    scratch = tmp_path / "scratch"
    assert all(p.resolve().is_relative_to(scratch.resolve()) for p in scratch.rglob("*"))
    assert not any(p.is_symlink() for p in scratch.rglob("*"))
    assert not (tmp_path / "studentevil_2001_6001_sol.py").exists()


def test_moodle_download_folder_per_participant(tmp_path):
    root = tmp_path / "moodle"
    for folder, files in {
        "Student One_1234567_assignsubmission_file_": {"sol.py": CODE, "readme.md": b"hi"},
        "Student Two_1234568_assignsubmission_file_": {"sol.ipynb": b"{}"},
        "Student Two_1234568_assignsubmission_onlinetext_": {"onlinetext.html": b"<p>"},
        "Participant_1234569_assignsubmission_file_": {"other.py": CODE},
    }.items():
        (root / folder).mkdir(parents=True)
        for name, data in files.items():
            (root / folder / name).write_bytes(data)
    intake = take(tmp_path, root)
    assert intake.layouts == [(root, "moodle")]
    found = [(s.student, s.name, s.path.name if s.path else None, s.superseded) for s in intake.sources]
    assert found == [
        ("1234567", "Student One", "sol.py", ("readme.md",)),
        ("1234568", "Student Two", "sol.ipynb", ("onlinetext: onlinetext.html",)),
        ("1234569", "", "other.py", ()),
    ]
    assert intake.roster is not None and intake.roster.id_column == "Identifier"
    assert intake.roster.find("1234567").id == "Participant 1234567"  # type: ignore[union-attr]


GRADESCOPE_METADATA = """\
submission_101:
  :submitters:
  - :name: Student One
    :sid: 'S001'
    :email: one@example.edu
  :created_at: 2025-03-01 10:00:00.000000000 +07:00
  :score: 0.0
submission_102:
  :submitters:
  - :name: Student Two
    :sid: 'S002'
    :email: two@example.edu
  - :name: Student Three
    :sid: 'S003'
    :email: three@example.edu
  :created_at: 2025-03-03 12:00:00.000000000 +07:00
"""


def test_gradescope_export_names_students_from_its_metadata(tmp_path):
    download = write_zip(
        tmp_path / "export.zip",
        {
            "assignment_9_export/submission_metadata.yml": GRADESCOPE_METADATA.encode(),
            "assignment_9_export/submission_101/sol.py": CODE,
            "assignment_9_export/submission_102/sol.py": CODE,
        },
    )
    intake = take(tmp_path, download)
    assert intake.layouts == [(download, "gradescope")]
    found = [(s.student, s.name, s.path.parent.name if s.path else None) for s in intake.sources]
    assert found == [
        ("S001", "Student One", "submission_101"),
        ("S002", "Student Two", "submission_102"),
        ("S003", "Student Three", "submission_102"),
    ]
    assert str(intake.sources[0].submitted_at) == "2025-03-01 10:00:00+07:00"
    assert intake.roster is not None and intake.roster.id_column == "SID"


def test_github_classroom_clones(tmp_path):
    root = tmp_path / "lab-1-submissions"
    for user in ("octo-cat", "student42"):
        (root / f"lab-1-{user}" / ".git").mkdir(parents=True)
        (root / f"lab-1-{user}" / SUBMISSION).write_bytes(CODE)
    intake = take(tmp_path, root)
    assert intake.layouts == [(root, "classroom")]
    assert [s.student for s in intake.sources] == ["octo-cat", "student42"]
    assert intake.roster is None


def test_plain_folders_and_archives_of_them_keep_working(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "alice.py").write_bytes(CODE)
    archive = write_zip(tmp_path / "more.zip", {"class2/bob.py": CODE, "class2/carol/sol.py": CODE})
    intake = take(tmp_path, tmp_path / "class", archive)
    assert [(s.student, s.path is not None) for s in intake.sources] == [
        ("alice", True),
        ("bob", True),
        ("carol", True),
    ]
    assert [layout for _, layout in intake.layouts] == ["plain", "plain"]


def test_a_named_layout_is_used_without_guessing(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x_1_2_sol.py").write_bytes(CODE)
    assert detect(tmp_path / "d") == "canvas"
    intake = take(tmp_path, tmp_path / "d", layout="plain")
    assert [s.student for s in intake.sources] == ["x_1_2_sol"]


def test_an_unreadable_archive_stops_the_run_and_a_student_twice_is_an_error(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip")
    (tmp_path / "ok.py").write_bytes(CODE)
    with pytest.raises(GraderError, match="cannot read the archive .*fake.zip"):
        take(tmp_path, fake, tmp_path / "ok.py")
    with pytest.raises(GraderError, match="both for 'ok'"):
        take(tmp_path, tmp_path / "ok.py", tmp_path / "ok.py")
