"""Returns replies from one submission loaded in a worker, restarting the worker after a kill."""

from __future__ import annotations

import os
import select
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox import protocol
from grader.sandbox.launchers import Launcher, Started
from grader.sandbox.limits import Limits
from grader.sandbox.processes import BoundedOutput

MAX_PROGRESS_NOTES = 10_000
"""Progress notes (protocol.PROGRESS_NAME) one request may send before its reply; more is a broken reply."""


@dataclass(frozen=True)
class Reply:
    """What came back from one load or call."""

    ok: bool
    value: Any = None
    scripted: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    """The student's exception: type, message, and line/code in the submission when known."""
    bad_value: str | None = None
    """What was returned instead of plain data."""
    missing: str | None = None
    """A function the call named that the submission does not define."""
    limit: str | None = None
    """"time", "total_time", "total_wall" or "memory" when a limit stopped the call; "wait" when the call's
    wall-clock backstop stopped it within its CPU limit (it slept or waited rather than computed)."""
    crash: str | None = None
    """How the worker died during the call, e.g. "exited with status 0"."""
    seconds: float = 0.0
    progress: str = ""
    """The last progress note the worker sent before this reply or before it was stopped (untrusted text):
    a notebook's driver notes the cell it is about to run."""
    warnings: tuple[str, ...] = ()
    """The distinct warnings the call raised (e.g. "line 6: RuntimeWarning: overflow encountered ..."),
    kept apart from what the submission printed."""


