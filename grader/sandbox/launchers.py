"""Start worker processes: forks of a warm interpreter (ForkServerLauncher) or a fresh one each (SpawnLauncher)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.sandbox.forkserver import (
    GRADER_FOLDER,
    Scratch,
    SharedForkServer,
    ask,
    interpreter_command,
    start_zygote,
)
from grader.sandbox.isolation import LIMITS_ONLY, Isolation, choose_isolation
from grader.sandbox.limits import Limits, worker_environment
from grader.sandbox.processes import WorkerCpuClock, kill_tree, parent_pid, tree_cpu_seconds, user_of
from grader.sandbox.strategies import strategy_for


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


class SpawnLauncher:
    """Starts each worker as a new interpreter with resource limits only: slow (~80 ms of CPU each).

    For tests and for machines where forking a server is not wanted; grading uses ForkServerLauncher.
    """

    isolation = Isolation(LIMITS_ONLY)

    def start(self, submission: Path, file_name: str, limits: Limits) -> Started:
        scratch = Scratch()
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
    folder, namespaces, environment, limits, session and (as root) user id. Given a `shared` zygote (a
    batch's, see forkserver.py), it forks its workers there, and starts one of its own only if that one fails.
    """

    def __init__(
        self, isolation: Isolation | None = None, plotting: bool = True, shared: SharedForkServer | None = None
    ) -> None:
        # The level is the caller's value (a command resolves it once); without one, the strongest there is.
        self.isolation = shared.isolation if shared is not None else isolation or choose_isolation()
        self.plotting = plotting
        """Whether the zygote imports pyplot for its workers (a third of a second of its start): see may_plot."""
        self.strategy = strategy_for(self.isolation, GRADER_FOLDER)
        self.worker_uid = self.strategy.worker_uid
        self._shared = shared
        self._scratch = shared.scratch if shared is not None else Scratch()
        self._owns_scratch = shared is None
        self._zygote: subprocess.Popen[bytes] | None = None
        """The zygote of this launcher's own (None while it uses the shared one)."""
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
        if self._owns_scratch:  # a shared zygote's folder is its owner's to remove
            self._scratch.remove()

    def _server_pid(self) -> int | None:
        """Returns the pid (as the grader sees it) of the zygote in use: its sandbox's outermost process."""
        if self._shared is not None:
            return self._shared.process.pid
        return self._zygote.pid if self._zygote is not None else None

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
            **self.strategy.spawn_options(submission, shared=self._shared is not None),
        }
        try:
            try:
                socket.send_fds(control, [json.dumps(request).encode()], [worker_end.fileno(), output_write])
            finally:
                worker_end.close()
                os.close(output_write)
            pid = ask(control)["pid"]
            if pid is None:
                raise ValueError("the fork server answered a spawn without a pid")
        except BaseException:  # the zygote is gone (the caller starts another): nothing of this worker stays open
            grader_end.close()
            os.close(output_read)
            raise
        zygote = self._server_pid()
        outer = self.strategy.host_pid(zygote, pid) if zygote is not None else None
        if outer is not None:
            self._workers.add(outer)
        server = parent_pid(outer) if outer is not None else None  # the fork server, as the grader sees it
        foreign = self._foreign_to_this_worker()
        clock = WorkerCpuClock(outer, server, foreign) if outer is not None and server is not None else None

        def stop() -> int | None:
            if clock is not None:
                clock.close()
            return self._stop(pid, folder, outer)

        return Started(grader_end.detach(), output_read, stop, clock.seconds if clock is not None else lambda: None)

    def _foreign_to_this_worker(self) -> Callable[[int], bool]:
        """Returns whether a child of the zygote is no orphan of the worker about to start: a worker itself, or
        (in a shared zygote) a process of another grading process's workers, which run as another user. Its
        clock asks on every call: each child's user is read once (a process of another user's stays one)."""
        users: dict[int, bool] = {}

        def foreign(pid: int) -> bool:
            if pid in self._workers:
                return True
            if self._shared is None:
                return False
            if pid not in users:
                users[pid] = user_of(pid) != self.worker_uid
            return users[pid]

        return foreign

    def _stop(self, pid: int, folder: Path, outer: int | None = None) -> int | None:
        """Kills everything the worker may have started, reaps it, and removes its folder."""
        if outer is not None:
            self._workers.discard(outer)
        if (zygote := self._server_pid()) is not None:
            self.strategy.sweep(zygote, shared=self._shared is not None)
        code = self._reap(pid)
        self._scratch.discard(folder)
        return code

    def _reap(self, pid: int) -> int | None:
        control = self._control
        if control is None:
            return None
        try:
            control.send(json.dumps({"op": "wait", "pid": pid}).encode())
            return ask(control)["code"]
        except (OSError, ValueError, TimeoutError):
            return None

    def _ensure_zygote(self) -> socket.socket:
        if self._control is not None and (self._shared is not None or self._zygote_alive()):
            return self._control
        self._close_zygote()
        if self._shared is not None:
            try:
                self._control = self._shared.connect()
                return self._control
            except OSError:
                self._shared = None  # the shared zygote is gone: this launcher starts one of its own
        self._zygote, self._control = start_zygote(self.strategy, self._scratch.path, self.plotting)
        return self._control

    def _zygote_alive(self) -> bool:
        return self._zygote is not None and self._zygote.poll() is None

    def _close_zygote(self) -> None:
        """Closes the control socket; kills a zygote of this launcher's own with all it ran. A shared zygote
        stays (its owner ends it): failed, it is given up for one of this launcher's own."""
        control, self._control = self._control, None
        zygote, self._zygote = self._zygote, None
        self._workers.clear()
        if control is not None:
            control.close()
            self._shared = None
        if zygote is not None:
            self.strategy.close(zygote.pid)
            zygote.kill()
            zygote.wait()
