"""Returns and writes a submission's reports: HTML for the student, Markdown for CI and LMS, check text.

Everything a report shows is decided here (which tests failed, what a status is called); the templates
in grader/templates only lay it out.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from grader.gradebook import format_points
from grader.results import Outcome, ReportContext, Status, SubmissionResult, TestResult
from grader.svgcache import SvgCache, write_atomically

STATUS_TITLES: dict[Status, str] = {
    Status.GRADED: "Graded",
    Status.MISSING_FILE: "Missing file: no submission was found",
    Status.SYNTAX_ERROR: "Syntax error: Python could not read your file",
    Status.IMPORT_ERROR: "Error while loading: your file raised an exception when Python ran it",
    Status.TIMEOUT: "Time limit: your code ran for too long",
    Status.MEMORY_LIMIT: "Memory limit: your code needed more memory than allowed",
    Status.CRASHED: "Crashed: the process running your code stopped unexpectedly",
    Status.INTERNAL_ERROR: "Grader problem: the grader failed, not your code; please tell your instructor",
}
"""What each status is called in a report, in words a student understands."""

OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.PASSED: "✓ passed",
    Outcome.FAILED: "✗ failed",
    Outcome.ERROR: "✗ error",
    Outcome.SKIPPED: "– skipped",
    Outcome.NOT_RUN: "– not run",
}
"""A symbol and a word per outcome, so a result never depends on colour alone."""

_NOT_EXPLAINED = (Outcome.SKIPPED, Outcome.NOT_RUN)


def build_context(
    result: SubmissionResult, title: str, *, with_svgs: bool = True, svg_cache: SvgCache | None = None
) -> ReportContext:
    """Returns what the templates receive: tests split into failed and passed, plots drawn as SVG.

    with_svgs=False skips drawing (the Markdown and check text never show the figures).
    """
    svg_cache = svg_cache or SvgCache()
    return ReportContext(
        result=result,
        title=title,
        failed=tuple(t for t in result.tests if t.outcome is not Outcome.PASSED),
        passed=tuple(t for t in result.tests if t.outcome is Outcome.PASSED),
        # The SVG is made by plots.render_svg from escaped text, so it may go into HTML as it is.
        svgs=tuple(Markup(svg_cache.svg(plot)) for plot in result.plots) if with_svgs else (),
    )


def render_html(ctx: ReportContext) -> str:
    """Returns the self-contained HTML report (inline CSS and SVG, no scripts, no external links)."""
    return _environment.get_template("report.html.j2").render(_template_values(ctx))


def render_markdown(ctx: ReportContext) -> str:
    """Returns the GitHub-flavoured Markdown report, for CI summaries and LMS comments."""
    return _environment.get_template("report.md.j2").render(_template_values(ctx))


def render_check(ctx: ReportContext) -> str:
    """Returns the plain terminal text `grader check` prints: a line per test, then the failures."""
    return _environment.get_template("check.txt.j2").render(_template_values(ctx))


def write_reports(
    result: SubmissionResult, title: str, directory: Path, svg_cache: SvgCache | None = None
) -> dict[str, float]:
    """Writes report.html, report.md and then results.json for one submission into `directory`.

    results.json goes last and whole (through a rename): its presence marks a finished submission,
    which is what lets an interrupted batch resume. Returns the seconds spent drawing and rendering.
    """
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    ctx = build_context(result, title, svg_cache=svg_cache)
    drawn = time.monotonic()
    (directory / "report.html").write_text(render_html(ctx), encoding="utf-8")
    (directory / "report.md").write_text(render_markdown(ctx), encoding="utf-8")
    # allow_nan=False: NaN is not JSON; a NaN score is a grader bug and must fail loudly here.
    results_json = json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    write_atomically(directory / "results.json", results_json + "\n")
    return {"draw plots": drawn - started, "render reports": time.monotonic() - drawn}


def _template_values(ctx: ReportContext) -> dict[str, Any]:
    result = ctx.result
    graded = result.status is Status.GRADED
    not_run = tuple(t for t in ctx.failed if not _is_explained(t, result))
    return {
        "result": result,
        "title": ctx.title,
        "passed": ctx.passed,
        "failed": ctx.failed,
        "explained": tuple(t for t in ctx.failed if _is_explained(t, result)),
        "not_run": tuple((test, _own_message(test, result)) for test in not_run),
        "not_run_lead": "These tests did not run and scored 0."
        if graded
        else "Because of the problem above, these tests could not run and scored 0.",
        "figures": tuple(zip(result.plots, ctx.svgs or ("",) * len(result.plots), strict=True)),
        "status_title": STATUS_TITLES[result.status],
        "banner": None if graded else STATUS_TITLES[result.status],
    }


def _is_explained(test: TestResult, result: SubmissionResult) -> bool:
    """Returns whether a test that did not pass gets its own section, rather than a line in a list.

    Tests that never ran, or that failed only because the whole submission did (it did not load, or
    used up its time), repeat one reason; the status banner gives it once.
    """
    if test.outcome in _NOT_EXPLAINED:
        return False
    if test.failure is None:
        return True
    return test.failure.kind != "unavailable" and test.failure != result.failure


def _own_message(test: TestResult, result: SubmissionResult) -> str:
    """Returns a not-run test's message, or "" when it only repeats what the banner says."""
    shared = {result.status_message, result.failure.message if result.failure else ""}
    return "" if test.message in shared else test.message


# Markdown filters: student-controlled text must not break a table, a fence or turn into markup.


def _md_cell(text: str) -> str:
    """Returns `text` safe inside a GFM table cell: pipes escaped, on one line."""
    return str(text).replace("|", r"\|").replace("\r", " ").replace("\n", " ")


def _md_text(text: str) -> str:
    """Returns `text` with Markdown's inline markup characters escaped, so it reads as written."""
    return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", str(text))


def _md_code(text: str) -> str:
    """Returns `text` as an inline code span, with a fence of backticks it cannot close early."""
    text = str(text)
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_fence(text: str, language: str = "text") -> str:
    """Returns `text` as a fenced code block whose fence is longer than any backtick run inside."""
    text = str(text)
    fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def _md_quote(text: str) -> str:
    """Returns `text` as a blockquote, every line prefixed."""
    return "\n".join(f"> {line}".rstrip() for line in str(text).splitlines() or [""])


def _points_phrase(value: float) -> str:
    """Returns "1 point", "1.5 points", "0 points"."""
    text = format_points(value)
    return f"{text} point" if text == "1" else f"{text} points"


def _outcome_label(outcome: Outcome) -> str:
    return OUTCOME_LABELS[Outcome(outcome)]


def _make_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("grader", "templates"),
        # select_autoescape compares name endings, so "report.html.j2" matches "html.j2" and the
        # Markdown and text templates stay unescaped.
        autoescape=select_autoescape(["html.j2"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(
        md_cell=_md_cell,
        md_text=_md_text,
        md_code=_md_code,
        md_fence=_md_fence,
        md_quote=_md_quote,
        points=format_points,
        points_phrase=_points_phrase,
        outcome_label=_outcome_label,
        # Printed output and values usually end in a newline; a block shows it as an empty line.
        rstrip_newlines=lambda text: str(text).rstrip("\r\n"),
    )
    return environment


_environment = _make_environment()
