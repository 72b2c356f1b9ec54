"""Returns whether two files' functions give the same values: calls recorded once, replayed on both in workers.

`recording()` keeps every call trusted code makes into a submission while it grades one (the hidden
tests, the report's plots). `Replayer.first_difference` makes those calls, and variations of them, on a
file and on the reference, each loaded in its own worker like any submission, and compares what came
back: values (with their type, shape and dtype), the calls made to a grader-supplied function, or the
kind of error. Nothing of either file runs in the trusted process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from grader.assignment import Assignment
from grader.equality import close
from grader.grading.feedback import SubmissionCallFailed
from grader.grading.proxy import FunctionRef, RecordedCall, RemoteSubmission, Scripted, recorded_calls
from grader.sandbox.client import Worker
from grader.sandbox.forkserver import SharedForkServer
from grader.sandbox.isolation import Isolation
from grader.sandbox.launchers import ForkServerLauncher

SCALES = (0.25, 4.0)
"""Variations multiply each float argument by a factor drawn log-uniformly from this range: signs, zeros,
integers and everything else stay as recorded, so a variation stays in the domain the tests use. Two
more pass the same numbers as the other type: whole floats as ints (2.0 as 2), ints as floats."""


@contextlib.contextmanager
def recording() -> Iterator[list[RecordedCall]]:
    """Returns the list that every call into a submission made inside the block is appended to."""
    calls: list[RecordedCall] = []
    token = recorded_calls.set(calls)
    try:
        yield calls
    finally:
        recorded_calls.reset(token)


def distinct(calls: Sequence[RecordedCall]) -> list[RecordedCall]:
    """Returns the calls without repeats, in the order first made."""
    seen: dict[str, RecordedCall] = {}
    for call in calls:
        seen.setdefault(_call_key(call), call)
    return list(seen.values())


def reaching(calls: Sequence[RecordedCall], names: frozenset[str]) -> list[RecordedCall]:
    """Returns the calls that may run one of `names`: calls of them, or calls given one of them as an argument."""
    return [call for call in calls if call.name in names or _passes(call, names)]


def variations(calls: Sequence[RecordedCall], per_call: int, seed: int) -> list[RecordedCall]:
    """Returns `per_call` variations of each call with floats scaled (see SCALES), then the same numbers retyped."""
    rng = np.random.default_rng(seed)
    low, high = np.log(SCALES[0]), np.log(SCALES[1])

    def scaled(value: Any) -> Any:
        if isinstance(value, float):
            return value * float(np.exp(rng.uniform(low, high)))
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            return value * np.exp(rng.uniform(low, high, size=value.shape))
        return value

    def as_ints(value: Any) -> Any:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def as_floats(value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    changes = [scaled] * per_call + [as_ints, as_floats]
    return [_changed(call, change) for call in calls for change in changes]


def _changed(call: RecordedCall, change: Any) -> RecordedCall:
    """Returns the call with `change` applied to every argument, and to the items of list and tuple arguments."""

    def apply(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return type(value)(apply(item) for item in value)
        return change(value)

    return RecordedCall(call.name, tuple(apply(a) for a in call.args), tuple((k, apply(v)) for k, v in call.kwargs))


class Replayer:
    """Replays calls on files and compares each outcome with the reference's; close() stops the launcher.

    The reference's outcome of a call is computed once, in a worker started only when a call is new,
    and kept for the next files. Both workers of a file live and stop together: workers started in one
    process share a user id and stopping one sweeps them all, so replay only while no other worker of
    this process lives (in a grading stream, between two submissions).
    """

    def __init__(
        self, assignment: Assignment, isolation: Isolation | None = None, shared: SharedForkServer | None = None
    ):
        self._assignment = assignment
        self._isolation = isolation
        """How the workers are isolated; None: the strongest this machine allows."""
        self._shared = shared
        """A batch's fork server, shared by its grading processes, if any."""
        self._launcher: ForkServerLauncher | None = None
        self._expected: dict[str, tuple[Any, ...]] = {}

    def first_difference(self, path: Path, calls: Sequence[RecordedCall]) -> RecordedCall | None:
        """Returns the first call whose outcome on `path` differs from the reference's; None when none does."""
        launcher = self._launcher = self._launcher or ForkServerLauncher(self._isolation, shared=self._shared)
        limits, name = self._assignment.limits, self._assignment.submission_file
        with contextlib.ExitStack() as workers:
            worker = workers.enter_context(Worker(path, name, limits, launcher))
            if not worker.load().ok:
                return RecordedCall("<load>", (), ())
            file, reference = RemoteSubmission(worker), None
            for call in calls:
                key = _call_key(call)
                if key not in self._expected:
                    if reference is None:
                        started = workers.enter_context(Worker(self._assignment.reference_file, name, limits, launcher))
                        reference = RemoteSubmission(started)
                    self._expected[key] = _outcome(reference, call)
                if not _same(_outcome(file, call), self._expected[key]):
                    return call
        return None

    def close(self) -> None:
        if self._launcher is not None:
            self._launcher.close()
            self._launcher = None

    def __enter__(self) -> Replayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _outcome(submission: RemoteSubmission, call: RecordedCall) -> tuple[Any, ...]:
    """Returns what one call gave: its value and the calls it made to stand-ins, or the kind of its failure."""
    stand_ins: list[Scripted] = []

    def fresh(value: Any) -> Any:
        if isinstance(value, Scripted):
            stand_ins.append(submission.scripted(value.values))
            return stand_ins[-1]
        return value

    try:
        value = submission.call(call.name, *map(fresh, call.args), **{k: fresh(v) for k, v in call.kwargs})
    except SubmissionCallFailed as failed:
        exception = (failed.failure.exception or "").split(":", 1)[0]
        return ("failed", failed.failure.kind, exception)
    return ("value", value, [stand_in.calls for stand_in in stand_ins])


def _same(a: Any, b: Any) -> bool:
    """Returns whether two decoded values are the same: numbers by value, arrays by shape, dtype and values.

    A number is a Python int or float or a 0-d array (how a NumPy scalar crosses): no hidden test can
    tell 9 from 9.0 or from np.float64(9.0) by its value, so neither does this.
    """
    if _is_number(a) and _is_number(b):
        return close(float(a), float(b))
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return close(a, b)
        return bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _is_number(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype.kind in "iuf"
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _passes(call: RecordedCall, names: frozenset[str]) -> bool:
    values = [*call.args, *(v for _, v in call.kwargs)]
    return any(isinstance(value, FunctionRef) and value.name in names for value in values)


def _call_key(call: RecordedCall) -> str:
    return repr((call.name, _key(call.args), _key(call.kwargs)))


def _key(value: Any) -> Any:
    """Returns a comparable, printable stand-in for a recorded argument (arrays by their bytes)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, Scripted):
        return ("scripted", repr(value.values))
    if isinstance(value, FunctionRef):
        return ("function", value.name)
    if isinstance(value, (list, tuple)):
        return tuple(_key(item) for item in value)
    return value
