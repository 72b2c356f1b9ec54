"""The sandbox side's entry point, and the fork server (zygote): a warm interpreter that forks one confined
worker per request and never runs student code itself.

It starts with one control socket and may serve several grading processes at once: each connects with a
socket of its own (see launchers.SharedForkServer), and every request is answered on the socket it came on.
"""

from __future__ import annotations

import gc
import json
import os
import select
import socket
import sys
from typing import Any

from grader.sandbox.confine import (
    SETUP_FAILED,
    become_subreaper,
    drop_capabilities,
    forbid_user_namespaces,
    limit_resources,
    private_namespaces,
    processes_of,
    reap_orphans,
)
from grader.sandbox.inside import serve


def main(argv: list[str]) -> None:
    """The sandbox side's entry point: runs as `serve CHANNEL_FD MEMORY CPU` (one worker, started on its own)
    or `zygote CONTROL_FD [no-plotting]` (a fork server)."""
    if argv[0] == "serve":
        channel_fd, memory_bytes, cpu_seconds = (int(arg) for arg in argv[1:])
        limit_resources(memory_bytes, cpu_seconds)  # before NumPy's import, which counts against them
        become_subreaper()  # orphans of the submission's children stay below the worker, to be killed with it
        serve(channel_fd)
    elif argv[0] == "zygote":
        serve_forks(int(argv[1]), plotting="no-plotting" not in argv[2:])


def serve_forks(control_fd: int, plotting: bool = True) -> None:
    """Forks a worker per request from this warm process, which has already imported NumPy (and pyplot unless
    `plotting` is False: a worker whose submission plots then imports it itself).

    Requests come over SOCK_SEQPACKET sockets: {"op": "spawn", ...} with the worker's channel and output
    descriptors attached (answered with its pid), {"op": "wait", "pid": n} (answered with its exit code once
    it has ended), and {"op": "connect"} with one socket attached, unanswered: the zygote serves requests on
    that socket too. It ends when every socket is closed.
    """
    import numpy  # noqa: F401 - imported once here so that every forked worker starts warm
    import numpy.random  # noqa: F401 - NumPy imports it lazily: 10 ms a worker if left to each fork

    # With the driver of converted notebooks: a worker may not read the grader's files (it may run as a user
    # of its own), so what it imports after the fork must be loaded here.
    from grader.sandbox import cells, protocol  # noqa: F401

    if plotting:
        _import_plotting()
    # Once, here: each worker is a fresh fork of this untouched state. Reset in every worker, pyplot's settings
    # cost 2.5 ms of CPU a submission (every setting validated again, and its pages copied).
    _reset_plotting()
    # Everything imported so far goes to the collector's permanent generation: a collection in a
    # worker then never walks (and so never copies, page by page) the memory it shares with the zygote.
    gc.freeze()
    become_subreaper()  # orphans of a worker become the zygote's children, so none escape the sweep
    _Zygote(socket.socket(fileno=control_fd)).run()


class _Zygote:
    """The zygote's loop over its control sockets, and what it knows of the workers it forked."""

    def __init__(self, control: socket.socket):
        self.controls = [control]
        self.workers: set[int] = set()
        self.ended: dict[int, int] = {}
        """Exit codes of workers reaped before their own wait request came (on another grading process's)."""

    def run(self) -> None:
        while self.controls:
            ready, _, _ = select.select(self.controls, [], [])
            for control in ready:
                self._answer(control)

    def _answer(self, control: socket.socket) -> None:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 2)
        except OSError:
            message, fds = b"", []
        if not message:
            self.controls.remove(control)
            control.close()
            return
        request = json.loads(message)
        if request["op"] == "connect":
            self.controls.extend(socket.socket(fileno=fd) for fd in fds)
            return
        answer: dict[str, int | None] = {}
        if request["op"] == "spawn":
            answer = {"pid": self._spawn(request, fds)}
        elif request["op"] == "wait":
            answer = {"code": self._wait(request["pid"])}
        try:
            control.send(json.dumps(answer).encode())
        except OSError:  # that grading process is gone: the others are still served
            self.controls.remove(control)
            control.close()

    def _spawn(self, request: dict[str, Any], fds: list[int]) -> int:
        running = processes_of(request["uid"] if request.get("uid") is not None else os.getuid())
        pid = os.fork()
        if pid == 0:
            for control in self.controls:  # no worker holds a way to ask for workers, its own or another's
                control.close()
            _become_worker(request, fds, running)
        for fd in fds:
            os.close(fd)
        self.workers.add(pid)
        return pid

    def _wait(self, pid: int) -> int | None:
        """Returns the exit code of worker `pid` once it has ended (None if it is not ours), reaping the
        orphans of every worker that ended meanwhile."""
        if pid not in self.workers:
            return None
        self.workers.discard(pid)
        if pid in self.ended:
            return self.ended.pop(pid)
        _, status = os.waitpid(pid, 0)
        for reaped, code in reap_orphans():
            if reaped in self.workers:
                self.ended[reaped] = code
        return os.waitstatus_to_exitcode(status)


def _become_worker(request: dict[str, Any], fds: list[int], running: int) -> None:
    """In a freshly forked child: take the worker's descriptors, namespaces, limits, user, folder and environment."""
    try:
        channel_fd, output_fd = fds
        os.setsid()
        become_subreaper()  # not inherited from the zygote: orphans of the submission's children stay below the worker
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(null)
        os.close(output_fd)
        directory = request["directory"]
        if request.get("private_namespaces"):
            directory = private_namespaces(request)
        # Processes already running as the worker's user id count against RLIMIT_NPROC: allow this many more.
        processes = running + request["max_processes"] if request.get("max_processes") else None
        limit_resources(request["memory"], request["cpu"], processes, request.get("file_bytes"))
        if request.get("uid") is not None:
            os.setgroups([])
            os.setgid(request["uid"])
            os.setuid(request["uid"])
        drop_capabilities()
        forbid_user_namespaces()  # last: after this the worker can change none of the above
        os.chdir(directory)
        os.environ.clear()
        os.environ.update(_environment(request["environment"], request["directory"], directory))
    except BaseException as error:  # noqa: BLE001 - a worker that cannot be confined must not run at all
        os.write(2, f"grader: the worker could not be set up ({error!r})\n".encode())
        os._exit(SETUP_FAILED)
    try:
        serve(channel_fd)
    finally:
        os._exit(0)


def _environment(environment: dict[str, str], planned: str, directory: str) -> dict[str, str]:
    """Returns the worker's environment with every value under the folder the grader planned (`planned`)
    moved to the folder the worker got (`directory`, which differs inside namespaces of its own)."""
    moved = {
        name: directory + value[len(planned) :]
        for name, value in environment.items()
        if value == planned or value.startswith(planned + "/")
    }
    return {**environment, **moved, "HOME": directory, "TMPDIR": directory}


def _import_plotting() -> None:
    """Imports matplotlib's pyplot (Agg, from MPLBACKEND) once, so a notebook that plots loads in milliseconds.

    Course notebooks import pyplot and plot at the top level; imported in each worker that costs about a
    second of the load's CPU limit. Without matplotlib, or if it fails, workers import it themselves.
    """
    try:
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # noqa: BLE001 - a zygote without plotting still serves workers
        pass


def _reset_plotting() -> None:
    """Leaves pyplot clean: no open figure, the settings of a fresh import (the fork server, before any fork)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
        sys.modules["matplotlib"].rc_file_defaults()


if __name__ == "__main__":
    main(sys.argv[1:])
