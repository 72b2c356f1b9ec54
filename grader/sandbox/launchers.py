"""Start worker processes: a fresh interpreter each (SpawnLauncher) or forks of a warm one (ForkServerLauncher)."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.sandbox.limits import Limits, worker_environment

# Imports the grader package from its own folder without putting the folder above it (the project,
# with its reference and hidden tests) on the worker's sys.path, then runs grader.worker.main.
BOOTSTRAP = (
    "import importlib.util, sys; root = sys.argv.pop(1); "
    "spec = importlib.util.spec_from_file_location("
    "'grader', root + '/__init__.py', submodule_search_locations=[root]); "
    "package = importlib.util.module_from_spec(spec); sys.modules['grader'] = package; "
    "spec.loader.exec_module(package); "
    "from grader.worker import main; main(sys.argv[1:])"
)
ZYGOTE_REPLY_SECONDS = 30.0


@dataclass(frozen=True)
class Started:
    """A running worker: its pid, the grader's ends of its channel and output, and how to reap it."""

    pid: int
    channel_fd: int
    output_fd: int
    reap: Callable[[], int | None]
    """Waits for the (killed or exited) worker and returns its exit code, negative for a signal."""


class Launcher(Protocol):
    def start(self, directory: str, limits: Limits) -> Started: ...

    def close(self) -> None: ...


def interpreter_command(*arguments: str) -> list[str]:
    """Returns the command that runs grader.worker with `arguments` in a clean interpreter."""
    # -s: no user site; -P: no script folder on sys.path; -B: no .pyc beside the submission;
    # -u: unbuffered, so output printed just before a kill is not lost. The environment is ours alone.
    grader_folder = str(Path(__file__).resolve().parent.parent)
    return [sys.executable, "-s", "-P", "-B", "-u", "-c", BOOTSTRAP, grader_folder, *arguments]


class SpawnLauncher:
    """Starts each worker as a new interpreter: about 80 ms of CPU each, nothing shared between them."""

    def start(self, directory: str, limits: Limits) -> Started:
        grader_end, worker_end = socket.socketpair()
        output_read, output_write = os.pipe()
        try:
            process = subprocess.Popen(
                interpreter_command(
                    "serve", str(worker_end.fileno()), str(limits.memory_bytes), str(limits.cpu_seconds)
                ),
                cwd=directory,
                env=worker_environment(directory),
                stdin=subprocess.DEVNULL,
                stdout=output_write,
                stderr=output_write,
                pass_fds=(worker_end.fileno(),),
                start_new_session=True,
            )
        finally:
            worker_end.close()
            os.close(output_write)
        return Started(process.pid, grader_end.detach(), output_read, process.wait)

    def close(self) -> None:
        pass


class ForkServerLauncher:
    """Forks each worker from a zygote that already imported NumPy: a few milliseconds each.

    The zygote is a clean interpreter of its own (never the grader's process, whose memory holds the
    reference and hidden tests); each forked worker still gets its own directory, environment, limits
    and session, exactly as a spawned one does.
    """

    def __init__(self) -> None:
        self._zygote: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    def start(self, directory: str, limits: Limits) -> Started:
        for attempt in range(2):
            try:
                return self._fork(directory, limits)
            except (OSError, ValueError, TimeoutError):
                self.close()  # the zygote died (or was killed): start a fresh one and try once more
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        control, self._control = self._control, None
        zygote, self._zygote = self._zygote, None
        if control is not None:
            control.close()
        if zygote is not None:
            zygote.kill()
            zygote.wait()

    def _fork(self, directory: str, limits: Limits) -> Started:
        control = self._ensure_zygote()
        grader_end, worker_end = socket.socketpair()
        output_read, output_write = os.pipe()
        request = {
            "op": "spawn",
            "directory": directory,
            "environment": worker_environment(directory),
            "memory": limits.memory_bytes,
            "cpu": limits.cpu_seconds,
        }
        try:
            socket.send_fds(control, [json.dumps(request).encode()], [worker_end.fileno(), output_write])
        except OSError:
            grader_end.close()
            os.close(output_read)
            raise
        finally:
            worker_end.close()
            os.close(output_write)
        pid = int(self._ask(control)["pid"])
        return Started(pid, grader_end.detach(), output_read, lambda: self._reap(pid))

    def _reap(self, pid: int) -> int | None:
        control = self._control
        if control is None:
            return None
        try:
            control.send(json.dumps({"op": "wait", "pid": pid}).encode())
            return int(self._ask(control)["code"])
        except (OSError, ValueError, TimeoutError):
            return None

    def _ask(self, control: socket.socket) -> dict[str, int]:
        ready, _, _ = select.select([control], [], [], ZYGOTE_REPLY_SECONDS)
        if not ready:
            raise TimeoutError("the fork server did not answer")
        reply = control.recv(65536)
        if not reply:
            raise OSError("the fork server closed its socket")
        answer = json.loads(reply)
        if not isinstance(answer, dict):
            raise ValueError("malformed answer from the fork server")
        return answer

    def _ensure_zygote(self) -> socket.socket:
        if self._control is not None and self._zygote is not None and self._zygote.poll() is None:
            return self._control
        self.close()
        grader_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        home = "/"
        try:
            self._zygote = subprocess.Popen(
                interpreter_command("zygote", str(zygote_end.fileno())),
                cwd=home,
                env=worker_environment(home),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(zygote_end.fileno(),),
                start_new_session=True,
            )
        finally:
            zygote_end.close()
        self._control = grader_end
        return grader_end
