"""Returns the functions a submission lacks, and which of its own functions return what each should.

The grader calls a submission's functions by the names the starter file gives them. A student who wrote
the right code under other names (or at the top level of the file) would otherwise read one failure per
test. Here the starter (trusted) says which names are required; the worker lists the names the
submission defines (names only); and each of the submission's functions is called, in the worker and
under its limits, on a few probe inputs, and compared with the reference's function of each missing
name. Nothing here reads the submission's source.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.equality import close
from grader.grading.feedback import SubmissionCallFailed
from grader.results import MissingFunction

MAX_CANDIDATES = 20
"""At most this many of the submission's functions are tried: each probe is a call into the worker."""

_FIRST = (1.25, 0.5, 3, 0.75, 2, -1.5)
_SECOND = (-0.5, 0.1, 5, -1.5, 4, 2.5)
"""Probe inputs by position: floats of both signs, with small whole numbers where a count often goes."""


@dataclass(frozen=True)
class Required:
    """A function the starter declares: its name, how it is declared, and whether the student writes it."""

    name: str
    signature: str
    to_write: bool
    """True when the starter leaves its body to the student (it raises NotImplementedError)."""


def required_functions(starter: Path) -> tuple[Required, ...]:
    """Returns the top-level functions the starter file declares, in its order; () when there is none."""
    try:
        tree = ast.parse(starter.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return ()
    found = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            signature = f"def {node.name}({ast.unparse(node.args)}):"
            found.append(Required(node.name, signature, _raises_not_implemented(node)))
    return tuple(found)


def _raises_not_implemented(node: ast.FunctionDef) -> bool:
    for statement in ast.walk(node):
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            raised = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
                return True
    return False


def missing_functions(
    required: tuple[Required, ...], defined: list[str], submission: Any, reference: ModuleType
) -> tuple[MissingFunction, ...]:
    """Returns each function to write the submission does not define, with its functions that could stand in.

    A function the starter gives (its body does not raise NotImplementedError, e.g. a helper the student
    may use) is never reported: a test that needs it still fails, naming it, in its own section.
    """
    absent = [function for function in required if function.to_write and function.name not in defined]
    candidates = [name for name in defined if name not in {function.name for function in required}]
    answers: dict[tuple[str, int], list[Any] | None] = {}
    found = []
    for function in absent:
        expected = _reference_values(reference, function.name)
        matches: list[str] = []
        if expected is not None:
            arity = len(expected[0])
            for name in candidates[:MAX_CANDIDATES]:
                key = (name, arity)
                if key not in answers:
                    answers[key] = _submission_values(submission, name, [args for args, _ in expected])
                answer = answers[key]
                if answer is not None and _same(answer, [value for _, value in expected]):
                    matches.append(name)
        found.append(MissingFunction(function.name, function.signature, tuple(matches)))
    return tuple(found)


def _probes(arity: int) -> list[tuple[Any, ...]]:
    return [_FIRST[:arity], _SECOND[:arity]] if arity <= len(_FIRST) else []


def _reference_values(reference: ModuleType, name: str) -> list[tuple[tuple[Any, ...], Any]] | None:
    """Returns (probe, reference value) pairs for the reference's `name`; None when it takes no probes."""
    function = getattr(reference, name, None)
    if not callable(function):
        return None
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    arity = sum(1 for p in parameters if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD)
    pairs = []
    for args in _probes(arity):
        try:
            with np.errstate(all="ignore"):
                pairs.append((args, function(*args)))
        except Exception:  # noqa: BLE001 - a reference function these probes do not fit gets no suggestion
            return None
    return pairs or None


def _submission_values(submission: Any, name: str, probes: list[tuple[Any, ...]]) -> list[Any] | None:
    """Returns the values of the submission's `name` on the probes (one batch of calls); None if one failed."""
    try:
        return list(submission.call_each(name, probes))
    except SubmissionCallFailed:
        return None


def _same(actual: list[Any], expected: list[Any]) -> bool:
    return all(close(a, e) for a, e in zip(actual, expected, strict=True))
