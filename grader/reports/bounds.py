"""Returns a result cut down so that a student's reports stay within MAX_REPORT_BYTES, whatever it holds.

Every value a submission chooses is already bounded where it enters (the protocol's budget, the output
limit, format_value), but many bounded pieces can still add up. A report over the bound is written again
from a result with shorter texts, then without its plots; every cut is marked where it happened.
"""

from __future__ import annotations

import dataclasses

from grader.formatting import shorten
from grader.results import Failure, Plot, SubmissionResult, TestResult
from grader.text import Text

MAX_REPORT_BYTES = 1024 * 1024
"""A student's report.html, report.md and results.json together stay under this (about 1 MB)."""

SHORT_TEXT_CHARS = 300
"""What each student-chosen text is cut to when the reports were over the bound."""

SHORT_OUTPUT_CHARS = 4_000
"""What the printed output is cut to when the reports were over the bound."""

FINAL_MARKER = "\n… [the rest of this report was cut: it was over {limit} bytes]\n"


def shortened(result: SubmissionResult, *, plots: bool = True) -> SubmissionResult:
    """Returns the result with every student-chosen text cut to SHORT_TEXT_CHARS (the printed output to
    SHORT_OUTPUT_CHARS), and without plots when `plots` is false."""
    return dataclasses.replace(
        result,
        status_message=shorten(result.status_message, SHORT_TEXT_CHARS * 2),
        output=shorten(result.output, SHORT_OUTPUT_CHARS),
        failure=_failure(result.failure),
        tests=tuple(_test(test) for test in result.tests),
        diagnoses=tuple(
            dataclasses.replace(d, call=_cut(d.call), expected=_cut(d.expected), actual=_cut(d.actual))
            for d in result.diagnoses
        ),
        plots=tuple(_plot(plot) for plot in result.plots) if plots else (),
    )


def cut_to_bound(document: str, limit: int) -> str:
    """Returns `document` cut to at most `limit` bytes of UTF-8, ending with a visible marker."""
    data = document.encode("utf-8")
    if len(data) <= limit:
        return document
    marker = FINAL_MARKER.format(limit=limit)
    return data[: limit - len(marker.encode())].decode("utf-8", errors="ignore") + marker


def _test(test: TestResult) -> TestResult:
    message = shorten(test.message, SHORT_TEXT_CHARS * 2)
    return dataclasses.replace(test, message=message, failure=_failure(test.failure))


def _failure(failure: Failure | None) -> Failure | None:
    if failure is None:
        return None
    return dataclasses.replace(
        failure,
        message=shorten(failure.message, SHORT_TEXT_CHARS * 2),
        call=_cut(failure.call),
        expected=_cut(failure.expected),
        actual=_cut(failure.actual),
        exception=_cut(failure.exception),
        code=_cut(failure.code),
        text=_text(failure.text),
        expected_text=_text(failure.expected_text),
    )


def _plot(plot: Plot) -> Plot:
    return dataclasses.replace(
        plot, notes=tuple(_sentence(n) if isinstance(n, Text) else shorten(n, SHORT_TEXT_CHARS) for n in plot.notes)
    )


def _text(sentence: Text | None) -> Text | None:
    """Returns the sentence with every value filled into it cut (the template is the grader's own)."""
    return None if sentence is None else _sentence(sentence)


def _sentence(sentence: Text) -> Text:
    values = tuple(
        (name, _sentence(v) if isinstance(v, Text) else shorten(v, SHORT_TEXT_CHARS)) for name, v in sentence.values
    )
    return Text(sentence.template, values)


def _cut(value: str | None) -> str | None:
    return None if value is None else shorten(value, SHORT_TEXT_CHARS)
