"""Every submitter in a download gets a row: text entries, URLs, anonymous grading, both LATE spellings,
names without the zip's UTF-8 flag, Moodle's empty folders and forged names, Classroom's template files.

Every download is built here from generated names, in the form each LMS's own code writes (docs/lms.md).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from grader.batch.intake import take_submissions

SUBMISSION = "sol.py"
CODE = b"def double(x):\n    return 2 * x\n"


class RawNameInfo(zipfile.ZipInfo):
    """A zip entry whose name is written as UTF-8 bytes without the UTF-8 flag, as Canvas's rubyzip writes it."""

    def __init__(self, name: str):
        super().__init__(name.encode("utf-8").decode("cp437"))  # zipfile writes cp437 names back as the same bytes

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own name
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def canvas_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in entries.items():
            bundle.writestr(RawNameInfo(name), data)
    return path


def take(tmp_path: Path, *paths: Path, layout: str = "auto"):
    return take_submissions(paths, SUBMISSION, layout, tmp_path / "scratch")


def by_student(intake) -> dict:
    return {source.student: source for source in intake.sources}


def test_a_zip_name_without_the_utf8_flag_is_read_as_utf8(tmp_path):
    download = canvas_zip(tmp_path / "d.zip", {"nguyễnvănan_1001_5001_sol.py": CODE, "trầnbình_1002_5002_sol.py": CODE})
    with zipfile.ZipFile(download) as bundle:
        assert not bundle.infolist()[0].flag_bits & 0x800
        assert bundle.infolist()[0].filename.startswith("nguyß╗àn")  # what zipfile alone makes of it
    found = by_student(take(tmp_path, download))
    assert (found["1001"].name, found["1002"].name) == ("nguyễnvănan", "trầnbình")
    assert found["1001"].path is not None and found["1001"].path.read_bytes() == CODE


def test_canvas_text_entries_urls_anonymous_and_both_late_spellings_each_get_a_row(tmp_path):
    download = canvas_zip(
        tmp_path / "submissions.zip",
        {
            "doejane_1001_text.html": b"<p>my answer</p>",
            "roeann_LATE_1002_link.html": b"<a href='https://colab.research.google.com/x'>",
            "oldstudent_late_1003_5003_sol.py": CODE,
            "shouty_1004_5004_SOL.PY": CODE,
            "with_underscore_1005_5005_sol.py": CODE,
        },
    )
    intake = take(tmp_path, download)
    found = by_student(intake)
    assert sorted(found) == ["1001", "1002", "1003", "1004", "1005"]
    assert (found["1001"].path, found["1001"].superseded) == (None, ("text entry (text.html)",))
    assert (found["1002"].path, found["1002"].late, found["1002"].superseded) == (
        None,
        True,
        ("website URL (link.html)",),
    )
    assert found["1003"].late and found["1003"].path is not None
    assert found["1004"].path is not None and found["1004"].path.name.endswith("SOL.PY")
    assert found["1005"].name == "with_underscore"
    assert not intake.lines  # nothing skipped


def test_an_anonymous_canvas_download_keeps_the_anonymous_id_and_lateness(tmp_path):
    download = canvas_zip(
        tmp_path / "anonymous.zip",
        {"anon_Xq3Lp_5001_sol.py": CODE, "LATE_anon_Hr7Tz_5002_sol.py": CODE, "anon_Kd9Wm_text.html": b"<p>"},
    )
    intake = take(tmp_path, download)
    assert intake.layouts == [(download, "canvas")]
    found = by_student(intake)
    assert sorted(found) == ["anon_Hr7Tz", "anon_Kd9Wm", "anon_Xq3Lp"]
    assert found["anon_Hr7Tz"].late and not found["anon_Xq3Lp"].late
    assert found["anon_Xq3Lp"].name == "" and found["anon_Kd9Wm"].path is None
    assert intake.roster is not None and intake.roster.id_column == "Anonymous ID"


def test_a_moodle_empty_folder_is_a_submitter_without_a_file(tmp_path):
    download = tmp_path / "moodle.zip"
    with zipfile.ZipFile(download, "w") as bundle:
        bundle.writestr("Student One_1001_assignsubmission_file_/sol.py", CODE)
        bundle.writestr(zipfile.ZipInfo("Student Two_1002_assignsubmission_file_/"), b"")
        bundle.writestr("Student Three_1003_assignsubmission_onlinetext_/onlinetext.html", b"<p>")
    found = by_student(take(tmp_path, download))
    assert sorted(found) == ["1001", "1002", "1003"]
    assert found["1002"].path is None and found["1002"].name == "Student Two"
    assert found["1003"].path is None and found["1003"].superseded == ("onlinetext: onlinetext.html",)


def test_a_moodle_full_name_holding_another_participants_id_is_not_taken_for_it(tmp_path):
    root = tmp_path / "moodle"
    forged = root / "Mallory_1001_assignsubmission_file__2002_assignsubmission_file_"
    victim = root / "Victim_1001_assignsubmission_file_"
    for folder, code in ((forged, b"x = 0\n"), (victim, CODE)):
        folder.mkdir(parents=True)
        (folder / SUBMISSION).write_bytes(code)
    (root / "Eve_3003_assignsubmission_file_x_1001_assignsubmission_file_sol.py").write_bytes(b"y = 0\n")
    intake = take(tmp_path, root)
    found = by_student(intake)
    assert sorted(found) == ["1001", "2002"]
    assert found["1001"].name == "Victim" and found["1001"].path.read_bytes() == CODE  # type: ignore[union-attr]
    assert found["2002"].name == "Mallory_1001_assignsubmission_file_"
    assert intake.lines == [
        "named for two participants, skipped: Eve_3003_assignsubmission_file_x_1001_assignsubmission_file_sol.py"
    ]


def test_classroom_template_files_are_not_the_students_submission(tmp_path):
    root = tmp_path / "lab-1-submissions"
    starter = b"def double(x):\n    raise NotImplementedError\n"
    for user in ("ana", "bao", "chi"):
        repo = root / f"lab-1-{user}"
        (repo / ".git").mkdir(parents=True)
        (repo / "tests").mkdir()
        (repo / "tests" / "test_sol.py").write_bytes(b"def test(): pass\n")
        (repo / "helpers.py").write_bytes(b"# template helper\n")
        (repo / SUBMISSION).write_bytes(CODE if user == "bao" else starter)
    (root / "lab-1-ana" / "sol (1).py").write_bytes(CODE)  # saved by the browser next to the starter
    found = by_student(take(tmp_path, root))
    assert found["ana"].path is not None and found["ana"].path.name == "sol (1).py"
    assert found["bao"].path is not None and found["bao"].path.name == SUBMISSION
    assert found["chi"].path is not None and found["chi"].path.name == SUBMISSION  # the starter, as left


def test_a_plain_archive_student_whose_files_were_refused_gets_a_row(tmp_path):
    import stat

    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("alice.py", CODE)
        link = zipfile.ZipInfo("mallory.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    found = by_student(take(tmp_path, archive))
    assert sorted(found) == ["alice", "mallory"]
    assert found["mallory"].path is None and "link" in found["mallory"].refused
