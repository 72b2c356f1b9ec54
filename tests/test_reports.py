"""Tests the student reports (HTML, Markdown, check text) and results.json.

Golden files: tests/golden/report.md and tests/golden/results.json hold the exact output for the
hand-built GRADED result below (engine output, so they live with the engine's tests, not with an
assignment). When a change to the reports is intended, refresh them on purpose with

    python -m pytest tests/test_reports.py --update-goldens

and review the diff before committing; without the option the tests fail when output drifts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from grader.i18n import translator
from grader.reports.plotlayout import NO_DATA_TEXT
from grader.reports.student import build_context, render_check, render_html, render_markdown, write_reports
from grader.reports.templating import STATUS_TITLES, environment
from grader.results import (
    Failure,
    Outcome,
    Panel,
    Plot,
    Series,
    Status,
    SubmissionResult,
)
from grader.results import TestResult as HiddenTestResult  # a Test* name would be collected by pytest

GOLDEN = Path(__file__).parent / "golden"
TITLE = "Exercise 1: Derivatives & steps"
INF = float("inf")
NAN = float("nan")

MISMATCH = HiddenTestResult(
    "test_derivative_matches_reference[x=1.0]",
    0.0,
    1.0,
    Outcome.FAILED,
    "derivative(1.0) returned the wrong value",
    "The derivative of x**2 is 2*x; check the factor 2.",
    Failure(
        "mismatch", "derivative(1.0) returned the wrong value", call="derivative(x=1.0)", expected="2.0", actual="1.0"
    ),
)
RAISED = HiddenTestResult(
    "test_step_accepts_zero_rate",
    0.0,
    2.0,
    Outcome.ERROR,
    "step raised ZeroDivisionError",
    "A rate of 0 is allowed: do not divide by it.",
    Failure(
        "error",
        "step raised ZeroDivisionError",
        call="step(x=1.0, rate=0.0)",
        exception="ZeroDivisionError: float division by zero",
        line=12,
        code="    return x - 1 / rate",
    ),
)
PASSED = (
    HiddenTestResult("test_derivative_matches_reference[x=-2.0]", 1.0, 1.0, Outcome.PASSED, "", "Check the sign."),
    HiddenTestResult("test_history[a|b]", 1.5, 1.5, Outcome.PASSED, "", "Keep every step."),
)
PLOT = Plot(
    "Runs with two rates",
    "Value per epoch, your run (solid) against the reference (dashed).",
    (
        Panel(
            "value",
            "linear",
            (
                Series("rate 0.1", "tab:blue", tuple(0.5**k for k in range(10)), is_reference=False),
                Series("rate 0.1", "tab:blue", tuple(0.5**k for k in range(10)), is_reference=True),
            ),
        ),
        Panel(
            "|value|",
            "log",
            (
                Series("rate 1.5", "tab:red", (1.0, 1e10, 1e40, 1e70, INF, NAN), is_reference=False),
                Series("rate 1.5", "tab:red", (1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375), is_reference=True),
            ),
        ),
        Panel("all inf", "linear", (Series("rate 9", "tab:green", (INF, INF), is_reference=False),)),
    ),
    notes=("The run with rate 3.0 raised OverflowError; it is not drawn.",),
)


def graded_result(**changes) -> SubmissionResult:
    fields = dict(
        student="alice",
        assignment="demo",
        score=2.5,
        max_score=5.5,
        status=Status.GRADED,
        status_message="All tests ran.",
        tests=(PASSED[0], MISMATCH, RAISED, PASSED[1]),
        grader_version="0.1.0",
        output="epoch 1: x=1.0\n<script>alert(1)</script>\n",
        plots=(PLOT,),
        seconds=1.2345,
        submission_sha256="ab" * 32,
    )
    fields.update(changes)
    return SubmissionResult(**fields)


def syntax_error_result() -> SubmissionResult:
    """As the runner builds it: tests error with the submission's own failure, or never ran."""
    broken = Failure(
        "error",
        "Python could not read the file: expected ':' at line 3.",
        exception="SyntaxError: expected ':'",
        line=3,
        code="def derivative(x)",
    )
    tests = (
        HiddenTestResult("test_derivative", 0.0, 1.0, Outcome.ERROR, broken.message, "hint", broken),
        HiddenTestResult(
            "test_step",
            0.0,
            1.0,
            Outcome.NOT_RUN,
            "Your file did not load.",
            "hint",
            Failure("unavailable", "Your file did not load."),
        ),
    )
    return SubmissionResult(
        "bob", "demo", 0.0, 2.0, Status.SYNTAX_ERROR, broken.message, tests, "0.1.0", failure=broken
    )


@pytest.fixture(scope="module")
def graded_html() -> str:
    return render_html(build_context(graded_result(), TITLE))


@pytest.fixture(scope="module")
def graded_markdown() -> str:
    return render_markdown(build_context(graded_result(), TITLE))


