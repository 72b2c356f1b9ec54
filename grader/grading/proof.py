"""Returns whether a model of a named mistake reproduces what a student's code did: the proof behind a name.

While a hidden test (or a probe) runs, every call it makes into the submission is kept as Evidence: the
call, the value that came back (or the kind of exception it raised) and what the student's code passed to
each grader-supplied stand-in. A model (grader.grading.models) reproduces the evidence when, given the
same calls in the trusted process, it gives back the same values within the tolerance of the tests, of the
same type and dtype, raises the same exceptions and passes the stand-ins the same arguments. Only then is
the mistake the model makes a claim the report may attach to that test.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from grader.equality import close


@dataclass(frozen=True)
class OwnFunction:
    """An argument that was the submission's own function `name`: the model's function of that name."""

    name: str


@dataclass(frozen=True)
class Evidence:
    """One call trusted code made into a submission, and what the student's code did in it."""

    name: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    value: Any
    """The decoded value it returned (None when it raised)."""
    raised: str | None
    """The kind of exception the call raised ("ValueError"), or why it failed ("limit"); None if it returned."""
    stand_ins: tuple[tuple[Any, tuple[tuple[tuple[Any, ...], dict[str, Any]], ...]], ...] = ()
    """Each stand-in passed to the call, with the calls the student's code made to it: (args, kwargs)."""


def reproduces(model: ModuleType, evidence: Sequence[Evidence]) -> bool:
    """Returns whether `model` does what the student's code did in every call of `evidence` (none: False)."""
    return bool(evidence) and all(_reproduces_call(model, call) for call in evidence)


def _reproduces_call(model: ModuleType, call: Evidence) -> bool:
    value, raised, replayed = run_call(model, call)
    if raised is not None or call.raised is not None:
        return raised == call.raised
    return same(call.value, value) and all(
        same(list(calls), replay.calls) for (_, calls), replay in zip(call.stand_ins, replayed, strict=True)
    )


def run_call(module: ModuleType, call: Evidence) -> tuple[Any, str | None, list[_Replay]]:
    """Returns what `module` does given the call: its value, the kind of exception it raised (or None), and
    the stand-ins as it saw them (their calls), in the order of `call.stand_ins`."""
    replayed = {id(stand_in): _Replay(stand_in.values) for stand_in, _ in call.stand_ins}
    stand_ins = [replayed[id(stand_in)] for stand_in, _ in call.stand_ins]
    function = getattr(module, call.name, None)
    if not callable(function):
        return None, "AttributeError", stand_ins
    args = tuple(_argument(module, value, replayed) for value in call.args)
    kwargs = {key: _argument(module, value, replayed) for key, value in call.kwargs}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return function(*args, **kwargs), None, stand_ins
        except Exception as error:  # noqa: BLE001 - the module's exception is the value compared
            return None, type(error).__name__, stand_ins


class _Replay:
    """A stand-in as the model sees it: returns the stand-in's values in turn and keeps its calls."""

    def __init__(self, values: Sequence[Any]):
        self.values = list(values)
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        value = self.values[min(len(self.calls), len(self.values) - 1)]
        self.calls.append((args, kwargs))
        return value


def _argument(model: ModuleType, value: Any, replayed: dict[int, _Replay]) -> Any:
    """Returns an argument as the model takes it: the submission's own functions become the model's."""
    if id(value) in replayed:
        return replayed[id(value)]
    if isinstance(value, OwnFunction):
        return getattr(model, value.name, None)
    if isinstance(value, list):
        return [_argument(model, item, replayed) for item in value]
    if isinstance(value, tuple):
        return tuple(_argument(model, item, replayed) for item in value)
    return value


def same(student: Any, model: Any) -> bool:
    """Returns whether two values are the same for a test: same kinds and shapes, numbers within tolerance.

    A number is a number whatever holds it (int, float, a NumPy scalar, an array of no dimension); an
    array of one or more dimensions is the same only as an array of its dtype and shape.
    """
    student, model = _scalar(student), _scalar(model)
    if isinstance(student, np.ndarray) or isinstance(model, np.ndarray):
        return (
            isinstance(student, np.ndarray)
            and isinstance(model, np.ndarray)
            and student.dtype == model.dtype
            and student.shape == model.shape
            and close(student, model)
        )
    if _is_number(student) and _is_number(model):
        return isinstance(student, bool) == isinstance(model, bool) and close(student, model)
    if isinstance(student, (list, tuple)) and isinstance(model, (list, tuple)):
        return len(student) == len(model) and all(same(a, b) for a, b in zip(student, model, strict=True))
    if isinstance(student, dict) and isinstance(model, dict):
        return student.keys() == model.keys() and all(same(student[key], model[key]) for key in student)
    try:
        return bool(student == model)
    except Exception:  # noqa: BLE001 - values that cannot be compared are not the same
        return False


def _scalar(value: Any) -> Any:
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, complex, np.number, np.bool_))
