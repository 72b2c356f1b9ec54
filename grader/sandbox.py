"""Returns replies from a submission held in a separate, limited worker process.

This is the only module that starts, limits, talks to and kills processes. The worker gets a private
working directory holding a copy of the one submission file, a scrubbed environment, resource limits
it applies to itself before any student code runs, and its own session so that it and everything it
started can be killed together. Replies come back over a pipe of their own, as plain data; what the
student's code prints is captured apart, up to a cap.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader import protocol

TRUNCATION_MARKER = "\n[… output truncated: the rest ({} bytes) was not kept …]\n"

Launcher = Callable[..., "subprocess.Popen[bytes]"]
"""Starts the worker: called like subprocess.Popen(argv, **options); tests swap it."""


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission, from the assignment's [limits] table."""

    call_seconds: float
    """Wall-clock limit for loading the submission and for each call into it."""
    total_seconds: float
    """Wall-clock limit for all loads and calls of one submission together."""
    memory_mb: int
    """Address-space limit of the worker process."""
    output_kb: int
    """How much of what the submission prints is kept."""


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
    """"time", "total_time" or "memory" when a limit stopped the call."""
    crash: str | None = None
    """How the worker died during the call, e.g. "exited with status 0"."""
    seconds: float = 0.0


def popen_launcher(argv: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
    """Returns a started worker process; the default way to run one."""
    return subprocess.Popen(argv, **options)


def worker_environment(home: str) -> dict[str, str]:
    """Returns the worker's whole environment: an allow-list, nothing inherited."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


class Worker:
    """A submission loaded in a worker process, restarted after any call that had to kill it."""

    def __init__(
        self,
        submission: Path,
        file_name: str,
        limits: Limits,
        launcher: Launcher = popen_launcher,
    ):
        self.submission = submission
        self.file_name = file_name
        self.limits = limits
        self.launcher = launcher
        self.seconds_used = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._requests_fd = -1
        self._replies_fd = -1
        self._directory: str | None = None
        self._output = _BoundedOutput(limits.output_kb * 1024)
        self._output_thread: threading.Thread | None = None
        self.load_reply: Reply | None = None

    # -- public ------------------------------------------------------------------------------------

    def load(self) -> Reply:
        """Returns the reply to loading the submission in a fresh worker."""
        self._start()
        self.load_reply = self._exchange({"op": "load", "path": self.file_name, "module": Path(self.file_name).stem})
        if not self.load_reply.ok:
            self._stop()
        return self.load_reply

    def call(self, function: str, args: list[Any], kwargs: list[list[Any]]) -> Reply:
        """Returns the reply to one call; restarts the worker first if a previous call killed it."""
        if self._process is None:
            reply = self.load()
            if not reply.ok:
                return reply
        return self._exchange({"op": "call", "function": function, "args": args, "kwargs": kwargs})

    @property
    def output(self) -> str:
        """Returns what the submission printed so far, truncated with a visible marker."""
        return self._output.text()

    def close(self) -> None:
        """Kills the worker and everything it started, and removes its working directory."""
        self._stop()
        if self._directory:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- process lifecycle -------------------------------------------------------------------------

    def _start(self) -> None:
        self._stop()
        if self._directory is None:
            self._directory = tempfile.mkdtemp(prefix="grader-worker-")
            shutil.copyfile(self.submission, os.path.join(self._directory, self.file_name))
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        output_read, output_write = os.pipe()
        memory = self.limits.memory_mb * 1024 * 1024
        cpu = int(self.limits.total_seconds) + 2
        # Import the grader package from its own folder without putting the folder above it (the
        # project, with its reference and hidden tests) on the worker's sys.path.
        bootstrap = (
            "import importlib.util, sys; root = sys.argv.pop(1); "
            "spec = importlib.util.spec_from_file_location("
            "'grader', root + '/__init__.py', submodule_search_locations=[root]); "
            "package = importlib.util.module_from_spec(spec); sys.modules['grader'] = package; "
            "spec.loader.exec_module(package); "
            "from grader.worker import main; main(sys.argv[1:])"
        )
        argv = [
            sys.executable,
            "-I",
            "-B",
            "-u",
            "-c",
            bootstrap,
            _package_root(),
            str(request_read),
            str(reply_write),
            str(memory),
            str(cpu),
        ]
        try:
            self._process = self.launcher(
                argv,
                cwd=self._directory,
                env=worker_environment(self._directory),
                stdin=subprocess.DEVNULL,
                stdout=output_write,
                stderr=output_write,
                pass_fds=(request_read, reply_write),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            for fd in (request_read, reply_write, output_write):
                os.close(fd)
        self._requests_fd, self._replies_fd = request_write, reply_read
        self._output_thread = threading.Thread(target=self._output.drain, args=(output_read,), daemon=True)
        self._output_thread.start()

    def _stop(self) -> None:
        process, self._process = self._process, None
        for fd in (self._requests_fd, self._replies_fd):
            if fd >= 0:
                os.close(fd)
        self._requests_fd = self._replies_fd = -1
        if process is not None:
            _kill_tree(process)
        if self._output_thread is not None:
            self._output_thread.join(timeout=1.0)
            self._output_thread = None

    # -- one request, one reply --------------------------------------------------------------------

    def _exchange(self, request: dict[str, Any]) -> Reply:
        remaining = self.limits.total_seconds - self.seconds_used
        if remaining <= 0:
            self._stop()
            return Reply(ok=False, limit="total_time")
        timeout = min(self.limits.call_seconds, remaining)
        started = time.monotonic()
        try:
            os.write(self._requests_fd, protocol.dumps(request))
            message = self._read_reply(started + timeout)
        except TimeoutError:
            self._stop()
            self.seconds_used += time.monotonic() - started
            return Reply(
                ok=False, limit="time" if timeout == self.limits.call_seconds else "total_time", seconds=timeout
            )
        except (protocol.ProtocolError, OSError) as error:
            crash = self._crash_description(error)
            self.seconds_used += time.monotonic() - started
            return Reply(ok=False, crash=crash, limit=None, seconds=time.monotonic() - started)
        elapsed = time.monotonic() - started
        self.seconds_used += elapsed
        return _reply_from_message(message, elapsed)

    def _read_reply(self, deadline: float) -> dict[str, Any]:
        buffer = bytearray()
        needed = 4
        with selectors.DefaultSelector() as selector:
            selector.register(self._replies_fd, selectors.EVENT_READ)
            while len(buffer) < needed:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError
                chunk = os.read(self._replies_fd, max(needed - len(buffer), 65536))
                if not chunk:
                    raise protocol.ProtocolError("channel closed")
                buffer += chunk
                if needed == 4 and len(buffer) >= 4:
                    (length,) = struct.unpack(">I", bytes(buffer[:4]))
                    if length > protocol.MAX_MESSAGE_BYTES:
                        raise protocol.ProtocolError("reply too large")
                    needed = 4 + length
        if len(buffer) > needed:
            raise protocol.ProtocolError("more than one reply")
        return protocol.loads(bytes(buffer[4:]))

    def _crash_description(self, error: Exception) -> str:
        process = self._process
        self._stop()
        if process is None:
            return f"the worker was not running ({error})"
        code = process.returncode
        if code is None:
            return f"the worker sent an unreadable reply ({error})"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            if -code in (signal.SIGXCPU, signal.SIGKILL) and self.seconds_used >= self.limits.total_seconds:
                return "killed after using up its CPU time"
            return f"the process was killed by signal {name}"
        return f"the process exited with status {code}"


def _reply_from_message(message: dict[str, Any], seconds: float) -> Reply:
    if message.get("ok") is True:
        return Reply(ok=True, value=message.get("value"), scripted=_dict(message.get("scripted")), seconds=seconds)
    error = message.get("error")
    if isinstance(error, dict):
        error = _sanitized_error(error)
        if error.get("type") == "MemoryError":
            return Reply(
                ok=False, limit="memory", error=error, scripted=_dict(message.get("scripted")), seconds=seconds
            )
        return Reply(ok=False, error=error, scripted=_dict(message.get("scripted")), seconds=seconds)
    if isinstance(message.get("bad_value"), str):
        return Reply(ok=False, bad_value=message["bad_value"], seconds=seconds)
    if isinstance(message.get("missing"), str):
        return Reply(ok=False, missing=message["missing"], seconds=seconds)
    return Reply(ok=False, crash="the worker sent a reply the grader does not understand", seconds=seconds)


def _sanitized_error(error: dict[str, Any]) -> dict[str, Any]:
    """Returns the reply's exception fields with the types and sizes the reports expect."""
    clean: dict[str, Any] = {
        "type": str(error.get("type", "Exception"))[:100],
        "message": str(error.get("message", ""))[:2000],
    }
    if type(error.get("line")) is int:
        clean["line"] = error["line"]
        clean["code"] = str(error.get("code", ""))[:500]
    return clean


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _package_root() -> str:
    return str(Path(__file__).resolve().parent)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kills the worker, its process group, and descendants that left the group (new sessions)."""
    _signal(process.pid, signal.SIGSTOP)
    for _ in range(3):
        descendants = _descendants(process.pid)
        for pid in descendants:
            _signal(pid, signal.SIGSTOP)  # freeze first, so nothing forks between listing and killing
        for pid in descendants:
            _signal(pid, signal.SIGKILL)
        if not descendants:
            break
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.kill()
    process.wait()


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _descendants(root: int) -> list[int]:
    """Returns the pids of every process below `root`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


class _BoundedOutput:
    """Keeps the first `limit` bytes of a stream and counts the rest, so a flood cannot fill memory."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self.lock = threading.Lock()

    def drain(self, fd: int) -> None:
        try:
            while chunk := os.read(fd, 65536):
                with self.lock:
                    room = self.limit - len(self.kept)
                    self.kept += chunk[: max(room, 0)]
                    self.dropped += max(len(chunk) - max(room, 0), 0)
        finally:
            os.close(fd)

    def text(self) -> str:
        with self.lock:
            text = self.kept.decode("utf-8", errors="replace")
            return text + TRUNCATION_MARKER.format(self.dropped) if self.dropped else text
