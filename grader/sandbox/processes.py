"""Kill a worker with everything it started, and keep a bounded copy of what it printed."""

from __future__ import annotations

import os
import signal
import threading

TRUNCATION_MARKER = "\n[… output truncated: the rest ({} bytes) was not kept …]\n"


def kill_tree(root: int) -> None:
    """Kills `root`, its process group, and descendants that left the group (new sessions)."""
    _signal(root, signal.SIGSTOP)  # freeze first, so nothing forks between listing and killing
    for _ in range(3):
        descendants = _descendants(root)
        for pid in descendants:
            _signal(pid, signal.SIGSTOP)
        for pid in descendants:
            _signal(pid, signal.SIGKILL)
        if not descendants:
            break
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _signal(root, signal.SIGKILL)


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
