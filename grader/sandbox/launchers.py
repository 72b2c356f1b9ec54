"""Start worker processes: forks of a warm interpreter (ForkServerLauncher) or a fresh one each (SpawnLauncher)."""

from __future__ import annotations

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

from grader.sandbox.isolation import LIMITS_ONLY, Isolation, choose_isolation
from grader.sandbox.limits import Limits, worker_environment
from grader.sandbox.processes import WorkerCpuClock, kill_tree, parent_pid, remove_tree, tree_cpu_seconds
from grader.sandbox.strategies import strategy_for

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


@dataclass(frozen=True)
class Started:
    """A running worker: the grader's ends of its channel and output, and how to end it."""

    channel_fd: int
    output_fd: int
    stop: Callable[[], int | None]
    """Kills the worker and everything it started, removes its files, and returns its exit code
    (negative for a signal) when known."""
    cpu_seconds: Callable[[], float | None]
    """Returns the CPU seconds the worker and its processes used so far, None when they cannot be read."""


class Launcher(Protocol):
    isolation: Isolation

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started: ...

    def warm(self) -> None:
        """Gets ready to start workers without waiting for it: the caller goes on with its own work."""

    def close(self) -> None: ...


def interpreter_command(python: str, *arguments: str) -> list[str]:
    """Returns the command that runs grader.sandbox.inside with `arguments` in a clean `python`."""
    # -s: no user site; -P: no script folder on sys.path; -B: no .pyc beside the submission;
    # -u: unbuffered, so output printed just before a kill is not lost. The environment is ours alone.
    return [python, "-s", "-P", "-B", "-u", "-c", BOOTSTRAP, str(GRADER_FOLDER), *arguments]


class _Scratch:
    """A folder of the grader's (0700) holding a fresh, unpredictably named folder per worker."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="grader-scratch-"))
        self.leftovers: list[Path] = []
        """Worker folders that could not be removed: kept apart, never reused."""

    def prepare(self, submission: Path, file_name: str, owner: int | None = None) -> Path:
        """Returns a new folder (created atomically, mode 0700) holding a copy of the submission."""
        folder = Path(tempfile.mkdtemp(prefix="w", dir=self.path))
        shutil.copyfile(submission, folder / file_name, follow_symlinks=False)
        if owner is not None:  # the worker writes here itself (resource limits only): it is its own
            for path in (folder, folder / file_name):
                os.chown(path, owner, owner)
        return folder

    def discard(self, folder: Path) -> None:
        """Removes a worker's folder, whatever the worker left in it; records it when that fails."""
        if not remove_tree(folder):
            self.leftovers.append(folder)
            print(f"grader: could not remove the worker folder {folder}; it is left for you to remove", file=sys.stderr)

    def remove(self) -> None:
        if not remove_tree(self.path):
            print(f"grader: could not remove the scratch folder {self.path}", file=sys.stderr)


class SpawnLauncher:
    """Starts each worker as a new interpreter with resource limits only: slow (~80 ms of CPU each).

    For tests and for machines where forking a server is not wanted; grading uses ForkServerLauncher.
    """

    isolation = Isolation(LIMITS_ONLY)

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started:
        scratch = _Scratch()
        directory = str(scratch.prepare(submission, file_name))
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

        return Started(grader_end.detach(), output_read, stop, lambda: tree_cpu_seconds(process.pid))

    def warm(self) -> None:
        pass  # each worker is a fresh interpreter: nothing to get ready

    def close(self) -> None:
        pass


PLOTTING_WORDS = (b"matplotlib", b"pylab", b"seaborn")


def may_plot(submission: Path) -> bool:
    """Returns whether a submission's file names a plotting library (or cannot be read to say): a fork server
    for it alone then imports pyplot before forking its worker. Read as bytes, never run; a class's fork
    server always imports pyplot, since some of its submissions plot."""
    try:
        if submission.stat().st_size > 16 * 2**20:
            return True
        data = submission.read_bytes()
    except OSError:
        return True
    return any(word in data for word in PLOTTING_WORDS)


