"""Start worker processes: forks of a warm interpreter (ForkServerLauncher) or a fresh one each (SpawnLauncher)."""

from __future__ import annotations

import itertools
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.sandbox.isolation import (
    BUBBLEWRAP,
    LIMITS_ONLY,
    SCRATCH_INSIDE,
    WORKER_UID_BASE,
    Isolation,
    bwrap_command,
    choose_isolation,
)
from grader.sandbox.limits import Limits, worker_environment
from grader.sandbox.processes import kill_descendants, kill_namespace, kill_tree, kill_user, namespace_below

# Imports the grader package from its own folder without putting the folder above it (the project,
# with its reference and hidden tests) on the worker's sys.path, then runs grader.sandbox.inside.main.
BOOTSTRAP = (
    "import importlib.util, sys; root = sys.argv.pop(1); "
    "spec = importlib.util.spec_from_file_location("
    "'grader', root + '/__init__.py', submodule_search_locations=[root]); "
    "package = importlib.util.module_from_spec(spec); sys.modules['grader'] = package; "
    "spec.loader.exec_module(package); "
    "from grader.sandbox.inside import main; main(sys.argv[1:])"
)
GRADER_FOLDER = Path(__file__).resolve().parent.parent
ZYGOTE_REPLY_SECONDS = 30.0
MAX_PROCESSES = 32
"""Processes a worker's user id may run at once, when workers have a user id of their own: bounds fork bombs."""


@dataclass(frozen=True)
class Started:
    """A running worker: the grader's ends of its channel and output, and how to end it."""

    channel_fd: int
    output_fd: int
    stop: Callable[[], int | None]
    """Kills the worker and everything it started, removes its files, and returns its exit code
    (negative for a signal) when known."""


class Launcher(Protocol):
    isolation: Isolation

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started: ...

    def close(self) -> None: ...


def interpreter_command(python: str, *arguments: str) -> list[str]:
    """Returns the command that runs grader.sandbox.inside with `arguments` in a clean `python`."""
    # -s: no user site; -P: no script folder on sys.path; -B: no .pyc beside the submission;
    # -u: unbuffered, so output printed just before a kill is not lost. The environment is ours alone.
    return [python, "-s", "-P", "-B", "-u", "-c", BOOTSTRAP, str(GRADER_FOLDER), *arguments]


class _Scratch:
    """A folder of the grader's that holds one worker's files at a time, emptied after each worker."""

    def __init__(self, owner: int | None):
        self.path = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
        self.path.chmod(0o1777 if owner is not None else 0o700)
        self.owner = owner
        self._numbers = itertools.count(1)

    def prepare(self, submission: Path, file_name: str) -> str:
        """Returns the name of a new folder in the scratch holding a copy of the submission."""
        name = f"w{next(self._numbers)}"
        folder = self.path / name
        folder.mkdir(mode=0o700)
        shutil.copyfile(submission, folder / file_name)
        if self.owner is not None:
            for path in (folder, folder / file_name):
                os.chown(path, self.owner, self.owner)
        return name

    def empty(self) -> None:
        for entry in self.path.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


