"""Returns a report's failed tests grouped by cause, and the printed output a report shows.

One named mistake, or one exception raised at one line, fails many tests: a report gives each cause one
section that lists the tests and the points they cost, and shows the first failure in full. Each test
keeps its row in the report's table; results.json keeps every failure whole.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from grader.formatting import format_points
from grader.i18n import Translator
from grader.results import TestResult
from grader.text import N_

PRINTED_HEAD = 15
"""Lines of the student's printed output a report shows from its start..."""
PRINTED_TAIL = 10
"""...and from its end; results.json keeps all of it (up to the output limit)."""
PRINTED_LINE_CHARS = 300
"""A printed line longer than this is cut in a report."""


def cause_key(test: TestResult, first_mistake: str | None) -> Hashable:
    """Returns what a failure is grouped by: its named mistake, its exception and line, or the test alone."""
    if first_mistake is not None:
        return ("mistake", first_mistake)
    failure = test.failure
    if failure is None:
        return ("test", test.name)
    if failure.kind == "error" and failure.exception:
        return ("error", failure.exception, failure.cell, failure.line)
    if failure.kind == "limit" and failure.text is not None:
        return ("limit", failure.text.template)
    if failure.kind in ("missing", "signature") and failure.missing:
        return (failure.kind, failure.missing)
    # The cases of one parametrised test failing the same check are one cause shown once.
    template = failure.text.template if failure.text is not None else failure.message
    return ("check", test.name.partition("[")[0], failure.kind, template)


def causes(
    failed: tuple[TestResult, ...],
    mistakes: tuple[dict[str, Any], ...],
    notes: Callable[[TestResult], list[str]],
    translate: Translator,
) -> tuple[dict[str, Any], ...]:
    """Returns one section per cause, in the order of their first test: its tests, the points they cost,
    the first test (shown in full), its title when it holds more than one test, its notes and hints."""
    groups: dict[Hashable, list[TestResult]] = {}
    first_of: dict[str, str | None] = {}
    for test in failed:
        first_of[test.name] = next((m["id"] for m in mistakes if test.name in m["tests"]), None)
        groups.setdefault(cause_key(test, first_of[test.name]), []).append(test)
    return tuple(_section(tests, first_of[tests[0].name], mistakes, notes, translate) for tests in groups.values())


def _section(
    tests: list[TestResult],
    mistake_id: str | None,
    mistakes: tuple[dict[str, Any], ...],
    notes: Callable[[TestResult], list[str]],
    translate: Translator,
) -> dict[str, Any]:
    first = tests[0]
    lost = sum(t.max_score - t.score for t in tests)
    worth = sum(t.max_score for t in tests)
    title = _title(tests, mistake_id, mistakes, translate) if len(tests) > 1 else None
    # What every test of the cause has in common: a note true of only some would mislead about the rest.
    shared_notes = [note for note in notes(first) if all(note in notes(test) for test in tests[1:])]
    # The first test's hint: a mistake's fix, or the signature, already says what to change for all.
    hints = [first.hint] if first.hint else []
    return {
        "test": first,
        "title": title,
        "count": len(tests),
        "lead": translate.ngettext(
            "This cause failed {count} test, which cost {lost} of {worth} points:",
            "This cause failed {count} tests, which cost {lost} of {worth} points:",
            len(tests),
        ).format(count=len(tests), lost=format_points(lost), worth=format_points(worth)),
        "tests": tuple((t, format_points(t.max_score - t.score)) for t in tests),
        "first_label": translate.gettext(N_("The first of them in full:")),
        "lost": format_points(lost),
        "worth": worth,
        "notes": shared_notes,
        "hints": hints,
    }


def _title(
    tests: list[TestResult], mistake_id: str | None, mistakes: tuple[dict[str, Any], ...], translate: Translator
) -> str:
    """Returns a cause's heading: the mistake's title, the function that takes other parameters, or the error."""
    failure = tests[0].failure
    named = next((m["title"] for m in mistakes if m["id"] == mistake_id), None)
    if named is not None:
        return str(named)
    if failure is not None and failure.kind == "signature" and failure.missing:
        sentence = translate.gettext(N_("Your {name} takes other parameters than the assignment's"))
        return sentence.format(name=failure.missing)
    # Never the student's own text (an exception's message or type name can forge a heading): the first
    # failure, shown in full below the heading, says what was raised.
    if failure is not None and failure.exception:
        return translate.gettext(N_("The same error, raised at the same place"))
    return translate.gettext(N_("The same check failed"))


def printed(output: str, translate: Translator) -> str:
    """Returns what a report shows of the student's printed output: its first and last lines, and between
    them a line saying how many are left out; long lines are cut with a marker."""
    lines = output.rstrip("\r\n").split("\n") if output else []
    cut = translate.gettext(N_("… ({count} more characters)"))
    lines = [_cut(line, cut) for line in lines]
    if len(lines) <= PRINTED_HEAD + PRINTED_TAIL + 1:
        return "\n".join(lines)
    left_out = len(lines) - PRINTED_HEAD - PRINTED_TAIL
    marker = translate.ngettext(
        "… {count} line left out here: results.json holds all that was kept …",
        "… {count} lines left out here: results.json holds all that was kept …",
        left_out,
    ).format(count=left_out)
    return "\n".join([*lines[:PRINTED_HEAD], marker, *lines[-PRINTED_TAIL:]])


def _cut(line: str, marker: str) -> str:
    if len(line) <= PRINTED_LINE_CHARS:
        return line
    return line[:PRINTED_LINE_CHARS] + marker.format(count=len(line) - PRINTED_LINE_CHARS)
