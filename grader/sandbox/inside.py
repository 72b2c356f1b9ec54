"""Runs inside the worker process: loads one submission and answers calls into it.

Everything here runs beside untrusted code, so nothing here decides anything: it returns plain data
(see protocol.py) and the trusted side checks it. The worker lowers its own resource limits before it
imports NumPy or the submission, and talks to the grader only over two inherited pipes; whatever the
submission prints goes to stdout/stderr, which the grader captures separately.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import resource
import socket
import sys
import traceback
from typing import Any


def main(argv: list[str]) -> None:
    """Runs as `serve CHANNEL_FD MEMORY CPU` (one worker) or `zygote CONTROL_FD` (a fork server)."""
    if argv[0] == "serve":
        channel_fd, memory_bytes, cpu_seconds = (int(arg) for arg in argv[1:])
        _limit_resources(memory_bytes, cpu_seconds)  # before NumPy's import, which counts against them
        _become_subreaper()  # orphans of the submission's children stay below the worker, to be killed with it
        serve(channel_fd)
    elif argv[0] == "zygote":
        serve_forks(int(argv[1]))


def serve(channel_fd: int) -> None:
    """Answers load and call requests on the channel until the grader closes it."""
    from grader.sandbox import protocol

    _reset_randomness()
    channel = socket.socket(fileno=channel_fd)
    requests, replies = channel.makefile("rb"), channel.makefile("wb")
    server = _Server(protocol)
    while True:
        try:
            request = protocol.read_message(requests)
        except (protocol.ProtocolError, OSError):
            return  # the grader closed the channel: we are done
        reply = server.handle(request)
        try:
            protocol.write_message(replies, reply)
        except protocol.UnsupportedValue as error:
            protocol.write_message(replies, {"ok": False, "bad_value": str(error)})


def serve_forks(control_fd: int) -> None:
    """Forks a worker per request from this warm process, which has already imported NumPy.

    Requests come over a SOCK_SEQPACKET socket: {"op": "spawn", ...} with the worker's channel and
    output descriptors attached (answered with its pid), and {"op": "wait", "pid": n} (answered with
    its exit code once it has ended). The zygote never runs student code itself.
    """
    import numpy  # noqa: F401 - imported once here so that every forked worker starts warm
    import numpy.random  # noqa: F401 - NumPy imports it lazily: 10 ms a worker if left to each fork

    from grader.sandbox import protocol  # noqa: F401

    _become_subreaper()  # orphans of a worker become the zygote's children, so none escape the sweep
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 65536, 2)
        except OSError:
            return
        if not message:
            return
        request = json.loads(message)
        if request["op"] == "spawn":
            running = _processes_of(request["uid"] if request.get("uid") is not None else os.getuid())
            pid = os.fork()
            if pid == 0:
                control.close()
                _become_worker(request, fds, running)
            for fd in fds:
                os.close(fd)
            control.send(json.dumps({"pid": pid}).encode())
        elif request["op"] == "wait":
            _, status = os.waitpid(request["pid"], 0)
            _reap_orphans()
            control.send(json.dumps({"code": os.waitstatus_to_exitcode(status)}).encode())


def _become_worker(request: dict[str, Any], fds: list[int], running: int) -> None:
    """In a freshly forked child: take the worker's descriptors, namespaces, limits, user, folder and environment."""
    try:
        channel_fd, output_fd = fds
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.close(null)
        os.close(output_fd)
        directory = request["directory"]
        if request.get("private_namespaces"):
            directory = _private_namespaces(request)
        # Processes already running as the worker's user id count against RLIMIT_NPROC: allow this many more.
        processes = running + request["max_processes"] if request.get("max_processes") else None
        _limit_resources(request["memory"], request["cpu"], processes, request.get("file_bytes"))
        if request.get("uid") is not None:
            os.setgroups([])
            os.setgid(request["uid"])
            os.setuid(request["uid"])
        _drop_capabilities()
        _forbid_user_namespaces()  # last: after this the worker can change none of the above
        os.chdir(directory)
        os.environ.clear()
        os.environ.update(request["environment"], HOME=directory, TMPDIR=directory)
    except BaseException as error:  # noqa: BLE001 - a worker that cannot be confined must not run at all
        os.write(2, f"grader: the worker could not be set up ({error!r})\n".encode())
        os._exit(SETUP_FAILED)
    try:
        serve(channel_fd)
    finally:
        os._exit(0)