def test_every_status_has_a_title():
    assert set(STATUS_TITLES) == set(Status)


def test_context_splits_failed_and_passed_in_order():
    ctx = build_context(graded_result(), TITLE)
    assert ctx.failed == (MISMATCH, RAISED)
    assert ctx.passed == PASSED
    assert len(ctx.svgs) == 1 and ctx.svgs[0].startswith("<svg")


def test_context_without_svgs_still_renders_every_report():
    ctx = build_context(graded_result(), TITLE, with_svgs=False)
    assert ctx.svgs == ()
    html = render_html(ctx)
    assert "<svg" not in html and "<figcaption>Value per epoch" in html
    assert "Runs with two rates" in render_markdown(ctx)
    assert render_check(ctx).endswith(
        "2 of 4 public tests passed. Your grade comes from the hidden tests, which check much more.\n"
    )


def test_html_teaches_each_failure(graded_html):
    # The expected and actual values, each under its own label (bare "2.0" or "1.0" would match the
    # grader's version in the footer).
    assert re.search(r"Expected</p>\s*<pre>2\.0</pre>", graded_html)
    assert re.search(r"Your code gave</p>\s*<pre>1\.0</pre>", graded_html)
    for text in (
        "derivative(x=1.0)",
        "The derivative of x**2 is 2*x; check the factor 2.",
        "ZeroDivisionError: float division by zero",
        "Line 12 of your file",
        "    return x - 1 / rate",
        "lost 2 of 2 points",
        "✗ failed",
        "✗ error",
        "✓ passed",
    ):
        assert text in graded_html


def test_html_header_shows_score_percent_and_status(graded_html):
    assert "Exercise 1: Derivatives &amp; steps" in graded_html
    assert "2.5 / 5.5 points" in graded_html
    assert "45.5%" in graded_html
    assert "Status: <strong>Graded</strong>" in graded_html


def test_html_sections_come_in_teaching_order(graded_html):
    positions = [
        graded_html.index(marker)
        for marker in (
            "What to fix",
            "derivative(x=1.0)",
            "<svg",
            "Passed: 2 tests",
            "What your code printed",
            "Graded by gd-autograder 0.1.0",
        )
    ]
    assert positions == sorted(positions)


def test_html_escapes_student_output(graded_html):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in graded_html
    assert "<script" not in graded_html


def test_html_escapes_student_text_in_failures():
    raised = HiddenTestResult(
        "test_x",
        0.0,
        1.0,
        Outcome.ERROR,
        "f raised",
        "",
        Failure(
            "error",
            "f raised",
            exception="ValueError: <img src=x onerror=alert(1)>",
            line=1,
            code="raise ValueError('<b>')",
        ),
    )
    html = render_html(build_context(graded_result(tests=(raised,), plots=()), TITLE))
    assert "ValueError: &lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img" not in html and "<b>" not in html


def test_html_loads_nothing_from_outside(graded_html):
    assert "<script" not in graded_html and "<link" not in graded_html and "@import" not in graded_html
    # The only URLs allowed are SVG's XML namespace names, which browsers never fetch.
    without_namespaces = re.sub(r'xmlns(:\w+)?="http://www\.w3\.org/[\w/]+"', "", graded_html)
    assert "http" not in without_namespaces


def test_html_draws_plots_with_text_alternatives(graded_html):
    assert graded_html.count("<svg") == 1
    assert "<figcaption>Value per epoch, your run (solid) against the reference (dashed).</figcaption>" in graded_html
    assert 'role="img"' in graded_html
    assert NO_DATA_TEXT in graded_html
    assert "The run with rate 3.0 raised OverflowError; it is not drawn." in graded_html


def test_html_banner_for_a_submission_that_did_not_load():
    html = render_html(build_context(syntax_error_result(), TITLE))
    assert "✗ Syntax error: Python could not read your file" in html
    for text in (
        "SyntaxError: expected &#39;:&#39;",
        "Line 3 of your file",
        "def derivative(x)",
        "Tests that did not run: 2",
        "Because of the problem above",
    ):
        assert text in html
    # The banner gives the reason once; each test does not repeat it or get a section of its own.
    assert html.count("expected &#39;:&#39; at line 3") == 1
    assert "What to fix" not in html
    assert "Your file did not load." in html


def test_markdown_banner_for_a_submission_that_did_not_load():
    md = render_markdown(build_context(syntax_error_result(), TITLE))
    assert "## ✗ Syntax error: Python could not read your file" in md
    assert "**Line 3 of your file:**\n\n```python\ndef derivative(x)\n```" in md
    # One line counts the tests that could not run; only one with a reason of its own is listed.
    assert "Because of the problem above, 2 tests could not run and scored 0 (2 points).\n" in md
    assert "- `test_step` (1 point): Your file did not load.\n" in md
    assert "`test_derivative`" not in md
    assert "###" not in md


