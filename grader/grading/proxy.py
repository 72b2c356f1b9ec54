"""Returns the student's values to trusted code: a proxy of the submission whose calls run in the worker.

Hidden tests call `submission.double(x)` as if the module were local; each call is sent to the
worker, and what comes back is decoded plain data or a SubmissionCallFailed naming the call.
`submission.call_each("double", [(1,), (2,)])` sends a loop of calls as one batch, with the loop's
results and failures.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from grader.authoring import last_call
from grader.formatting import format_value
from grader.grading.feedback import SubmissionCallFailed, failure_for, with_import_cause
from grader.grading.notebooks import Positions
from grader.grading.proof import Evidence, OwnFunction
from grader.grading.signatures import other_signature
from grader.results import Failure
from grader.sandbox import protocol
from grader.sandbox.client import Reply, Worker
from grader.text import N_, Text, text, verbatim

STAND_IN_NAME = N_("a function the grader supplies")
"""How a call shows a function the grader supplies when its hidden test gives it no name."""


@dataclass(frozen=True)
class RecordedCall:
    """A call trusted code made into a submission, kept to be made again on another file (see grading.replay)."""

    name: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]


recorded_calls: contextvars.ContextVar[list[RecordedCall] | None] = contextvars.ContextVar(
    "recorded_calls", default=None
)
"""When set to a list, every call a RemoteSubmission makes is appended to it (grading.replay.recording)."""


class FunctionRef:
    """The submission's own function `name`, passed as an argument to another of its functions."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


class Scripted:
    """A function the grader supplies: its k-th call returns values[k] (the last once they run out).

    A described call shows it as <name>, the name translated in reports like the hidden test's texts.
    """

    _ids = itertools.count(1)

    def __init__(self, values: Sequence[Any], name: str = STAND_IN_NAME):
        if not values:
            raise ValueError("a scripted function needs at least one value to return")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("a scripted function's name must be a non-empty string, e.g. N_(\"the grader's rule\")")
        self.values = list(values)
        self.name = name
        self.id = str(next(self._ids))
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def bound(self, names: Sequence[str]) -> list[dict[str, Any]]:
        """Returns one dict per recorded call: positional arguments under `names`, keywords as given."""
        return [dict(zip(names, args, strict=False)) | kwargs for args, kwargs in self.calls]

    def __repr__(self) -> str:
        return f"<{self.name}>"


