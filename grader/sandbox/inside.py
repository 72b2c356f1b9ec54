"""Runs inside the worker process: loads one submission and answers calls into it.

Everything here runs beside untrusted code, so nothing here decides anything: it returns plain data
(see protocol.py) and the trusted side checks it. The worker lowers its own resource limits before it
imports NumPy or the submission, and talks to the grader only over two inherited pipes; whatever the
submission prints goes to stdout/stderr, which the grader captures separately.
"""

from __future__ import annotations

import importlib.util
import os
import random
import socket
import sys
import traceback
import warnings
from collections.abc import Iterator
from typing import Any


def serve(channel_fd: int) -> None:
    """Answers load and call requests on the channel until the grader closes it."""
    from grader.sandbox import protocol

    _reset_randomness()
    channel = socket.socket(fileno=channel_fd)
    requests, replies = channel.makefile("rb"), channel.makefile("wb")
    server = _Server(protocol, lambda note: protocol.write_message(replies, note))
    while True:
        try:
            request = protocol.read_message(requests)
        except (protocol.ProtocolError, OSError):
            return  # the grader closed the channel: we are done
        for reply in server.handle(request):
            try:
                protocol.write_message(replies, reply)
            except protocol.UnsupportedValue as error:
                protocol.write_message(replies, {"ok": False, "bad_value": str(error)})
                break  # a failed call ends its batch, like any other failure


def _reset_randomness() -> None:
    """Seeds the global generators, so unseeded student code behaves the same in every worker and run."""
    random.seed(0)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(0)


class _Scripted:
    """A function the grader supplies: returns its values in turn and records each call."""

    def __init__(self, values: list[Any]):
        self.values = values
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        index = min(len(self.calls), len(self.values) - 1)
        self.calls.append((args, kwargs))
        return self.values[index]