class ForkServerLauncher:
    """Forks each worker from a zygote that already imported NumPy: a few milliseconds each.

    The zygote is a clean interpreter of its own (never the grader's process, whose memory holds the
    reference and hidden tests), wrapped as its isolation strategy says; each forked worker gets its own
    folder, namespaces, environment, limits, session and (as root) user id.
    """

    def __init__(self, isolation: Isolation | None = None, plotting: bool = True) -> None:
        # The level is the caller's value (a command resolves it once); without one, the strongest there is.
        self.isolation = isolation or choose_isolation()
        self.plotting = plotting
        """Whether the zygote imports pyplot for its workers (a third of a second of its start): see may_plot."""
        self.strategy = strategy_for(self.isolation, GRADER_FOLDER)
        self.worker_uid = self.strategy.worker_uid
        self._scratch = _Scratch()
        self._zygote: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._workers: set[int] = set()
        """The pids (as the grader sees them) of the workers started and not yet stopped."""

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started:
        owner = None if self.strategy.namespaces else self.worker_uid
        folder = self._scratch.prepare(submission, file_name, owner)
        for attempt in range(2):
            try:
                return self._fork(submission, folder, file_name, limits)
            except (OSError, ValueError, TimeoutError):
                self._close_zygote()  # the zygote died (or was killed): start a fresh one, try once more
                if attempt:
                    self._scratch.discard(folder)
                    raise
        raise AssertionError("unreachable")

    def warm(self) -> None:
        """Starts the zygote now: it imports NumPy and pyplot while the caller loads and collects its
        hidden tests, instead of after (a single `grader check` waits for both otherwise)."""
        self._ensure_zygote()

    def close(self) -> None:
        self._close_zygote()
        self._scratch.remove()

    def _fork(self, submission: Path, folder: Path, file_name: str, limits: Limits) -> Started:
        control = self._ensure_zygote()
        scratch, directory = self.strategy.seen_from_zygote(self._scratch.path, folder)
        grader_end, worker_end = socket.socketpair()
        output_read, output_write = os.pipe()
        request = {
            "op": "spawn",
            "directory": directory,
            "scratch": scratch,
            "file_name": file_name,
            "environment": worker_environment(directory),
            "memory": limits.memory_bytes,
            "cpu": limits.cpu_seconds,
            "file_bytes": limits.disk_bytes,
            "private_namespaces": self.strategy.namespaces,
            **self.strategy.spawn_options(submission),
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
        zygote = self._zygote
        outer = self.strategy.host_pid(zygote.pid, pid) if zygote is not None else None
        if outer is not None:
            self._workers.add(outer)
        server = parent_pid(outer) if outer is not None else None  # the fork server, as the grader sees it
        clock = WorkerCpuClock(outer, server, self._workers) if outer is not None and server is not None else None

        def stop() -> int | None:
            if clock is not None:
                clock.close()
            return self._stop(pid, folder, outer)

        return Started(grader_end.detach(), output_read, stop, clock.seconds if clock is not None else lambda: None)

    def _stop(self, pid: int, folder: Path, outer: int | None = None) -> int | None:
        """Kills everything the worker may have started, reaps it, and removes its folder."""
        if outer is not None:
            self._workers.discard(outer)
        if self._zygote is not None:
            self.strategy.sweep(self._zygote.pid)
        code = self._reap(pid)
        self._scratch.discard(folder)
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
        plotting = [] if self.plotting else ["no-plotting"]
        command = interpreter_command(self.isolation.python, "zygote", str(zygote_end.fileno()), *plotting)
        command, cwd = self.strategy.zygote_command(command, self._scratch.path)
        try:
            self._zygote = subprocess.Popen(
                command,
                cwd=cwd,
                env=worker_environment(cwd),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(zygote_end.fileno(),),
                start_new_session=True,
            )
        finally:
            zygote_end.close()
        self.strategy.started(self._zygote.pid)
        self._control = grader_end
        return grader_end

    def _close_zygote(self) -> None:
        control, self._control = self._control, None
        zygote, self._zygote = self._zygote, None
        self._workers.clear()
        if control is not None:
            control.close()
        if zygote is not None:
            self.strategy.close(zygote.pid)
            zygote.kill()
            zygote.wait()
