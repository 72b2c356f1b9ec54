"""Kill a worker with everything it started, and keep a bounded copy of what it printed."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

TRUNCATION_MARKER = "\n[… output truncated: the rest ({} bytes) was not kept …]\n"


def freeze_then_kill(pids: list[int]) -> None:
    """Stops every process in `pids`, then kills them: frozen first, none can fork between listing and killing."""
    for pid in pids:
        _signal(pid, signal.SIGSTOP)
    for pid in pids:
        _signal(pid, signal.SIGKILL)


def kill_tree(root: int) -> None:
    """Kills `root`, its process group, and descendants that left the group (new sessions)."""
    _signal(root, signal.SIGSTOP)  # freeze first, so nothing forks between listing and killing
    for _ in range(3):
        descendants = _descendants(root)
        freeze_then_kill(descendants)
        if not descendants:
            break
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _signal(root, signal.SIGKILL)


def kill_descendants(root: int) -> None:
    """Kills every process below `root` (not `root` itself), freezing each before killing it."""
    for _ in range(5):
        descendants = _descendants(root)
        if not descendants:
            return
        freeze_then_kill(descendants)


def kill_user(uid: int, below: int | None = None) -> None:
    """Kills every process running as `uid` (a user id only one grading process's workers use): of those
    below `below` when given (read from the kernel's child lists, where it keeps them), else of all."""
    tree = _TreeOf(below) if below is not None and _children_of(below) is not None else None
    _kill_matching(lambda pid, status: _field(status, "Uid") == str(uid), pids=tree)


def user_of(pid: int) -> int | None:
    """Returns the real user id `pid` runs as (None once it has ended). Read from its status: /proc/PID itself
    belongs to root when the process is not dumpable, as every worker is once it changed user."""
    try:
        uid = _field(_read_proc(f"/proc/{pid}/status").decode(), "Uid")
    except OSError:
        return None
    return int(uid) if uid is not None else None


def kill_namespace(namespace: str, keep: tuple[int, ...], below: int | None = None) -> None:
    """Kills every process in PID namespace `namespace` except the pids (as seen inside it) in `keep`.

    Orphans reparent inside the namespace, so none escape: every process in it is a descendant of the process
    that created it. Given that process (`below`), only its tree is read, from the kernel's child lists;
    without it, or on a kernel without them, every process's namespace is read.
    """

    def inside_and_not_kept(pid: int, status: str) -> bool:
        inner = (_field(status, "NSpid") or "").split()
        return bool(inner) and int(inner[-1]) not in keep

    # Only processes of the namespace are read in full: one readlink per process finds them. Whether the kernel
    # keeps child lists is seen at the root's; the tree itself is read anew at each round of killing.
    tree = _TreeOf(below) if below is not None and _children_of(below) is not None else None
    _kill_matching(inside_and_not_kept, among=lambda pid: _pid_namespace(pid) == namespace, pids=tree)


class _TreeOf:
    """The pids below a process, read anew each time it is iterated (from the kernel's child lists)."""

    def __init__(self, root: int):
        self.root = root

    def __iter__(self) -> Iterator[int]:
        return iter(_children_below(self.root) or [])


def _kill_matching(
    matches: Callable[[int, str], bool],
    among: Callable[[int], bool] = lambda pid: True,
    pids: Iterable[int] | None = None,
) -> None:
    """Freezes then kills every live process `matches` selects (of those `among` admits, of `pids` or all of
    /proc), until none is left."""
    for _ in range(5):
        targets = [
            pid
            for pid, status in _statuses(among, pids)
            if pid != os.getpid() and _field(status, "State") not in ("Z", "X") and matches(pid, status)
        ]
        if not targets:
            return
        freeze_then_kill(targets)


def _statuses(among: Callable[[int], bool], pids: Iterable[int] | None = None) -> list[tuple[int, str]]:
    found = []
    for pid in pids if pids is not None else (int(entry) for entry in os.listdir("/proc") if entry.isdigit()):
        if among(pid):
            try:
                with open(f"/proc/{pid}/status") as status:
                    found.append((pid, status.read()))
            except OSError:
                continue
    return found


def _field(status: str, name: str) -> str | None:
    for line in status.splitlines():
        if line.startswith(name + ":"):
            value = line.split(":", 1)[1].split()
            return " ".join(value) if name == "NSpid" else (value[0] if value else None)
    return None


def _pid_namespace(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def namespace_below(outer: int) -> str | None:
    """Returns the PID namespace of the first descendant of `outer` that is not in outer's namespace."""
    own = _pid_namespace(outer)
    for pid in _descendants(outer):
        namespace = _pid_namespace(pid)
        if namespace is not None and namespace != own:
            return namespace
    return None


def host_pid(namespace: str, inner: int, below: int | None = None) -> int | None:
    """Returns the pid (as the grader sees it) of the process known as `inner` inside PID namespace `namespace`:
    read among the processes below `below` when given (see kill_namespace), else among all."""
    tree = _children_below(below) if below is not None else None
    for pid, status in _statuses(lambda pid: _pid_namespace(pid) == namespace, tree):
        pids = (_field(status, "NSpid") or "").split()
        if pids and int(pids[-1]) == inner:
            return pid
    return None


def orphans_cpu_seconds(server: int, foreign: Callable[[int], bool]) -> float:
    """Returns the CPU seconds of the processes below `server` that are below none of its children `foreign`
    says are not the worker's orphans (workers, or another grading process's processes).

    `server` is a fork server and the subreaper of its workers' processes: a worker's child whose parent
    ended (the worker itself among them) is re-parented to it, and its CPU time is still the submission's.
    """
    children = _children_of(server)
    if children is None:
        children = [pid for pid in _descendants(server) if parent_pid(pid) == server]
    return sum(tree_cpu_seconds(child) for child in children if not foreign(child))


def tree_cpu_seconds(root: int) -> float:
    """Returns the CPU seconds `root` and every process below it used, those that ended and were reaped too."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    below = _children_below(root)  # read on every call into a worker: the kernel's child lists, not all of /proc
    for pid in [root, *(below if below is not None else _descendants(root))]:
        try:
            fields = _read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(field) for field in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


class WorkerCpuClock:
    """Reads the CPU seconds of a worker forked by a fork server: its tree, and the server's orphans (see
    orphans_cpu_seconds), as tree_cpu_seconds and orphans_cpu_seconds would, but cheaply in the usual case.

    It is read on every call into the worker. A worker that runs one thread and started no process is one
    file read again in place (its stat, through a descriptor kept open, which also never reads a later
    process given the same pid), and the server's children one more; anything else is read in full.
    """

    def __init__(self, worker: int, server: int, foreign: Callable[[int], bool]):
        self.worker, self.server, self.foreign = worker, server, foreign
        self._files: list[int] = []
        try:
            for path in (f"/proc/{worker}/stat", f"/proc/{worker}/task/{worker}/children"):
                self._files.append(os.open(path, os.O_RDONLY))
            self._files.append(os.open(f"/proc/{server}/task/{server}/children", os.O_RDONLY))
        except OSError:
            self.close()  # gone already, or a kernel without child lists: every reading is a full one

    def seconds(self) -> float:
        if len(self._files) != 3:
            return self._read_in_full()
        stat, children, server_children = self._files
        try:
            fields = os.pread(stat, 4096, 0).rsplit(b")", 1)[1].split()
            alone = fields[17] == b"1" and not os.pread(children, 4096, 0).strip()  # num_threads, children
            orphans = [int(pid) for pid in os.pread(server_children, 65536, 0).split()]
        except (OSError, IndexError, ValueError):  # the worker ended: read what is left in full
            return self._read_in_full()
        if not alone:
            return self._read_in_full()
        own = sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime
        return own + sum(tree_cpu_seconds(pid) for pid in orphans if not self.foreign(pid))

    def _read_in_full(self) -> float:
        return tree_cpu_seconds(self.worker) + orphans_cpu_seconds(self.server, self.foreign)

    def close(self) -> None:
        for fd in self._files:
            os.close(fd)
        self._files = []


def _read_proc(path: str) -> bytes:
    """Returns a /proc file's bytes, read without the buffered file objects open() builds: read on every call."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> bool:
    """Removes `path` and everything below it, however deep and whatever its modes; returns whether all went.

    Iterative and relative to open folders: no recursion limit, no path too long, no link followed.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return True
    except OSError:
        with contextlib.suppress(OSError):
            path.unlink()
        return not os.path.lexists(path)
    try:
        _remove_below(fd)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.rmdir(path)
    return not os.path.lexists(path)


def _remove_below(fd: int) -> None:
    """Empties the open folder `fd` depth first, one open folder at a time; closes `fd`. Raises OSError."""
    names: list[str] = []  # the folders entered below the first, the deepest last
    try:
        while True:
            with contextlib.suppress(OSError):
                os.fchmod(fd, 0o700)  # a folder its worker closed (mode 000) can still be emptied
            below = _empty_folder(fd)
            if below is not None:
                child = os.open(below, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = child
                names.append(below)
            elif names:
                parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(names.pop(), dir_fd=fd)
            else:
                return
    finally:
        os.close(fd)


def _empty_folder(fd: int) -> str | None:
    """Unlinks every non-folder in the open folder `fd`; returns the name of a sub-folder still there, if any."""
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                return entry.name
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.name, dir_fd=fd)
    return None


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _children_below(root: int) -> list[int] | None:
    """Returns the pids below `root` from the kernel's per-thread child lists; None where it has none."""
    found, queue = [], [root]
    while queue:
        children = _children_of(queue.pop())
        if children is None:
            return None  # a kernel without CONFIG_PROC_CHILDREN: the caller scans /proc instead
        found += children
        queue += children
    return found


def _children_of(pid: int) -> list[int] | None:
    """Returns the pids of `pid`'s children (none once it has ended); None on a kernel without child lists."""
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found = []
    for thread in threads:
        try:
            found += [int(child) for child in _read_proc(f"/proc/{pid}/task/{thread}/children").split()]
        except FileNotFoundError:
            return None
        except OSError:
            continue
    return found


def parent_pid(pid: int) -> int | None:
    """Returns the pid of `pid`'s parent, None once it has gone."""
    try:
        return int(_read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


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
        if fields[0] != b"Z":  # a zombie is already dead: only its parent's wait remains
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


class BoundedOutput:
    """Keeps the first `limit` bytes of a stream and counts the rest, so a flood cannot fill memory."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self.lock = threading.Lock()

    def drain(self, fd: int) -> None:
        """Reads `fd` to its end (run on a thread), then closes it."""
        try:
            while chunk := os.read(fd, 65536):
                with self.lock:
                    room = max(self.limit - len(self.kept), 0)
                    self.kept += chunk[:room]
                    self.dropped += max(len(chunk) - room, 0)
        finally:
            os.close(fd)

    def text(self) -> str:
        with self.lock:
            text = self.kept.decode("utf-8", errors="replace")
            return text + TRUNCATION_MARKER.format(self.dropped) if self.dropped else text
