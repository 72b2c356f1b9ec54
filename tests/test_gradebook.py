"""Tests the gradebook CSV: exact content, sorting, numbers without float noise, streaming input."""

from __future__ import annotations

import pytest

from grader.exports.gradebook import GradebookRow, read_gradebook, write_gradebook
from grader.formatting import format_points
from grader.results import Status, SubmissionResult


def result(student: str, score: float, max_score: float, status: Status) -> SubmissionResult:
    return SubmissionResult(student, "demo", score, max_score, status, "", (), "0.1.0")


def test_gradebook_csv_has_exact_content(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_gradebook(
        [
            result("zoe", 8.75, 10.0, Status.GRADED),
            ("bob", 0.0, 10.0, Status.SYNTAX_ERROR),
            GradebookRow("alice", 10.0, 10.0, Status.GRADED),
            result("carol", 0.1 + 0.2, 3.0, Status.GRADED),
            ("dave", 2.0, 3.0, "timeout"),
        ],
        path,
    )
    assert path.read_text(encoding="utf-8") == (
        "student,score,max_score,percent,status,late\n"
        "alice,10,10,100,graded,no\n"
        "bob,0,10,0,syntax_error,no\n"
        "carol,0.3,3,10,graded,no\n"
        "dave,2,3,66.67,timeout,no\n"
        "zoe,8.75,10,87.5,graded,no\n"
    )


def test_gradebook_accepts_a_generator_of_results(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_gradebook((result(name, 1.0, 2.0, Status.GRADED) for name in ("b", "a")), path)
    assert [row["student"] for row in read_gradebook(path)] == ["a", "b"]


def test_zero_max_score_gives_zero_percent(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_gradebook([("x", 0.0, 0.0, Status.INTERNAL_ERROR)], path)
    assert read_gradebook(path) == [
        {"student": "x", "score": "0", "max_score": "0", "percent": "0", "status": "internal_error", "late": "no"}
    ]


def test_names_with_commas_and_quotes_round_trip(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_gradebook([('Doe, "Jo"', 1.0, 1.0, Status.GRADED)], path)
    assert read_gradebook(path)[0]["student"] == 'Doe, "Jo"'


def test_gradebook_creates_its_directory(tmp_path):
    path = tmp_path / "out" / "gradebook.csv"
    write_gradebook([], path)
    assert path.read_text(encoding="utf-8") == "student,score,max_score,percent,status,late\n"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (87.5, 4, "87.5"),
        (100.0, 4, "100"),
        (0.0, 4, "0"),
        (-0.0, 4, "0"),
        (0.1 + 0.2, 4, "0.3"),
        (200 / 3, 2, "66.67"),
        (100.0, 0, "100"),
        (1e-9, 4, "0"),
    ],
)
def test_format_points_has_no_float_noise(value, decimals, text):
    assert format_points(value, decimals) == text


def test_row_keeps_the_status_as_its_plain_value():
    row = GradebookRow.from_result(result("a", 1.0, 2.0, Status.TIMEOUT))
    assert row.status == "timeout" and type(row.status) is str
    assert row == GradebookRow("a", 1.0, 2.0, "timeout")


def test_row_rejects_a_status_outside_the_fixed_set():
    with pytest.raises(ValueError):
        GradebookRow("a", 1.0, 2.0, "passed")


def test_a_carriage_return_in_an_id_cannot_forge_a_row(tmp_path):
    # Issue 24: csv quotes only what is in its line ending (\n), so a bare \r reached the file unquoted
    # and a spreadsheet or an LMS importer read "victim,100,..." as a row of its own.
    forged = ("mallory\rvictim,100,100,100", 1.0, 5.0, Status.GRADED)
    path = tmp_path / "gradebook.csv"
    write_gradebook([forged], path)
    lines = path.read_bytes().decode().splitlines()  # splitlines breaks at \r, as importers do
    assert len(lines) == 2 and lines[1].startswith('"mallory\\rvictim,100')
