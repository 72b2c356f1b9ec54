"""Returns and writes a submission's reports: HTML for the student, Markdown for CI and LMS, check text.

Everything a report shows is decided here (which tests failed, what a status is called); the templates
in grader/templates only lay it out.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from markupsafe import Markup

from grader.files import write_atomically
from grader.formatting import format_points
from grader.i18n import DEFAULT_LANGUAGE, Translator, translator
from grader.reports import bounds
from grader.reports.causes import causes, printed
from grader.reports.missing import is_folded, missing_view
from grader.reports.plotcache import SvgCache
from grader.reports.results_file import encode_result
from grader.reports.templating import STATUS_TITLES, environment
from grader.results import (
    RESULTS_NAME,
    Diagnosis,
    Failure,
    Outcome,
    Plot,
    ReportContext,
    Status,
    SubmissionResult,
    TestResult,
)
from grader.text import N_, Text

_NOT_EXPLAINED = (Outcome.SKIPPED, Outcome.NOT_RUN)


def build_context(
    result: SubmissionResult,
    title: str,
    *,
    with_svgs: bool = True,
    svg_cache: SvgCache | None = None,
    language: str = DEFAULT_LANGUAGE,
    locale_dirs: Iterable[Path] = (),
) -> ReportContext:
    """Returns what the templates receive: tests split into failed and passed, plots drawn as SVG.

    with_svgs=False skips drawing (the Markdown and check text never show the figures). `language`
    picks the catalogs: the engine's, and those under `locale_dirs` (the assignment's).
    """
    svg_cache = svg_cache if svg_cache is not None else SvgCache()
    locale_dirs = tuple(locale_dirs)
    translate = translator(language, locale_dirs)
    result = localize(result, translate)
    plots = tuple(translate_plot(plot, translate) for plot in result.plots)
    drawn = tuple(_drawn(plot, svg_cache, translate) for plot in plots) if with_svgs else ()
    plots = tuple(plot for plot, _ in drawn) or plots
    return ReportContext(
        result=result,
        title=title,
        failed=tuple(t for t in result.tests if t.outcome is not Outcome.PASSED),
        passed=tuple(t for t in result.tests if t.outcome is Outcome.PASSED),
        # The SVG is made by plots.render_svg from escaped text, so it may go into HTML as it is.
        svgs=tuple(Markup(svg) for _, svg in drawn),
        language=language,
        locale_dirs=locale_dirs,
        plots=plots,
    )


def _drawn(plot: Plot, svg_cache: SvgCache, translate: Translator) -> tuple[Plot, str]:
    """Returns the plot and its SVG; when the student's values cannot be drawn, the plot with only the
    reference's series and a note saying so: a student's values never stop a report from being written."""
    try:
        return plot, svg_cache.svg(plot)
    except Exception as error:  # noqa: BLE001 - any failure to draw the student's values is theirs to read
        note = translate.gettext(N_("Your values could not be drawn ({error}); only the reference is drawn."))
        reference_only = dataclasses.replace(
            plot,
            panels=tuple(
                dataclasses.replace(panel, series=tuple(s for s in panel.series if s.is_reference))
                for panel in plot.panels
            ),
            notes=(*plot.notes, note.replace("{error}", f"{type(error).__name__}: {error}")),
        )
        return reference_only, svg_cache.svg(reference_only)


def localize(result: SubmissionResult, translate: Translator) -> SubmissionResult:
    """Returns the result with every message (status, failures, expected properties) in the translator's
    language; values filled into them (numbers, calls, Python's own words) stay as they are."""
    _ = translate.gettext

    def failure(found: Failure | None) -> Failure | None:
        if found is None:
            return None
        return dataclasses.replace(
            found,
            message=found.text.render(_) if found.text else _(found.message),
            expected=found.expected_text.render(_) if found.expected_text else found.expected,
            call=found.call_text.render(_) if found.call_text else found.call,
        )

    def test_of(test: TestResult) -> TestResult:
        found = failure(test.failure)
        return dataclasses.replace(test, message=found.message, failure=found) if found else test

    tests = tuple(test_of(test) for test in result.tests)
    own = failure(result.failure)
    return dataclasses.replace(
        result,
        tests=tests,
        failure=own,
        status_message=own.message if own else _(result.status_message),
        plots=tuple(
            dataclasses.replace(plot, notes=tuple(n.render(_) if isinstance(n, Text) else _(n) for n in plot.notes))
            for plot in result.plots
        ),
    )


def translate_plot(plot: Plot, translate: Translator) -> Plot:
    """Returns the plot with its title, description, labels and axis names in the translator's language."""
    if translate.language == DEFAULT_LANGUAGE:
        return plot
    _ = translate.gettext
    panels = tuple(
        dataclasses.replace(
            panel,
            ylabel=_(panel.ylabel),
            series=tuple(dataclasses.replace(series, label=_(series.label)) for series in panel.series),
        )
        for panel in plot.panels
    )
    return dataclasses.replace(
        plot,
        title=_(plot.title),
        description=_(plot.description),
        panels=panels,
        xlabel=_(plot.xlabel),
        language=translate.language,
    )


def render_html(ctx: ReportContext) -> str:
    """Returns the self-contained HTML report (inline CSS and SVG, no scripts, no external links)."""
    return _render("report.html.j2", ctx)


def render_markdown(ctx: ReportContext) -> str:
    """Returns the GitHub-flavoured Markdown report, for CI summaries and LMS comments."""
    return _render("report.md.j2", ctx)


def render_check(ctx: ReportContext) -> str:
    """Returns the plain terminal text `grader check` prints: a line per test, then the failures."""
    return _render("check.txt.j2", ctx)


def _render(template: str, ctx: ReportContext) -> str:
    translate = translator(ctx.language, ctx.locale_dirs)
    return environment(translate).get_template(template).render(_template_values(ctx, translate))


def write_reports(
    result: SubmissionResult,
    title: str,
    directory: Path,
    svg_cache: SvgCache | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    locale_dirs: Iterable[Path] = (),
) -> dict[str, float]:
    """Writes report.html, report.md and then results.json for one submission into `directory`.

    results.json goes last and whole (through a rename): its presence marks a finished submission,
    which is what lets an interrupted batch resume. Returns the seconds spent drawing plots and the rest
    (rendering, writing).
    """
    started = time.monotonic()
    svg_cache = svg_cache if svg_cache is not None else SvgCache()
    drawing_before = svg_cache.seconds
    directory.mkdir(parents=True, exist_ok=True)
    documents = bounded_documents(result, title, svg_cache, language=language, locale_dirs=locale_dirs)
    (directory / "report.html").write_text(documents["report.html"], encoding="utf-8")
    (directory / "report.md").write_text(documents["report.md"], encoding="utf-8")
    write_atomically(directory / RESULTS_NAME, documents["results.json"])
    drawing = svg_cache.seconds - drawing_before
    return {"draw plots": drawing, "render reports": time.monotonic() - started - drawing}


def bounded_documents(
    result: SubmissionResult,
    title: str,
    svg_cache: SvgCache | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
    locale_dirs: Iterable[Path] = (),
) -> dict[str, str]:
    """Returns report.html, report.md and results.json, together at most MAX_REPORT_BYTES.

    Over the bound they are made again from the result with shorter texts, then without plots; as a last
    resort the two reports are cut with a visible marker (results.json stays whole: a rerun reads it).
    """
    locale_dirs = tuple(locale_dirs)
    documents: dict[str, str] = {}
    for attempt in (result, bounds.shortened(result), bounds.shortened(result, plots=False)):
        ctx = build_context(attempt, title, svg_cache=svg_cache, language=language, locale_dirs=locale_dirs)
        documents = {
            "report.html": render_html(ctx),
            "report.md": render_markdown(ctx),
            "results.json": encode_result(attempt, language),
        }
        if sum(len(document.encode("utf-8")) for document in documents.values()) <= bounds.MAX_REPORT_BYTES:
            return documents
    share = max(bounds.MAX_REPORT_BYTES - len(documents["results.json"].encode("utf-8")), 0) // 2
    return documents | {name: bounds.cut_to_bound(documents[name], share) for name in ("report.html", "report.md")}


def _template_values(ctx: ReportContext, translate: Translator) -> dict[str, Any]:
    result = ctx.result
    _ = translate.gettext
    graded = result.status is Status.GRADED
    not_run = tuple(t for t in ctx.failed if not _is_explained(t, result) and not is_folded(t, result))
    mistakes = tuple(_diagnosis_view(d, translate) for d in result.diagnoses)
    explained = tuple(t for t in ctx.failed if _is_explained(t, result) and not is_folded(t, result))
    plots = ctx.plots or result.plots
    listed = tuple((test, _own_message(test, result)) for test in not_run)
    return {
        "result": result,
        "title": _(ctx.title),
        "language": ctx.language,
        # Messages are translated sentences (localize); only the values filled into them stay as written.
        "passed": ctx.passed,
        "failed": ctx.failed,
        "explained": explained,
        "causes": causes(explained, mistakes, lambda test: _notes(test, mistakes, translate), translate),
        "missing": missing_view(result, translate),
        # The table helps only when some test ran: otherwise every row repeats the banner's one reason.
        "show_tests": result.status is not Status.MISSING_FUNCTIONS and bool(ctx.passed or explained),
        # A submission that did not load lists no tests that did not run: one line counts them.
        "not_run": listed if graded else tuple(item for item in listed if item[1]),
        "not_run_count": len(not_run),
        "not_run_lead": _(N_("These tests did not run and scored 0.")) if graded else _not_run_line(not_run, translate),
        "figures": tuple(zip(plots, ctx.svgs or ("",) * len(plots), strict=True))
        if graded or _has_own_runs(plots)
        else (),
        "printed": printed(result.output, translate),
        "status_title": _(STATUS_TITLES[result.status]),
        "banner": None if graded else _(STATUS_TITLES[result.status]),
        "mistakes": mistakes,
        "mistakes_of": {test: [m for m in mistakes if test in m["tests"]] for test in (t.name for t in ctx.failed)},
        "notes_of": {test.name: _notes(test, mistakes, translate) for test in ctx.failed},
    }


def _not_run_line(not_run: tuple[TestResult, ...], translate: Translator) -> str:
    """Returns the one line that counts the tests a submission that did not load could not run."""
    points = format_points(sum(t.max_score for t in not_run))
    return translate.ngettext(
        "Because of the problem above, {count} test could not run and scored 0 ({points} points).",
        "Because of the problem above, {count} tests could not run and scored 0 ({points} points).",
        len(not_run),
    ).format(count=len(not_run), points=points)


def _has_own_runs(plots: tuple[Plot, ...]) -> bool:
    """Returns whether a plot holds a run of the student's: plots of the reference alone teach nothing here."""
    return any(not series.is_reference for plot in plots for panel in plot.panels for series in panel.series)


PIPELINE_NOTE = N_(
    "This test runs your functions together, as the course does: the assignment declares it a test of the whole "
    "pipeline, so a mistake in any of your functions can fail it."
)
UNMATCHED_NOTE = N_("No known mistake matches these values: compare them with the expected ones and read the hint.")


def _notes(test: TestResult, mistakes: tuple[dict[str, Any], ...], translate: Translator) -> list[str]:
    """Returns what a failed test's section says besides its message: pipeline test, no named mistake."""
    notes = [translate.gettext(PIPELINE_NOTE)] if test.pipeline else []
    named = any(test.name in mistake["tests"] for mistake in mistakes)
    if not named and test.failure is not None and test.failure.kind == "mismatch":
        notes.append(translate.gettext(UNMATCHED_NOTE))
    return notes


def _diagnosis_view(diagnosis: Diagnosis, translate: Translator) -> dict[str, Any]:
    """Returns a named mistake's texts in the report's language, placeholders filled."""
    _ = translate.gettext
    return {
        "id": diagnosis.id,
        "title": diagnosis.text(_(diagnosis.title)),
        "explanation": diagnosis.text(_(diagnosis.explanation)),
        "fix": diagnosis.text(_(diagnosis.fix)),
        "call": diagnosis.call_text.render(_) if diagnosis.call_text else diagnosis.call,
        "expected": diagnosis.expected,
        "actual": diagnosis.actual,
        "tests": diagnosis.tests,
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
