"""Issues 22 and 23: the class summary names students and says who was late, in a language of its own."""

from __future__ import annotations

from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.batch.store import RunFolder
from grader.cli import cli
from grader.exports.gradebook import GradebookRow
from grader.exports.rosters import Roster, Student
from grader.reports.summary import SummaryEntry

FIXTURES = Path(__file__).parent / "fixtures"
TOY = FIXTURES / "toy"
GOOD = FIXTURES / "submissions" / "good.py"


def entry(student: str, score: float) -> SummaryEntry:
    return SummaryEntry(student, score, 5.0, "graded", (("t::a", "passed"),), ())


def test_the_summary_shows_names_from_the_download_or_roster_and_a_late_column(tmp_path):
    # A Canvas-style class: the download names two students (one late, Vietnamese name), the roster a third.
    rows = [
        GradebookRow("1234", 5, 5, "graded", late=True, name="Nguyễn Văn An"),
        GradebookRow("2345", 4, 5, "graded", name="Zoë | O'Brien"),
        GradebookRow("3456", 3, 5, "graded"),
        GradebookRow("4567", 2, 5, "graded"),
    ]
    roster = Roster("ID", "Student", {"3456": Student("3456", "3456", "Trần Thị Bình")})
    run = RunFolder.of(tmp_path, [row.student for row in rows])
    run.finish(load_assignment(TOY), rows, [entry(r.student, r.score) for r in rows], [], roster=roster, language="en")
    markdown = (tmp_path / "summary.md").read_text()
    assert "| Student | Name | Score | Late | Status | Named mistakes |" in markdown
    assert "| [1234](1234/report.html) | Nguyễn Văn An | 5 / 5 | late | Graded | – |" in markdown
    assert (
        "| [2345](2345/report.html) | Zoë \\\\| O'Brien | 4 / 5 | – | Graded | – |" in markdown
    )  # escaped as the ids are
    assert "| [3456](3456/report.html) | Trần Thị Bình | 3 / 5 | – |" in markdown
    assert "| [4567](4567/report.html) | – | 2 / 5 | – |" in markdown
    html = (tmp_path / "summary.html").read_text()
    assert "<td>Nguyễn Văn An</td>" in html and "<td>Zoë | O&#39;Brien</td>" in html
    assert '<th scope="col">Late</th>' in html and "<td>late</td>" in html


def test_a_class_without_names_or_late_keeps_the_short_table(tmp_path):
    rows = [GradebookRow("ann", 5, 5, "graded"), GradebookRow("bob", 1, 5, "graded")]
    run = RunFolder.of(tmp_path, ["ann", "bob"])
    run.finish(load_assignment(TOY), rows, [entry("ann", 5), entry("bob", 1)], [], roster=None, language="en")
    markdown = (tmp_path / "summary.md").read_text()
    assert "| Student | Score | Status | Named mistakes |" in markdown
    assert "Late" not in (tmp_path / "summary.html").read_text()


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_summary_lang_writes_the_summary_apart_from_the_reports(tmp_path):
    out, merged = tmp_path / "out", tmp_path / "merged"
    graded = run("grade", str(GOOD), "-a", str(TOY), "-o", str(out), "--lang", "vi", "--summary-lang", "en")
    assert graded.exit_code == 0, graded.output
    assert (out / "summary.md").read_text().startswith("# Toy assignment: class summary")
    assert "Điểm" in (out / "good" / "report.md").read_text()
    merge = run("merge", str(out), "-a", str(TOY), "-o", str(merged), "--summary-lang", "vi")
    assert merge.exit_code == 0, merge.output
    assert "class summary" not in (merged / "summary.md").read_text()
    assert "Điểm" in (merged / "good" / "report.md").read_text()
    again = run("merge", str(out), "-a", str(TOY), "-o", str(tmp_path / "again"))
    assert again.exit_code == 0, again.output
    assert "class summary" not in (tmp_path / "again" / "summary.md").read_text()  # the reports' language


def test_summary_lang_is_in_the_help():
    assert "--summary-lang [en|vi]" in run("grade", "--help").output
    assert "--summary-lang [en|vi]" in run("merge", "--help").output