class RemoteSubmission:
    """The submission's module as trusted code sees it; attribute access yields remote functions."""

    def __init__(self, worker: Worker, reference: ModuleType | None = None, positions: Positions | None = None):
        self._worker = worker
        self._reference = reference
        self._positions = positions
        self.failed_imports: dict[str, str] = {}
        """Names a failed top-level import would have bound → its module: a NameError on one names it."""
        self.evidence: list[Evidence] | None = None
        """When a list, every call made is appended to it with what came back (see grader.grading.proof)."""

    def function(self, name: str) -> FunctionRef:
        """Returns a reference to the submission's function `name`, to pass into another call."""
        return FunctionRef(name)

    def scripted(self, values: Sequence[Any], name: str = STAND_IN_NAME) -> Scripted:
        """Returns a grader-supplied function that returns `values` in turn and records its calls.

        `name` is what a student reads in a failed call, e.g. N_("the grader's rule") shows as
        f(rule=<the grader's rule>); mark it with N_ so it is extracted into the assignment's catalog.
        """
        return Scripted(values, name)

    def defined_functions(self) -> list[str]:
        """Returns the names of the functions the submission defines at its top level ([] if it cannot say)."""
        reply = self._worker.functions()
        names = reply.value if reply.ok and isinstance(reply.value, list) else []
        return [name for name in names if isinstance(name, str)]

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Returns the value of `name(*args, **kwargs)` run in the worker, or raises SubmissionCallFailed."""
        described = self._made(name, args, kwargs)
        reply = self._worker.call(*_request(name, args, kwargs))
        return self._value(described, args, kwargs, reply)

    def call_each(
        self, name: str, arguments: Iterable[Sequence[Any]], kwargs: Mapping[str, Any] | None = None
    ) -> list[Any]:
        """Returns [name(*args, **kwargs) for args in arguments], the calls sent to the worker as one batch.

        The same as that loop in all but time: the calls run in order, each under its own time limit, and
        the first that fails raises the SubmissionCallFailed its own call would raise, naming that call;
        the calls after it do not run. Stand-ins (`scripted`) record the calls of the last call given them.
        """
        values, failed = self.call_until_failure([(name, tuple(args), dict(kwargs or {})) for args in arguments])
        if failed is not None:
            raise failed
        return values

    def call_until_failure(
        self, calls: Sequence[tuple[str, Sequence[Any], Mapping[str, Any]]]
    ) -> tuple[list[Any], SubmissionCallFailed | None]:
        """Returns the values of `calls` (name, args, kwargs), made in order in batches, and the failure of
        the first call that failed (None if none did): the calls after it were not made."""
        values: list[Any] = []
        pending = list(calls)
        while pending:
            requests = []
            for name, args, kwargs in pending:
                try:
                    requests.append(_request(name, args, kwargs))
                except protocol.UnsupportedValue:
                    break  # sent after the calls before it, made alone: it raises as in a loop of calls
            if not requests:
                name, args, kwargs = pending.pop(0)
                values.append(self.call(name, *args, **kwargs))
                continue
            replies = self._worker.calls(requests)
            for (name, args, kwargs), reply in zip(pending, replies, strict=False):
                try:
                    values.append(self._value(self._made(name, args, kwargs), args, kwargs, reply))
                except SubmissionCallFailed as failed:
                    return values, failed
            del pending[: len(replies)]
        return values, None

    def _made(self, name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> _Described:
        """Returns the call, described on demand, noted as the last call made (and recorded when recording)."""
        described = _Described(name, args, dict(kwargs), self._reference)
        last_call.set(described)
        if (recorded := recorded_calls.get()) is not None:
            recorded.append(RecordedCall(name, tuple(args), tuple(kwargs.items())))
        return described

    def _value(self, described: _Described, args: Sequence[Any], kwargs: Mapping[str, Any], reply: Reply) -> Any:
        """Returns the decoded value of a call's reply, or raises the SubmissionCallFailed naming the call."""
        scripted = {s.id: s for s in itertools.chain(args, kwargs.values()) if isinstance(s, Scripted)}
        for key, stand_in in scripted.items():
            stand_in.calls = _recorded_calls(reply.scripted.get(key, []))
        if not reply.ok:
            failure = failure_for(reply, described(), self._worker, self._positions)
            failure = with_import_cause(failure, self.failed_imports)
            name = described.parts[0]
            failure = other_signature(failure, name, _signature(getattr(self._reference, name, None)))
            raised = (failure.exception or "").partition(":")[0].strip() or failure.kind
            self._keep(described, None, raised, scripted.values())
            raise SubmissionCallFailed(failure)
        try:
            value = protocol.decode(reply.value)
        except protocol.ProtocolError as error:
            self._keep(described, None, "bad_value", scripted.values())
            raise SubmissionCallFailed(
                Failure.of(
                    "bad_value",
                    text(
                        N_("the value returned by {call} could not be read: {error}."),
                        call=described(),
                        error=str(error),
                    ),
                    call=described(),
                )
            ) from None
        self._keep(described, value, None, scripted.values())
        return value

    def _keep(self, described: _Described, value: Any, raised: str | None, stand_ins: Iterable[Scripted]) -> None:
        """Appends the call and what the student's code did in it to `evidence`, when evidence is kept."""
        if self.evidence is None:
            return
        name, args, kwargs, _ = described.parts
        self.evidence.append(
            Evidence(
                name,
                tuple(_as_evidence(value) for value in args),
                tuple((key, _as_evidence(value)) for key, value in kwargs.items()),
                value,
                raised,
                tuple((stand_in, tuple(stand_in.calls)) for stand_in in stand_ins),
            )
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)

        def remote_function(*args: Any, **kwargs: Any) -> Any:
            return self.call(name, *args, **kwargs)

        remote_function.__name__ = name
        return remote_function