SETUP_FAILED = 121  # the exit status of a worker that could not confine itself: it never loads the submission
_CLONE_NEWNS, _CLONE_NEWIPC, _CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND, _MS_REC = 1, 2, 4, 8, 32, 4096, 0x4000
_MS_PRIVATE = 0x40000
_SHARED_WRITABLE = ("/var/tmp", "/dev/shm", "/run/lock", "/tmp")
"""Folders every user may write to: each worker gets its own, empty, instead (/tmp last: it may hold the scratch)."""


def _private_namespaces(request: dict[str, Any]) -> str:
    """Gives this worker its own IPC and mount namespaces and one fresh size-limited tmpfs; returns its folder.

    The tmpfs covers the grader's scratch folder and backs /tmp, /dev/shm and the worker's own folder, so
    its size bounds all the worker writes together, and IPC objects and files all die with the worker.
    """
    with open(os.path.join(request["directory"], request["file_name"]), "rb") as file:
        source = file.read()  # the grader's copy, hidden from here on
    flags = _CLONE_NEWNS | _CLONE_NEWIPC | (_CLONE_NEWNET if request.get("unshare_network") else 0)
    if _libc().unshare(flags) != 0:
        _fail("unshare")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    scratch, safe = request["scratch"], _MS_NOSUID | _MS_NODEV
    _mount("tmpfs", scratch, "tmpfs", safe, f"size={request['file_bytes']},nr_inodes=4096,mode=0755")
    if not request.get("private_tmp"):  # the interpreter lives under /tmp: keep it, read-only
        _mount("/tmp", "/tmp", None, _MS_BIND | _MS_REC)
        _mount(None, "/tmp", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | safe)
    for shared in _SHARED_WRITABLE[: None if request.get("private_tmp") else -1]:
        if os.path.isdir(shared) and not os.path.islink(shared):
            inner = f"{scratch}/{shared.replace('/', '-')}"
            os.mkdir(inner)
            os.chmod(inner, 0o1777)
            _mount(inner, shared, None, _MS_BIND)
    for folder in request.get("hide", []):
        if os.path.isdir(folder):
            _mount("tmpfs", folder, "tmpfs", safe | _MS_RDONLY | _MS_NOEXEC, "size=4k,nr_inodes=1,mode=0555")
    if request.get("hide_processes"):  # without a PID namespace: only the worker's own processes are visible
        _mount("proc", "/proc", "proc", safe | _MS_NOEXEC, "hidepid=invisible")
    directory = "/tmp/submission" if request.get("private_tmp") else f"{scratch}/submission"
    os.mkdir(directory, 0o700)
    path = os.path.join(directory, request["file_name"])
    with open(path, "wb") as file:
        file.write(source)
    if request.get("uid") is not None:
        for owned in (directory, path):
            os.chown(owned, request["uid"], request["uid"])
    return directory


def _libc() -> Any:
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _fail(what: str) -> None:
    raise OSError(__import__("ctypes").get_errno(), f"{what} failed")


def _mount(source: str | None, target: str, kind: str | None, flags: int, options: str | None = None) -> None:
    encoded = [None if value is None else value.encode() for value in (source, target, kind, options)]
    if _libc().mount(*encoded[:3], flags, encoded[3]) != 0:
        _fail(f"mount {target}")


def _drop_capabilities() -> None:
    """Drops every capability (the zygote may hold some inside bubblewrap) and forbids regaining any."""
    import ctypes

    libc = _libc()
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    if libc.capset(header, (ctypes.c_uint32 * 6)()) != 0:
        _fail("capset")
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS: no setuid binary or file capability helps
        _fail("prctl(PR_SET_NO_NEW_PRIVS)")


# Per machine: the audit architecture, then the numbers of clone, unshare and clone3.
_SECCOMP_ARCH = {"x86_64": (0xC000003E, 56, 272, 435), "aarch64": (0xC00000B7, 220, 97, 435)}


