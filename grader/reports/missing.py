"""Returns the report's first section for a submission that lacks functions the grader calls.

Decided here, laid out by the templates: which functions are missing, what of the student's own could
stand in for each (found from values, see grading/missing.py), and how many tests each one cost. Tests
that failed only because a function is missing are counted here instead of getting a section each.
"""

from __future__ import annotations

from typing import Any

from grader.formatting import format_points
from grader.i18n import Translator
from grader.results import MissingFunction, SubmissionResult, TestResult


def is_folded(test: TestResult, result: SubmissionResult) -> bool:
    """Returns whether a test failed only because the file lacks a function the missing-functions section
    names: it is counted there, not shown. A test that needed a given function gets its own section."""
    if test.failure is None or test.failure.kind != "missing":
        return False
    return any(missing.name == test.failure.missing for missing in result.missing_functions)


def missing_view(result: SubmissionResult, translate: Translator) -> dict[str, Any] | None:
    """Returns the missing-functions section's texts in the report's language; None when nothing is missing."""
    if not result.missing_functions:
        return None
    _ = translate.gettext
    names = ", ".join(result.defined_functions)
    return {
        "lead": _(
            "The grader calls your functions by the names the assignment gives them, and your file does not "
            "define these:"
        ),
        "functions": [_function_view(missing, result, translate) for missing in result.missing_functions],
        "defined": _("Your file defines these functions at its top level: {names}.").format(names=names)
        if names
        else _(
            "Your file defines no function at its top level: code that runs when the file loads is not called again."
        ),
    }


def _function_view(missing: MissingFunction, result: SubmissionResult, translate: Translator) -> dict[str, Any]:
    _ = translate.gettext
    cost = [t for t in result.tests if t.failure is not None and t.failure.missing == missing.name]
    points = format_points(sum(t.max_score - t.score for t in cost))
    if missing.matches:
        found = missing.matches[0]
        advice = _(
            "Your function {found} returns what {name} should on the grader's inputs: rename it to {name}, or "
            "add the line {alias} after it."
        ).format(found=found, name=missing.name, alias=f"{missing.name} = {found}")
        if len(missing.matches) > 1:
            others = ", ".join(missing.matches[1:])
            advice += " " + _("These return the same values too: {others}.").format(others=others)
    else:
        advice = _(
            "None of your functions returns what {name} should. Define it with the first line below; if its code "
            "now runs at the top level of your file (a loop, for instance), move it inside and return the result."
        ).format(name=missing.name)
    cost_text = (
        translate.ngettext(
            "{count} test needed it and scored 0 ({points} points).",
            "{count} tests needed it and scored 0 ({points} points).",
            len(cost),
        ).format(count=len(cost), points=points)
        if cost
        else ""
    )
    return {
        "name": missing.name,
        "signature": missing.signature if not missing.matches else None,
        "advice": advice,
        "cost": cost_text,
    }
