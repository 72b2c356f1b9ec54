"""`grader grade DOWNLOAD.zip`: a Canvas download graded end to end, and a Moodle folder and a Gradescope
export with no --layout, each under the LMS's ids, with lateness and its penalty in results and gradebook."""

from __future__ import annotations

import csv
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

pytestmark = pytest.mark.slow  # each grades a download end to end
FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
GOOD = (SUBMISSIONS / "good.py").read_bytes()
WRONG = (SUBMISSIONS / "wrong_double.py").read_bytes()
BROKEN = (SUBMISSIONS / "syntax_error.py").read_bytes()


def toy_with_late_penalty(tmp_path: Path) -> str:
    folder = tmp_path / "toy"
    shutil.copytree(FIXTURES / "toy", folder)
    with (folder / "assignment.toml").open("a", encoding="utf-8") as config:
        config.write("\n[late]\npercent_per_day = 10\nmax_percent = 30\n")
    return str(folder)


def gradebook(out: Path) -> list[dict[str, str]]:
    with (out / "gradebook.csv").open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_a_canvas_download_is_graded_under_canvas_ids(tmp_path):
    download = tmp_path / "canvas-download.zip"
    with zipfile.ZipFile(download, "w") as bundle:
        bundle.writestr("studentone_1001_5001_toy.py", GOOD)
        bundle.writestr("studenttwo_LATE_1002_5002_toy.py", GOOD)
        bundle.writestr("studentthree_1003_5003_toy.py", BROKEN)
        bundle.writestr("studentthree_1003_5003_toy-1.py", WRONG)
        bundle.writestr("../studentfour_1004_5004_toy.py", GOOD)
        link = zipfile.ZipInfo("studentfive_1005_5005_toy.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        bundle.writestr(link, "/etc/passwd")
    out = tmp_path / "out"
    args = ["grade", str(download), "-a", toy_with_late_penalty(tmp_path), "-o", str(out), "-j", "1"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"{download}: a Canvas download" in result.output
    assert "1003: graded studentthree_1003_5003_toy-1.py, not graded: toy.py" in result.output
    assert "1004: refused: '../studentfour_1004_5004_toy.py'" in result.output
    assert "1005: refused:" in result.output and "link" in result.output
    rows = {row["ID"]: row for row in gradebook(out)}
    assert list(gradebook(out)[0]) == ["student", "Student", "ID", "score", "max_score", "percent", "status", "late"]
    assert {k: (r["Student"], r["score"], r["status"], r["late"]) for k, r in rows.items()} == {
        "1001": ("studentone", "5", "graded", "no"),
        "1002": ("studenttwo", "4.5", "graded", "yes"),
        "1003": ("studentthree", "1", "graded", "no"),
        "1004": ("studentfour", "0", "refused", "no"),
        "1005": ("studentfive", "0", "refused", "no"),
    }
    late = json.loads((out / "1002" / "results.json").read_text())
    assert (late["name"], late["late"], late["late_penalty_percent"]) == ("studenttwo", True, 10.0)
    assert "10%" in (out / "1002" / "report.md").read_text()
    resubmitted = json.loads((out / "1003" / "results.json").read_text())
    assert resubmitted["superseded"] == ["toy.py"]
    assert not (tmp_path / "studentfour_1004_5004_toy.py").exists()


def test_a_moodle_folder_and_a_gradescope_export_need_no_layout(tmp_path):
    moodle = tmp_path / "moodle"
    (moodle / "Student One_2000001_assignsubmission_file_").mkdir(parents=True)
    (moodle / "Student One_2000001_assignsubmission_file_" / "toy.py").write_bytes(GOOD)
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as bundle:
        bundle.writestr(
            "submission_metadata.yml",
            "submission_7:\n  :submitters:\n  - :name: Student Two\n    :sid: '77'\n"
            "  :created_at: 2025-03-01 10:00:00.000000000 +07:00\n",
        )
        bundle.writestr("submission_7/toy.py", WRONG)
    out = tmp_path / "out"
    args = ["grade", str(moodle), str(export), "-a", str(FIXTURES / "toy"), "-o", str(out), "-j", "1"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "a Moodle download" in result.output and "a Gradescope export" in result.output
    assert [(r["student"], r["score"], r["status"]) for r in gradebook(out)] == [
        ("2000001", "5", "graded"),
        ("77", "1", "graded"),
    ]