def _forbid_user_namespaces() -> None:
    """Installs a seccomp filter: no new user namespace (clone or unshare with CLONE_NEWUSER), no clone3.

    clone3 passes its flags in memory a filter cannot read, so it fails with ENOSYS and the C library falls
    back to clone. Without a user namespace, none of the kernel's other namespace code is open to the worker.
    """
    import ctypes
    import platform
    import struct

    audit, clone, unshare, clone3 = _SECCOMP_ARCH[platform.machine()]
    load, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    kill, allow, errno = 0x80000000, 0x7FFF0000, 0x00050000
    program = [
        (load, 0, 0, 4),  # the architecture
        (jeq, 1, 0, audit),
        (ret, 0, 0, kill),
        (load, 0, 0, 0),  # the system call's number
        (jge, 0, 1, 0x40000000),  # x32 system calls share x86_64's architecture: refuse them all
        (ret, 0, 0, kill),
        (jeq, 0, 1, clone3),
        (ret, 0, 0, errno | 38),  # ENOSYS
        (jeq, 1, 0, clone),
        (jeq, 0, 3, unshare),
        (load, 0, 0, 16),  # the low half of the first argument: the flags of clone and unshare
        (jset, 0, 1, 0x10000000),  # CLONE_NEWUSER
        (ret, 0, 0, errno | 1),  # EPERM
        (ret, 0, 0, allow),
    ]
    code = b"".join(struct.pack("=HBBI", op, jt, jf, k) for op, jt, jf, k in program)
    buffer = ctypes.create_string_buffer(code)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Program(len(program), ctypes.addressof(buffer))
    libc = _libc()
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        _fail("seccomp")


def _processes_of(uid: int) -> int:
    """Returns how many processes run as `uid` (real id), as this process's /proc shows them."""
    count = 0
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/status") as status:
                count += next(line for line in status if line.startswith("Uid:")).split()[1] == str(uid)
        except (OSError, StopIteration):
            continue
    return count


def _become_subreaper() -> None:
    _libc().prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans() -> None:
    """Collects the exit status of killed orphans that reparented to the zygote, so none stay zombies."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass
    except ChildProcessError:
        return


def _limit_resources(memory: int, cpu: int, processes: int | None = None, file_bytes: int | None = None) -> None:
    limits = {resource.RLIMIT_AS: memory, resource.RLIMIT_CORE: 0, resource.RLIMIT_FSIZE: file_bytes}
    # RLIMIT_NPROC counts per user id: the zygote counted who already runs as it.
    for kind, value in {**limits, resource.RLIMIT_NPROC: processes}.items():
        if value is not None:
            resource.setrlimit(kind, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


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
    def __init__(self, protocol: Any):
        self.protocol = protocol
        self.module: Any = None
        self.path = ""

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        if op == "load":
            return self.load(request["path"], request["module"])
        if op == "call":
            return self.call(request["function"], request["args"], request["kwargs"])
        return {"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}"}}

    def load(self, path: str, module_name: str) -> dict[str, Any]:
        self.path = os.path.abspath(path)
        try:
            spec = importlib.util.spec_from_file_location(module_name, self.path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001 - the submission may raise anything, SystemExit too
            return {"ok": False, "error": self.describe(error)}
        self.module = module
        return {"ok": True}

    def call(self, name: str, args: list[Any], kwargs: list[list[Any]]) -> dict[str, Any]:
        scripted: dict[str, _Scripted] = {}
        try:
            function = self.resolve_function(name)
            call_args = [self.resolve(value, scripted) for value in args]
            call_kwargs = {key: self.resolve(value, scripted) for key, value in kwargs}
        except LookupError as error:
            return {"ok": False, "missing": str(error.args[0])}
        try:
            value = function(*call_args, **call_kwargs)
        except BaseException as error:  # noqa: BLE001 - reported to the student, never re-raised
            return {"ok": False, "error": self.describe(error), "scripted": self.recorded(scripted)}
        try:
            encoded = self.protocol.encode(value)
        except self.protocol.UnsupportedValue as error:
            return {"ok": False, "bad_value": str(error), "scripted": self.recorded(scripted)}
        return {"ok": True, "value": encoded, "scripted": self.recorded(scripted)}

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
            return f"<{type(value).__name__}>"

    def describe(self, error: BaseException) -> dict[str, Any]:
        """Returns the exception's type, message and the innermost line of the submission it passed."""
        described: dict[str, Any] = {"type": type(error).__name__, "message": _safe_str(error)}
        if isinstance(error, SyntaxError) and error.filename and os.path.abspath(error.filename) == self.path:
            described.update(line=error.lineno, code=(error.text or "").rstrip("\n"), message=error.msg)
            return described
        frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == self.path]
        if frames:
            described.update(line=frames[-1].lineno, code=frames[-1].line or "")
        return described


def _safe_str(error: BaseException) -> str:
    try:
        return str(error)[:2000]
    except BaseException:  # noqa: BLE001 - a hostile __str__ must not break the reply
        return "<message could not be read>"


if __name__ == "__main__":
    main(sys.argv[1:])