class Worker:
    """A submission loaded in a worker process, restarted after any call that had to kill it."""

    def __init__(
        self,
        submission: Path,
        file_name: str,
        limits: Limits,
        launcher: Launcher,
    ):
        self.submission = submission
        self.file_name = file_name
        self.limits = limits
        self.launcher = launcher
        self.seconds_used = 0.0
        self.wall_used = 0.0
        """Wall-clock seconds the loads and calls took, from each request to its reply, against total_wall_seconds."""
        self._process: Started | None = None
        self._channel_fd = -1
        self._output = BoundedOutput(limits.output_kb * 1024)
        self._output_thread: threading.Thread | None = None
        self._progress = ""
        self._warnings: dict[str, None] = {}
        self._cpu_reading: float | None = None
        """The worker's CPU seconds when its last reply came, where the next request's clock starts: CPU
        its processes use between two calls (a thread left running) counts toward the next call."""

    # -- public ------------------------------------------------------------------------------------

    def load(self) -> Reply:
        """Returns the reply to loading the submission in a fresh worker."""
        self._start()
        (reply,) = self._exchange({"op": "load", "path": self.file_name, "module": Path(self.file_name).stem})
        if not reply.ok:
            self._stop()
        return reply

    def call(self, function: str, args: list[Any], kwargs: list[list[Any]]) -> Reply:
        """Returns the reply to one call; restarts the worker first if a previous call killed it."""
        return self.calls([(function, args, kwargs)])[0]

    def calls(self, requests: Sequence[tuple[str, list[Any], list[list[Any]]]]) -> list[Reply]:
        """Returns the replies to calls (function, args, kwargs) sent to the worker as one batch, in order.

        Each call is timed and limited as a call of its own, from the moment the reply before it came. The
        batch ends at the first reply that is not ok, the last in the list: the calls after it never ran,
        as in a loop of `call` that stops at the first failure. Restarts the worker first if a previous
        call killed it (the reply to that load, if it fails, is then the only one).
        """
        if not requests:
            return []
        if self._process is None:
            reply = self.load()
            if not reply.ok:
                return [reply]
        if len(requests) == 1:
            function, args, kwargs = requests[0]
            request = {"op": "call", "function": function, "args": args, "kwargs": kwargs}
        else:
            request = {"op": "calls", "calls": [{"function": f, "args": a, "kwargs": k} for f, a, k in requests]}
        try:
            replies = self._exchange(request, len(requests))
        except protocol.UnsupportedValue:  # over the message budget: nothing was sent
            if len(requests) == 1:
                raise
            half = len(requests) // 2
            replies = self.calls(requests[:half])
            return replies + self.calls(requests[half:]) if replies[-1].ok else replies
        for reply in replies:
            for warning in reply.warnings:
                if len(self._warnings) < protocol.MAX_WARNINGS:
                    self._warnings.setdefault(warning)
        return replies

    def functions(self) -> Reply:
        """Returns the reply listing the names of the functions the submission defines at its top level."""
        if self._process is None:
            reply = self.load()
            if not reply.ok:
                return reply
        return self._exchange({"op": "functions"})[0]

    @property
    def output(self) -> str:
        """Returns what the submission printed so far, truncated with a visible marker."""
        return self._output.text()

    @property
    def warnings(self) -> tuple[str, ...]:
        """Returns the distinct warnings the submission's functions raised in calls, the first MAX_WARNINGS."""
        return tuple(self._warnings)

    def close(self) -> None:
        """Kills the worker and everything it started, and removes its files."""
        self._stop()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- process lifecycle -------------------------------------------------------------------------

    def _start(self) -> None:
        self._stop()
        self._process = self.launcher.start(self.submission, self.file_name, self.limits)
        self._channel_fd = self._process.channel_fd
        self._output_thread = threading.Thread(target=self._output.drain, args=(self._process.output_fd,), daemon=True)
        self._output_thread.start()

    def _stop(self) -> int | None:
        """Kills the worker's whole tree; returns its exit code (negative for a signal) when known."""
        process, self._process = self._process, None
        self._cpu_reading = None  # a new worker's clock starts from a reading of its own
        if self._channel_fd >= 0:
            os.close(self._channel_fd)
            self._channel_fd = -1
        code = process.stop() if process is not None else None
        if self._output_thread is not None:
            self._output_thread.join(timeout=1.0)
            self._output_thread = None
        return code

    # -- one request, its replies ----------------------------------------------------------------------

    def _exchange(self, request: dict[str, Any], expected: int = 1) -> list[Reply]:
        """Returns the replies to one request: `expected` of them, fewer when one is not ok (then the last)."""
        channel = _Channel(self._channel_fd)
        replies = [self._reply(channel, request, expected == 1)]
        while len(replies) < expected and replies[-1].ok:
            replies.append(self._reply(channel, None, len(replies) + 1 == expected))
        return replies

    def _reply(self, channel: _Channel, request: dict[str, Any] | None, last: bool) -> Reply:
        """Returns the next reply on `channel`, first sending `request` (None: a batch's, already sent).

        The call it answers gets a clock of its own, started now, from the last reading of the worker's CPU.
        """
        remaining = self.limits.total_seconds - self.seconds_used
        wall_left = self.limits.total_wall_seconds - self.wall_used
        if remaining <= 0 or wall_left <= 0:
            self._stop()
            return Reply(ok=False, limit="total_time" if remaining <= 0 else "total_wall")
        budget = min(self.limits.call_seconds, remaining)
        clock = _CallClock(self._process, budget, min(self.limits.wall_seconds, wall_left), self._cpu_reading)
        self._progress = ""
        try:
            if request is not None:
                os.write(self._channel_fd, protocol.dumps(request))
            message = self._read_reply(clock, channel)
            if channel.buffer and (last or message.get("ok") is not True):
                raise protocol.ProtocolError("more than one reply")
        except TimeoutError:
            return self._timed_out(clock, budget)
        except (protocol.ProtocolError, OSError) as error:
            self.seconds_used += clock.cpu()
            self.wall_used += clock.wall()
            crash = self._crash_description(error)
            return Reply(ok=False, crash=crash, limit=None, seconds=clock.wall(), progress=self._progress)
        self.seconds_used += clock.cpu()
        self.wall_used += clock.wall()
        self._cpu_reading = clock.reading
        return _reply_from_message(message, clock.wall(), self._progress)

    def _timed_out(self, clock: _CallClock, budget: float) -> Reply:
        """Returns the reply to a call its clock stopped, having killed the worker and charged the call."""
        progress, seconds = self._progress, clock.wall()
        if clock.wall_limit < self.limits.wall_seconds and seconds > clock.wall_limit and clock.last_cpu <= budget:
            limit = "total_wall"  # the submission's wall-clock budget ran out before the call's own backstop
            self.seconds_used += clock.last_cpu
        else:
            limit = "time" if budget == self.limits.call_seconds else "total_time"
            if clock.started_cpu is not None and clock.last_cpu < WAITED_SHARE * budget:
                limit = "wait"  # the wall-clock backstop stopped a call that barely computed: it slept or waited
            self.seconds_used += budget  # a call stopped at a limit costs its whole budget, however it got there
        self._stop()
        self.wall_used += seconds
        return Reply(ok=False, limit=limit, seconds=seconds, progress=progress)

    def _read_reply(self, clock: _CallClock, channel: _Channel) -> dict[str, Any]:
        """Returns the next reply on the channel; progress notes sent before it are kept in _progress.

        Bytes after the reply stay in the channel's buffer: the start of the next reply of a batch.
        """
        buffer = channel.buffer
        checked = time.monotonic()
        for _ in range(MAX_PROGRESS_NOTES + 1):
            while (end := _frame_end(buffer)) is None:
                if not channel.poller.poll(POLL_SECONDS * 1000):
                    clock.check()  # raises TimeoutError past the CPU limit or the wall-clock backstop
                    continue
                chunk = os.read(self._channel_fd, 65536)
                if not chunk:
                    raise protocol.ProtocolError("channel closed")
                buffer += chunk
            message = protocol.loads(bytes(buffer[protocol.HEADER_BYTES : end]))
            del buffer[:end]
            if set(message) != {protocol.PROGRESS_NAME}:
                return message
            self._progress = _text(message[protocol.PROGRESS_NAME])[: protocol.MAX_PROGRESS_CHARS]
            if time.monotonic() - checked >= POLL_SECONDS:  # notes without a pause must not outlast the limit
                clock.check()
                checked = time.monotonic()
        raise protocol.ProtocolError(f"more than {MAX_PROGRESS_NOTES} progress notes before one reply")

    def _crash_description(self, error: Exception) -> str:
        if isinstance(error, protocol.ProtocolError) and str(error) != "channel closed":
            self._stop()  # a reply over the budget or not plain data: say which, not how the worker ended
            return f"it sent a reply the grader does not accept ({error})"
        running = self._process is not None
        code = self._stop()
        if not running:
            return f"the worker was not running ({error})"
        if code is None:
            return f"the worker sent an unreadable reply ({error})"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            if -code in (signal.SIGXCPU, signal.SIGKILL) and self.seconds_used >= self.limits.total_seconds:
                return "killed after using up its CPU time"
            return f"the process was killed by signal {name}"
        return f"the process exited with status {code}"


