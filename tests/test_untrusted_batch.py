"""A class mixing every attack of issue #11 with honest submissions: the honest ones grade exactly as they
do alone, the batch exits 0 with one gradebook row per submission, and no student's reports pass 1 MB."""

from __future__ import annotations

import csv
import json
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import cli
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.reports.bounds import MAX_REPORT_BYTES

pytestmark = pytest.mark.slow  # grades a class of attacks
FIXTURES = Path(__file__).parent / "fixtures"
TOY = FIXTURES / "toy"
GOOD = FIXTURES / "submissions" / "good.py"
WRONG = FIXTURES / "submissions" / "wrong_double.py"

HONEST = {
    "good": GOOD,
    "gradebook.csv": GOOD,
    "summary.html": GOOD,
    "Alice": GOOD,
    "alice": WRONG,
    unicodedata.normalize("NFC", "José"): GOOD,
    unicodedata.normalize("NFD", "José"): WRONG,
    '=HYPERLINK("x")': WRONG,
    "\x1b[31mred": GOOD,
    "::add-mask::x": WRONG,
}
ATTACKS = sorted(path.stem for path in (FIXTURES / "untrusted").glob("*.py"))


def test_a_class_of_attacks_and_honest_submissions(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for student, source in HONEST.items():
        shutil.copy(source, submissions / f"{student}.py")
    for name in ATTACKS:
        shutil.copy(FIXTURES / "untrusted" / f"{name}.py", submissions / f"{name}.py")
    (submissions / "draws_one_epoch.py").write_text(GOOD.read_text().replace("reshape(n, 2)", "reshape(n, 2)[:1]"))
    with (submissions / "huge_file.py").open("wb") as file:
        file.truncate(64 * 2**20)
    students = len(HONEST) + len(ATTACKS) + 2
    out = tmp_path / "out"

    for _ in range(2):  # a rerun into the same folder works too (a folder named gradebook.csv broke both)
        run = CliRunner().invoke(cli, ["grade", str(submissions), "-a", str(TOY), "-o", str(out), "-j", "2"])
        assert run.exit_code == 0, run.output
        assert "\x1b" not in run.output

    with (out / "gradebook.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == students and "internal_error" not in {row["status"] for row in rows}
    assert '\'=HYPERLINK("x")' in [row["student"] for row in rows]
    results = {}
    for folder in out.iterdir():
        if folder.is_dir() and folder.name != ".cache":
            assert sum(path.stat().st_size for path in folder.iterdir()) <= MAX_REPORT_BYTES, folder.name
            stored = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            results[stored["student"]] = stored
    assert set(results) == set(HONEST) | set(ATTACKS) | {"draws_one_epoch", "huge_file"}

    toy = load_assignment(TOY)
    alone = {source: grade(toy, Source(source.stem, source)).to_json_dict() for source in {GOOD, WRONG}}
    for student, source in HONEST.items():
        for key in ("score", "status", "tests", "output", "diagnoses"):
            assert results[student][key] == alone[source][key], (student, key)
    assert results["huge_file"]["status"] == "syntax_error"
    assert results["draws_one_epoch"]["score"] == 5.0