class _Server:
    def __init__(self, protocol: Any, send: Any = None):
        self.protocol = protocol
        self.send = send
        self.module: Any = None
        self.path = ""

    def handle(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yields the replies to one request: one, or one per call of a batch until a call fails.

        A batch's next call runs only once the caller has sent the previous reply and asks for more, so
        each reply reaches the grader as soon as its call ends, and the grader times each call apart.
        """
        op = request.get("op")
        if op == "load":
            yield self.load(request["path"], request["module"])
        elif op == "call":
            yield self.call(request["function"], request["args"], request["kwargs"])
        elif op == "calls":
            for call in request["calls"]:
                reply = self.call(call["function"], call["args"], call["kwargs"])
                yield reply
                if reply["ok"] is not True:
                    return  # as a loop of separate calls stops at the first exception
        elif op == "functions":
            yield {"ok": True, "value": self.functions()}
        else:
            yield {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}

    def load(self, path: str, module_name: str) -> dict[str, Any]:
        from grader.sandbox import cells  # loaded by the zygote already: a worker may not read the grader's files

        self.path = os.path.abspath(path)
        try:
            # IPython's display lines cost nothing in any file, as in a notebook: the worker has no IPython.
            cells.install_stand_ins()
            spec = importlib.util.spec_from_file_location(module_name, self.path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            vars(module)[self.protocol.PROGRESS_HOOK] = self.progress
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001 - the submission may raise anything, SystemExit too
            return {"ok": False, "error": self.describe(error)}
        self.module = module
        numpy = sys.modules.get("numpy")
        # What the cells driver saw: a plain file's top-level exception, failed imports, cells that define (plain data).
        seen = {key: cells.last_run[key] for key in ("raised", "imports", "defined")}
        return {"ok": True, "value": {"numpy": str(getattr(numpy, "__version__", ""))[:40], **seen}}

    def progress(self, note: Any) -> None:
        """Sends a note of how far loading got (a notebook's cell) before the reply: read if time runs out."""
        if self.send is not None:
            self.send({self.protocol.PROGRESS_NAME: str(note)[: self.protocol.MAX_PROGRESS_CHARS]})

    def functions(self) -> list[str]:
        """Returns the names of the submission's top-level functions (names only): those its file defines
        first, then other callables it binds at the top level (an alias, a lambda, an imported function)."""
        if self.module is None:
            return []
        own: list[str] = []
        other: list[str] = []
        for name, value in list(vars(self.module).items()):
            if isinstance(name, str) and not name.startswith("_"):
                kind = _function_kind(value, self.module.__name__)
                if kind:
                    (own if kind == "own" else other).append(self.protocol.cut(name, self.protocol.MAX_NAME_CHARS))
        return (own + other)[:100]

    def call(self, name: str, args: list[Any], kwargs: list[list[Any]]) -> dict[str, Any]:
        scripted: dict[str, _Scripted] = {}
        try:
            function = self.resolve_function(name)
            call_args = [self.resolve(value, scripted) for value in args]
            call_kwargs = {key: self.resolve(value, scripted) for key, value in kwargs}
        except LookupError as error:
            return {"ok": False, "missing": str(error.args[0])}
        caught: list[warnings.WarningMessage] = []
        try:
            # Warnings the call raises (an overflow at a large step) are the call's, not what the file
            # printed when it loaded: recorded here and sent apart, never written to the output.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("default")  # once per place and message in this call
                value = function(*call_args, **call_kwargs)
        except BaseException as error:  # noqa: BLE001 - reported to the student, never re-raised
            return {"ok": False, "error": self.describe(error), **self.extras(scripted, caught)}
        try:
            encoded = self.protocol.encode(value)
        except self.protocol.UnsupportedValue as error:
            return {"ok": False, "bad_value": str(error), **self.extras(scripted, caught)}
        return {"ok": True, "value": encoded, **self.extras(scripted, caught)}

    def extras(self, scripted: dict[str, _Scripted], caught: list[warnings.WarningMessage]) -> dict[str, Any]:
        """Returns what every reply to a call carries besides its result: scripted calls and warnings."""
        return {"scripted": self.recorded(scripted), "warnings": self.warned(caught)}

    def warned(self, caught: list[warnings.WarningMessage]) -> list[str]:
        """Returns the distinct warnings of a call as short texts, at most MAX_WARNINGS of them."""
        protocol, texts = self.protocol, []
        try:
            for warning in caught:
                where = f"line {warning.lineno}: " if os.path.abspath(str(warning.filename)) == self.path else ""
                kind = protocol.type_name(warning.category) if isinstance(warning.category, type) else "Warning"
                message = _safe_str(warning.message, protocol)
                text = protocol.cut(f"{where}{kind}: {message}", protocol.MAX_WARNING_CHARS)
                if text not in texts:
                    texts.append(text)
                if len(texts) == protocol.MAX_WARNINGS:
                    break
        except BaseException:  # noqa: BLE001 - a hostile warning must not break the reply
            pass
        return texts

    def resolve_function(self, name: str) -> Any:
        function = getattr(self.module, name, None)
        if not callable(function):
            raise LookupError(name)
        return function

    def resolve(self, value: Any, scripted: dict[str, _Scripted]) -> Any:
        if isinstance(value, list):
            return [self.resolve(item, scripted) for item in value]
        if isinstance(value, dict) and "__function__" in value:
            return self.resolve_function(value["__function__"])
        if isinstance(value, dict) and "__scripted__" in value:
            body = value["__scripted__"]
            stand_in = _Scripted([self.protocol.decode(v) for v in body["values"]])
            scripted[str(body["id"])] = stand_in
            return stand_in
        return self.protocol.decode(value)

    def recorded(self, scripted: dict[str, _Scripted]) -> dict[str, Any]:
        return {
            key: [
                [self.plain(list(args)), [[k, self.plain(v)] for k, v in kwargs.items()]]
                for args, kwargs in stand_in.calls
            ]
            for key, stand_in in scripted.items()
        }

    def plain(self, value: Any) -> Any:
        try:
            return self.protocol.encode(value)
        except self.protocol.UnsupportedValue:
            return f"<{self.protocol.type_name(type(value))}>"

    def describe(self, error: BaseException) -> dict[str, Any]:
        """Returns the exception's type, message and the innermost line of the submission it passed."""
        protocol = self.protocol
        described: dict[str, Any] = {"type": protocol.type_name(type(error)), "message": _safe_str(error, protocol)}
        if isinstance(error, SyntaxError) and error.filename and os.path.abspath(error.filename) == self.path:
            code = protocol.cut((error.text or "").rstrip("\n"), protocol.MAX_CODE_CHARS)
            described.update(line=error.lineno, code=code, message=_safe_str(error.msg, protocol))
            return described
        frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == self.path]
        if frames:
            described.update(line=frames[-1].lineno, code=protocol.cut(frames[-1].line or "", protocol.MAX_CODE_CHARS))
        return described


def _function_kind(value: Any, module_name: str) -> str:
    """Returns "own" for a function the file defines, "other" for another callable that is no class, else ""."""
    import types

    try:
        if type(value) is types.FunctionType and value.__module__ == module_name:
            return "own"
        return "other" if callable(value) and not isinstance(value, type) else ""
    except BaseException:  # noqa: BLE001 - a hostile attribute must not break the reply
        return ""


def _safe_str(error: object, protocol: Any) -> str:
    """Returns the message cut to its budget; str() of a huge int raises, so does a hostile __str__."""
    try:
        return str(protocol.cut(str(error), protocol.MAX_MESSAGE_CHARS))
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not break the reply
        return "<message could not be read>"