POLL_SECONDS = 0.05
"""How often a waiting call reads the worker's CPU time."""

WAITED_SHARE = 0.25
"""A call the wall-clock backstop stopped is said to have waited when it used less than this share of its CPU
limit: a sleep uses almost none, while computing on a machine so loaded it gets a sixteenth of a core does not
pass for waiting."""


class _Channel:
    """The grader's end of a worker's channel while it reads one request's replies: what came, not yet read."""

    def __init__(self, fd: int):
        self.buffer = bytearray()
        self.poller = select.poll()
        if fd >= 0:  # a worker that is not running: writing the request fails first, and says so
            self.poller.register(fd, select.POLLIN)


class _CallClock:
    """Counts one call's CPU seconds (the worker's processes together) and wall-clock seconds.

    CPU time is what limits a call, so a loaded machine (many jobs on few cores) grades as an idle one;
    the wall clock only catches what uses no CPU (sleeps, waits) at several times the CPU limit.
    """

    def __init__(self, process: Started | None, cpu_limit: float, wall_limit: float, started_cpu: float | None = None):
        self.read = process.cpu_seconds if process is not None else lambda: None
        self.cpu_limit, self.wall_limit = cpu_limit, wall_limit
        self.started_wall = time.monotonic()
        self.started_cpu = started_cpu if started_cpu is not None else self.read()
        """The worker's CPU seconds when the call began: the previous call's last reading, when there is one."""
        self.reading = self.started_cpu
        """The last reading of the worker's CPU seconds (None when they cannot be read)."""
        self.last_cpu = 0.0

    def cpu(self) -> float:
        """Returns the CPU seconds used since the call began (the last reading, once the worker is gone)."""
        now = self.reading = self.read()
        if now is not None and self.started_cpu is not None:
            self.last_cpu = max(self.last_cpu, now - self.started_cpu)
        return self.last_cpu

    def wall(self) -> float:
        return time.monotonic() - self.started_wall

    def check(self) -> None:
        """Raises TimeoutError when the call used up its CPU limit, or ran past the wall-clock backstop."""
        if self.started_cpu is None:  # the worker's CPU time cannot be read here: the wall clock decides
            if self.wall() > min(self.cpu_limit, self.wall_limit):
                raise TimeoutError
            return
        if self.cpu() > self.cpu_limit or self.wall() > self.wall_limit:
            raise TimeoutError


