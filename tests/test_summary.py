"""The class overview: summary.html and summary.md, counted from small per-student entries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.batch.discovery import discover
from grader.batch.pool import grade_batch
from grader.i18n import translator
from grader.reports.results_file import read_result
from grader.reports.summary import SummaryEntry, build_summary, render_summary

SUBMISSIONS = Path(__file__).parent / "fixtures" / "submissions"


def entry(student, score, status="graded", outcomes=(("t::a", "passed"), ("t::b", "failed")), diagnoses=()):
    return SummaryEntry(student, score, 10.0, status, tuple(outcomes), tuple(diagnoses))


def test_build_summary_counts_scores_tests_mistakes_and_statuses():
    entries = [
        entry("ann", 10, outcomes=(("t::a", "passed"), ("t::b", "passed"))),
        entry("bob", 5, diagnoses=("sign",)),
        entry("cy", 0.5, diagnoses=("sign", "shape")),
        entry("dee", 0, status="syntax_error", outcomes=(("t::a", "not_run"), ("t::b", "not_run"))),
    ]
    summary = build_summary(entries, "Toy", {"shape": "Wrong shape", "sign": "Wrong sign"}, translator())
    assert [(b.label, b.count) for b in summary.histogram if b.count] == [("0–9%", 2), ("50–59%", 1), ("100%", 1)]
    assert [(b.label, b.count, b.total) for b in summary.pass_rates] == [("t::a", 3, 3), ("t::b", 1, 3)]
    assert [(m.id, m.title, m.students) for m in summary.mistakes] == [
        ("sign", "Wrong sign", ("bob", "cy")),
        ("shape", "Wrong shape", ("cy",)),
    ]
    assert [(b.label, b.count) for b in summary.statuses] == [
        ("Graded", 3),
        ("Syntax error: Python could not read your file", 1),
    ]
    assert [line.link for line in summary.students] == [f"{s}/report.html" for s in ("ann", "bob", "cy", "dee")]
    assert summary.students[2].mistakes == ("Wrong sign", "Wrong shape")
    assert (summary.mean_percent, summary.median_percent) == pytest.approx((38.75, 27.5))


def test_student_ids_are_escaped_in_links_and_text():
    summary = build_summary([entry("a b<&>", 1)], "Toy", {}, translator())
    html = render_summary(summary, "summary.html.j2", translator())
    assert 'href="a%20b%3C%26%3E/report.html"' in html and "a b&lt;&amp;&gt;</a>" in html
    markdown = render_summary(summary, "summary.md.j2", translator())
    assert "[a b\\<&\\>](a%20b%3C%26%3E/report.html)" in markdown


def test_an_empty_class_still_renders():
    summary = build_summary([], "Toy", {}, translator())
    assert "No submission" in render_summary(summary, "summary.html.j2", translator())


NAMES = ("good", "wrong_double", "syntax_error", "returns_always_equal")


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory, toy_with_mistakes):
    out = tmp_path_factory.mktemp("out")
    sources = discover([SUBMISSIONS / f"{name}.py" for name in NAMES], toy_with_mistakes.submission_file)
    summary = grade_batch(toy_with_mistakes, sources, out, jobs=2)
    return toy_with_mistakes, out, summary


def test_batch_writes_the_summary_with_each_named_mistake_counted(batch_out):
    toy, out, summary = batch_out
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    html = (out / "summary.html").read_text(encoding="utf-8")
    row = next(line for line in markdown.splitlines() if "(`triples`)" in line)
    assert re.search(r"\| 1 \| wrong\\_double \|$", row), row
    assert "| Graded | 3 |" in markdown
    assert "4 submissions" in html and "Pass rate per test" in html
    # A link to every student's report, each of which exists.
    links = re.findall(r'<a href="([^"]+)/report.html">', html)
    assert sorted(set(links)) == sorted(NAMES)
    assert all((out / link / "report.html").is_file() for link in links)


def test_the_parent_keeps_only_small_entries_and_a_rerun_reads_them_back(batch_out):
    toy, out, summary = batch_out
    kept = {item.entry.student: item.entry for item in summary.graded if item.entry}
    assert kept["wrong_double"].diagnoses == ("triples",)
    stored = read_result(out / "wrong_double")
    assert stored is not None and stored.entry == kept["wrong_double"]
    before = (out / "summary.md").read_text(encoding="utf-8")
    sources = discover([SUBMISSIONS / f"{name}.py" for name in NAMES], toy.submission_file)
    again = grade_batch(toy, sources, out, jobs=1)
    assert again.skipped == len(NAMES) and (out / "summary.md").read_text(encoding="utf-8") == before


def test_entries_from_grading_processes_share_their_repeated_pairs():
    # A batch keeps one entry per student; rebuilt from pickles (as sent by grading processes) they must
    # share each (test, outcome) pair instead of each holding copies, or memory grows with the class.
    import pickle

    first, second = (
        pickle.loads(pickle.dumps(entry(student, 5.0, outcomes=[("test_update", "passed"), ("test_rate", "failed")])))
        for student in ("ana", "bo")
    )
    assert first.outcomes == second.outcomes
    assert all(a is b for a, b in zip(first.outcomes, second.outcomes, strict=True))
    assert first.status is second.status