def test_a_graded_submission_has_no_banner(graded_html, graded_markdown):
    assert "banner" not in graded_html.split("</style>")[1]
    assert "\n## ✗" not in graded_markdown


def test_markdown_table_escapes_pipes(graded_markdown):
    assert "| `test_history[a\\|b]` | 1.5 / 1.5 | ✓ passed |" in graded_markdown
    assert "| `test_derivative_matches_reference[x=1.0]` | 0 / 1 | ✗ failed |" in graded_markdown


def test_markdown_shows_failure_blocks_and_hint(graded_markdown):
    assert "**Call:**\n\n```python\nderivative(x=1.0)\n```" in graded_markdown
    assert "**Expected:**\n\n```text\n2.0\n```" in graded_markdown
    assert "**Your code gave:**\n\n```text\n1.0\n```" in graded_markdown
    assert "> **Hint:** The derivative of x\\*\\*2 is 2\\*x; check the factor 2." in graded_markdown


def test_markdown_has_no_svg_but_describes_plots(graded_markdown):
    assert "<svg" not in graded_markdown
    assert "Value per epoch, your run (solid) against the reference (dashed)." in graded_markdown


def test_markdown_fence_cannot_be_closed_by_student_output():
    md = render_markdown(build_context(graded_result(output="```\n# not a heading\n", plots=()), TITLE))
    assert "````text\n```\n# not a heading\n````" in md


def test_markdown_is_not_html_escaped(graded_markdown):
    assert "<script>alert(1)</script>" in graded_markdown
    assert "&lt;" not in graded_markdown and "&amp;" not in graded_markdown


def test_check_lists_tests_then_failures_then_summary():
    text = render_check(build_context(graded_result(plots=()), TITLE))
    lines = text.splitlines()
    assert lines[2:6] == [
        "✓ passed   test_derivative_matches_reference[x=-2.0]",
        "✗ failed   test_derivative_matches_reference[x=1.0]",
        "✗ error    test_step_accepts_zero_rate",
        "✓ passed   test_history[a|b]",
    ]
    assert "    call:      derivative(x=1.0)\n    expected:  2.0\n    actual:    1.0\n" in text
    assert "    raised:    ZeroDivisionError: float division by zero\n" in text
    assert lines[-1] == "2 of 4 public tests passed. Your grade comes from the hidden tests, which check much more."
    assert "\x1b[" not in text


def test_check_for_a_submission_that_did_not_load():
    text = render_check(build_context(syntax_error_result(), TITLE))
    assert "✗ Syntax error: Python could not read your file" in text
    assert "    error:     SyntaxError: expected ':'\n    line 3:    def derivative(x)\n" in text
    assert "\n✗ error: test_derivative" not in text
    assert text.rstrip().endswith(
        "0 of 2 public tests passed. Your grade comes from the hidden tests, which check much more."
    )


def test_write_reports_writes_three_files(tmp_path):
    write_reports(graded_result(), TITLE, tmp_path / "alice")
    assert sorted(p.name for p in (tmp_path / "alice").iterdir()) == ["report.html", "report.md", "results.json"]


def test_results_json_has_required_keys(tmp_path):
    write_reports(graded_result(), TITLE, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert list(data)[:6] == ["student", "assignment", "score", "max_score", "status", "status_message"]
    assert set(data) == {
        "student",
        "assignment",
        "score",
        "max_score",
        "status",
        "tests",
        "status_message",
        "percent",
        "failure",
        "output",
        "warnings",
        "grader_version",
        "submission_sha256",
        "isolation",
        "fingerprint",
        "assignment_digest",
        "graded_at",
        "seconds",
        "timings",
        "diagnoses",
        "language",
        "format_version",
        "name",
        "late",
        "late_penalty_percent",
        "superseded",
        "missing_functions",
        "defined_functions",
        "numpy_version",
    }
    for test in data["tests"]:
        assert {"name", "score", "max_score", "outcome", "message", "hint"} <= set(test)


def test_results_json_refuses_nan(tmp_path):
    with pytest.raises(ValueError):
        write_reports(graded_result(score=NAN, plots=()), TITLE, tmp_path)


def test_templates_fail_loudly_on_missing_values():
    with pytest.raises(UndefinedError):
        environment(translator()).from_string("{{ missing }}").render()


def test_only_the_html_template_is_autoescaped():
    # select_autoescape matches name endings; this pins that "report.html.j2" counts as HTML.
    autoescape = environment(translator()).autoescape
    assert callable(autoescape)
    assert autoescape("report.html.j2") is True
    assert autoescape("report.md.j2") is False
    assert autoescape("check.txt.j2") is False


def test_golden_markdown_report(goldens):
    goldens.check(GOLDEN / "report.md", render_markdown(build_context(graded_result(), TITLE)))


def test_golden_results_json(tmp_path, goldens):
    write_reports(graded_result(), TITLE, tmp_path)
    goldens.check(GOLDEN / "results.json", (tmp_path / "results.json").read_text(encoding="utf-8"))