def _frame_end(buffer: bytearray) -> int | None:
    """Returns where the first whole frame in `buffer` ends, None until it has all arrived."""
    if len(buffer) < protocol.HEADER_BYTES:
        return None
    end = protocol.HEADER_BYTES + protocol.body_length(bytes(buffer[: protocol.HEADER_BYTES]))
    return end if len(buffer) >= end else None


def _reply_from_message(message: dict[str, Any], seconds: float, progress: str = "") -> Reply:
    fields = _reply_fields(message)
    if "crash" not in fields:
        fields["warnings"] = _warning_texts(message.get("warnings"))
    return Reply(**fields, seconds=seconds, progress=progress)


def _warning_texts(value: Any) -> tuple[str, ...]:
    """Returns a reply's warnings held to the protocol's budget again: the worker's own code is not trusted."""
    if not isinstance(value, list):
        return ()
    texts = [protocol.cut(text, protocol.MAX_WARNING_CHARS) for text in value if isinstance(text, str)]
    return tuple(dict.fromkeys(texts))[: protocol.MAX_WARNINGS]


def _reply_fields(message: dict[str, Any]) -> dict[str, Any]:
    """Returns a reply's fields but its warnings, time and progress, checked: the worker's code is not trusted."""
    if message.get("ok") is True:
        return {"ok": True, "value": message.get("value"), "scripted": _dict(message.get("scripted"))}
    error = message.get("error")
    if isinstance(error, dict):
        error = _sanitized_error(error)
        limit = "memory" if error.get("type") == "MemoryError" else None
        return {"ok": False, "limit": limit, "error": error, "scripted": _dict(message.get("scripted"))}
    if isinstance(message.get("bad_value"), str):
        return {"ok": False, "bad_value": protocol.cut(message["bad_value"], protocol.MAX_MESSAGE_CHARS)}
    if isinstance(message.get("missing"), str):
        return {"ok": False, "missing": protocol.cut(message["missing"], protocol.MAX_NAME_CHARS)}
    return {"ok": False, "crash": "the worker sent a reply the grader does not understand"}


def _sanitized_error(error: dict[str, Any]) -> dict[str, Any]:
    """Returns the reply's exception fields with the types and sizes the reports expect (protocol's budget)."""
    clean: dict[str, Any] = {
        "type": protocol.cut(_text(error.get("type", "Exception")), protocol.MAX_NAME_CHARS),
        "message": protocol.cut(_text(error.get("message", "")), protocol.MAX_MESSAGE_CHARS),
    }
    if type(error.get("line")) is int:
        clean["line"] = error["line"]
        clean["code"] = protocol.cut(_text(error.get("code", "")), protocol.MAX_CODE_CHARS)
    return clean


def _text(value: Any) -> str:
    """Returns a reply field as text: a string as it is, anything else (a list, a number) as a short note."""
    return value if isinstance(value, str) else f"<{type(value).__name__}>"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