class _Described:
    """A call, described only if someone asks (a failure): most calls succeed and need no text."""

    def __init__(self, name: str, args: Sequence[Any], kwargs: dict[str, Any], reference: ModuleType | None):
        self.parts = (name, args, kwargs, reference)
        self.text: Text | None = None

    def __call__(self) -> Text:
        if self.text is None:
            self.text = describe_call(*self.parts)
        return self.text


def describe_call(name: str, args: Sequence[Any], kwargs: dict[str, Any], reference: ModuleType | None) -> Text:
    """Returns the call as a student would write it, naming arguments after the reference's parameters.

    The text is shown as written; only the names of functions the grader supplies in it get translated.
    """
    arguments: list[tuple[str | None, Any]] = []
    signature = _signature(getattr(reference, name, None))
    if signature is not None:
        try:
            arguments = list(signature.bind(*args, **kwargs).arguments.items())
        except TypeError:
            arguments = []
    if not arguments:
        arguments = [(None, value) for value in args] + list(kwargs.items())
    pieces: list[Text | str] = [f"{name}("]
    for index, (key, value) in enumerate(arguments):
        pieces += [", " if index else "", f"{key}=" if key else "", *_short(value)]
    pieces.append(")")
    return verbatim(*_joined(pieces))


@functools.cache
def _signature(function: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(function) if callable(function) else None
    except (TypeError, ValueError):
        return None


def _short(value: Any) -> list[Text | str]:
    if isinstance(value, Scripted):
        return ["<", Text(value.name), ">"]
    if isinstance(value, FunctionRef):
        return [value.name]
    return [" ".join(format_value(value).split())]


def _joined(pieces: Sequence[Text | str]) -> list[Text | str]:
    """Returns `pieces` with neighbouring strings joined, so a call without stand-ins is one piece."""
    joined: list[Text | str] = []
    for piece in pieces:
        if isinstance(piece, str) and joined and isinstance(joined[-1], str):
            joined[-1] += piece
        elif piece != "":
            joined.append(piece)
    return joined


def _request(name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[str, list[Any], list[list[Any]]]:
    """Returns a call as the worker takes it; raises UnsupportedValue for an argument that is not plain data."""
    return name, [_encode_argument(value) for value in args], [[k, _encode_argument(v)] for k, v in kwargs.items()]


def _encode_argument(value: Any) -> Any:
    if isinstance(value, FunctionRef):
        return {"__function__": value.name}
    if isinstance(value, Scripted):
        return {"__scripted__": {"id": value.id, "values": [protocol.encode(v) for v in value.values]}}
    if isinstance(value, (list, tuple)):
        return [_encode_argument(item) for item in value]
    return protocol.encode(value)


def _as_evidence(value: Any) -> Any:
    """Returns an argument as evidence keeps it: the submission's own functions by name, the rest as given."""
    if isinstance(value, FunctionRef):
        return OwnFunction(value.name)
    if isinstance(value, (list, tuple)):
        return type(value)(_as_evidence(item) for item in value)
    return value


def _recorded_calls(raw: Any) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    calls = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            args, kwargs = entry
            calls.append((tuple(_decode_loose(a) for a in args), {str(k): _decode_loose(v) for k, v in kwargs}))
        except (TypeError, ValueError):
            continue
    return calls


def _decode_loose(value: Any) -> Any:
    try:
        return protocol.decode(value)
    except protocol.ProtocolError:
        return None