class SpawnLauncher:
    """Starts each worker as a new interpreter with resource limits only: slow (~80 ms of CPU each).

    For tests and for machines where forking a server is not wanted; grading uses ForkServerLauncher.
    """

    isolation = Isolation(LIMITS_ONLY)

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started:
        scratch = _Scratch(owner=None)
        directory = str(scratch.path / scratch.prepare(submission, file_name))
        grader_end, worker_end = socket.socketpair()
        output_read, output_write = os.pipe()
        try:
            process = subprocess.Popen(
                interpreter_command(
                    sys.executable, "serve", str(worker_end.fileno()), str(limits.memory_bytes), str(limits.cpu_seconds)
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

        def stop() -> int | None:
            kill_tree(process.pid)
            code = process.wait()
            scratch.remove()
            return code

        return Started(grader_end.detach(), output_read, stop)

    def close(self) -> None:
        pass


class ForkServerLauncher:
    """Forks each worker from a zygote that already imported NumPy: a few milliseconds each.

    The zygote is a clean interpreter of its own (never the grader's process, whose memory holds the
    reference and hidden tests), run inside bubblewrap when the isolation asks for it; each forked
    worker gets its own folder, environment, limits, session and (as root) user id.
    """

    def __init__(self, isolation: Isolation | None = None) -> None:
        self.isolation = isolation or choose_isolation()
        self.worker_uid = WORKER_UID_BASE + os.getpid() % 1_000_000 if self.isolation.drop_privileges else None
        self._scratch = _Scratch(owner=self.worker_uid)
        self._zygote: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._namespace: str | None = None
        """The zygote's PID namespace inside bubblewrap, found once per zygote."""

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started:
        name = self._scratch.prepare(submission, file_name)
        for attempt in range(2):
            try:
                return self._fork(name, limits)
            except (OSError, ValueError, TimeoutError):
                self._close_zygote()  # the zygote died (or was killed): start a fresh one, try once more
                if attempt:
                    self._scratch.empty()
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._close_zygote()
        self._scratch.remove()

    def _fork(self, name: str, limits: Limits) -> Started:
        control = self._ensure_zygote()
        inside = self._inside(name)
        grader_end, worker_end = socket.socketpair()
        output_read, output_write = os.pipe()
        request = {
            "op": "spawn",
            "directory": inside,
            "environment": worker_environment(inside),
            "memory": limits.memory_bytes,
            "cpu": limits.cpu_seconds,
            "uid": self.worker_uid,
            "max_processes": MAX_PROCESSES if self.worker_uid is not None else None,
            # Without bubblewrap, a root zygote can still give each worker an empty network namespace.
            "unshare_network": self.isolation.level != BUBBLEWRAP and self.worker_uid is not None,
            # Inside bubblewrap /tmp is the sandbox's own: the zygote empties it for each new worker.
            "empty_tmp": self.isolation.level == BUBBLEWRAP,
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
        return Started(grader_end.detach(), output_read, lambda: self._stop(pid))

    def _inside(self, name: str) -> str:
        """Returns where the worker's folder appears to the worker (elsewhere inside bubblewrap)."""
        return f"{SCRATCH_INSIDE}/{name}" if self.isolation.level == BUBBLEWRAP else str(self._scratch.path / name)

    def _stop(self, pid: int) -> int | None:
        """Kills everything the worker may have started, reaps it, and empties the scratch folder."""
        zygote = self._zygote
        if self.isolation.level == BUBBLEWRAP:
            if self._namespace is None and zygote is not None:
                self._namespace = namespace_below(zygote.pid)
            if self._namespace is not None:
                kill_namespace(self._namespace, keep=(1, 2))  # 1 is bubblewrap's reaper, 2 the zygote
        else:
            if self.worker_uid is not None:
                kill_user(self.worker_uid)
            if zygote is not None:
                # Without a PID namespace: the worker, and every orphan it left (the zygote is their
                # subreaper), are the zygote's descendants; the zygote itself stays.
                kill_descendants(zygote.pid)
        code = self._reap(pid)
        self._scratch.empty()
        return code

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
        self._close_zygote()
        grader_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = interpreter_command(self.isolation.python, "zygote", str(zygote_end.fileno()))
        if self.isolation.level == BUBBLEWRAP:
            command = bwrap_command(self.isolation, self._scratch.path, GRADER_FOLDER) + command
            home = SCRATCH_INSIDE
        else:
            home = str(self._scratch.path)
        try:
            self._zygote = subprocess.Popen(
                command,
                cwd="/" if self.isolation.level == BUBBLEWRAP else home,
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

    def _close_zygote(self) -> None:
        control, self._control = self._control, None
        zygote, self._zygote = self._zygote, None
        namespace, self._namespace = self._namespace, None
        if control is not None:
            control.close()
        if zygote is not None:
            namespace = namespace or (namespace_below(zygote.pid) if self.isolation.level == BUBBLEWRAP else None)
            if namespace is not None:
                kill_namespace(namespace, keep=())
            zygote.kill()
            zygote.wait()
        if self.worker_uid is not None:
            kill_user(self.worker_uid)
