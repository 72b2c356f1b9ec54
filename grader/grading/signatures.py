"""Returns a failed call's true cause when the student's function takes other parameters than the assignment's.

A function written with other parameters (other names, another order, one more or one less) fails every
test that calls it with the same TypeError, raised before any line of it runs. It is one cause: reports
give it one section, the assignment's signature beside what Python said of the student's.
"""

from __future__ import annotations

import inspect
import re

from grader.results import Failure
from grader.text import N_, text

# What Python says when a call does not fit the function's parameters; raised before any line of it runs.
_MISFIT = re.compile(
    r"^TypeError: (?P<name>\w+)\(\) (?:takes|missing|got an unexpected|got multiple|got some positional-only)"
)


def other_signature(failure: Failure, name: str, declared: inspect.Signature | None) -> Failure:
    """Returns a failure that says `name` takes other parameters than the assignment declares, when a call
    failed only because its arguments did not fit (no line of the student's function ran); else `failure`.

    One cause for every test that calls the function: reports give it one section, showing the
    assignment's signature beside what Python said of the student's.
    """
    exception = failure.exception or ""
    if failure.kind != "error" or failure.line is not None or failure.cell is not None or declared is None:
        return failure
    if not _MISFIT.match(exception):
        return failure
    assignment = f"def {name}({', '.join(_parameter(p) for p in declared.parameters.values())}):"
    sentence = text(
        N_(
            "your {name} takes other parameters than the assignment's, so the grader cannot call it as the "
            "assignment says ({exception}). Give it the parameters below, in this order: the tests call it with them."
        ),
        name=name,
        exception=exception.removeprefix("TypeError: "),
    )
    return Failure.of(
        "signature",
        sentence,
        call=failure.call_text,
        expected=assignment,
        actual=exception.removeprefix("TypeError: "),
        missing=name,
    )


def _parameter(parameter: inspect.Parameter) -> str:
    """Returns a parameter as a starter file declares it: a function default by its name, not its address."""
    if parameter.default is parameter.empty:
        return str(parameter.replace(annotation=parameter.empty))
    default = parameter.default
    shown = default.__name__ if callable(default) and hasattr(default, "__name__") else repr(default)
    return f"{parameter.name}={shown}"
