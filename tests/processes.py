"""Finds the processes a submission left running, among this test session's descendants only.

Other test runs on the same machine start workers with the same user ids and attacks with the same marks;
counting them would fail tests at random. So the session adopts its orphans (it becomes their subreaper)
and counts only its own descendants.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

from grader.sandbox.isolation import WORKER_UID_BASE

PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> None:
    """Makes orphans of this process's descendants reparent to it rather than to init."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def leftovers() -> list[str]:
    """Returns processes a submission started in this session that still run: descendants of this process
    marked "grader-attack" or running as a worker's user id."""
    return [
        f"{pid}: {command[:80]!r}"
        for pid, (command, uid) in own_processes().items()
        if b"grader-attack" in command or uid >= WORKER_UID_BASE
    ]


def own_processes() -> dict[int, tuple[bytes, int]]:
    """Returns this process's living descendants (zombies left out): pid → (command line, user id)."""
    parents: dict[int, int] = {}
    living: dict[int, tuple[bytes, int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(status.split("PPid:")[1].split()[0])
        if status.split("State:")[1].split()[0] != "Z":
            living[int(entry)] = (command, int(status.split("Uid:")[1].split()[0]))
    return {pid: found for pid, found in living.items() if descends_from(pid, os.getpid(), parents)}


def descends_from(pid: int, ancestor: int, parents: dict[int, int]) -> bool:
    """Returns whether `ancestor` is among the parents of `pid` in the process table `parents`."""
    seen = set()
    while pid in parents and pid not in seen:
        seen.add(pid)
        pid = parents[pid]
        if pid == ancestor:
            return True
    return False
