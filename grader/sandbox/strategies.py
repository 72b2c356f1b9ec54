"""One strategy per isolation level: how it wraps the fork server, readies a worker, and sweeps what is left.

Launchers call a strategy and never test the level themselves; adding a level means adding a class here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from grader.sandbox.isolation import (
    BUBBLEWRAP,
    LIMITS_ONLY,
    SCRATCH_INSIDE,
    SYSTEM_SHARED,
    SYSTEM_TOPS,
    WORKER_UID_BASE,
    Isolation,
    bwrap_command,
    python_folders,
)
from grader.sandbox.processes import host_pid, kill_descendants, kill_namespace, kill_user, namespace_below

WORKER_PROCESSES = 2
"""Processes a worker may run at once (itself and one child): each may use the whole address-space limit, so
a submission's processes together stay within twice its memory limit."""


class LimitsOnly:
    """Resource limits only: the worker runs as the grader's user, on the grader's files."""

    namespaces = False
    """Whether each worker gets its own IPC and mount namespaces, /tmp and size-limited tmpfs."""

    def __init__(self, isolation: Isolation, grader_folder: Path) -> None:
        self.isolation = isolation
        self.grader_folder = grader_folder
        self.worker_uid: int | None = None

    def zygote_command(self, command: list[str], scratch: Path) -> tuple[list[str], str]:
        """Returns the fork server's command and its working folder (also its HOME)."""
        return command, str(scratch)

    def seen_from_zygote(self, scratch: Path, folder: Path) -> tuple[str, str]:
        """Returns where the scratch folder and a worker's folder in it appear to the fork server."""
        return str(scratch), str(folder)

    @property
    def can_share(self) -> bool:
        """Whether grading processes may share one fork server (forkserver.py): only where each one's workers
        run as a user id of their own, which no other worker can signal and which its sweep goes by."""
        return self.worker_uid is not None

    def spawn_options(self, submission: Path, shared: bool = False) -> dict[str, Any]:
        """Returns the fork server's instructions for one worker, beside its folder and limits."""
        return {"uid": self.worker_uid, "max_processes": WORKER_PROCESSES}

    def sweep(self, zygote: int, shared: bool = False) -> None:
        """Kills everything a worker left running; the fork server itself stays, and so do the workers of
        other grading processes when it is `shared`."""
        # Without a PID namespace: the worker and every orphan it left (the zygote is their subreaper)
        # are the zygote's descendants.
        kill_descendants(zygote)

    def close(self, zygote: int) -> None:
        """Kills everything the fork server ran, before the fork server itself is killed."""
        self.sweep(zygote)

    def host_pid(self, zygote: int, pid: int) -> int | None:
        """Returns the grader's pid of the worker the fork server knows as `pid`."""
        return pid

    def started(self, zygote: int) -> None:
        """Forgets what it knew of an earlier fork server."""

    def _private_tmp(self) -> bool:
        """Whether each worker can get a /tmp of its own: not when the interpreter or grader live under /tmp."""
        folders = {*python_folders(self.isolation.python), str(self.grader_folder)}
        return not any(Path(folder).is_relative_to("/tmp") for folder in folders)


class UnprivilegedUser(LimitsOnly):
    """Root without bubblewrap: each worker runs as a user id no one else uses, in namespaces of its own."""

    namespaces = True

    def __init__(self, isolation: Isolation, grader_folder: Path) -> None:
        super().__init__(isolation, grader_folder)
        self.worker_uid = WORKER_UID_BASE + os.getpid() % 1_000_000

    def spawn_options(self, submission: Path, shared: bool = False) -> dict[str, Any]:
        return {
            **super().spawn_options(submission, shared),
            "unshare_network": True,
            "visible": self._visible(),
            "hide_processes": True,  # the grader's command line names the submissions' folder
        }

    def _visible(self) -> list[str]:
        """Returns all a worker's filesystem holds besides its own folders: the system, the interpreter, the
        grader package. An allow-list, as bubblewrap's: the assignment, the reference, the submissions, the
        output and the grader's temporary files are absent wherever they are, whatever their permissions."""
        folders = {*python_folders(self.isolation.python), str(self.grader_folder)}
        return [*SYSTEM_TOPS, "/usr", *SYSTEM_SHARED, *sorted(os.path.realpath(folder) for folder in folders)]

    def sweep(self, zygote: int, shared: bool = False) -> None:
        assert self.worker_uid is not None
        kill_user(self.worker_uid)
        if not shared:
            super().sweep(zygote)


class Bubblewrap(LimitsOnly):
    """The fork server runs inside bwrap (its own PID, network, IPC namespaces, a read-only system)."""

    namespaces = True

    def __init__(self, isolation: Isolation, grader_folder: Path) -> None:
        super().__init__(isolation, grader_folder)
        self.worker_uid = WORKER_UID_BASE + os.getpid() % 1_000_000 if isolation.drop_privileges else None
        self._namespace: str | None = None
        """The zygote's PID namespace inside bubblewrap, found once per zygote."""

    def zygote_command(self, command: list[str], scratch: Path) -> tuple[list[str], str]:
        return bwrap_command(self.isolation, scratch, self.grader_folder) + command, "/"

    def seen_from_zygote(self, scratch: Path, folder: Path) -> tuple[str, str]:
        return SCRATCH_INSIDE, f"{SCRATCH_INSIDE}/{folder.name}"

    def spawn_options(self, submission: Path, shared: bool = False) -> dict[str, Any]:
        # Beside another grading process's worker, each worker gets a network of its own too (its loopback).
        options = {**super().spawn_options(submission, shared), "private_tmp": self._private_tmp()}
        return {**options, "unshare_network": True} if shared else options

    def sweep(self, zygote: int, shared: bool = False) -> None:
        if shared:
            assert self.worker_uid is not None
            kill_user(self.worker_uid, below=zygote)
        elif (namespace := self._find_namespace(zygote)) is not None:
            kill_namespace(namespace, keep=(1, 2), below=zygote)  # 1 is bubblewrap's reaper, 2 the zygote

    def close(self, zygote: int) -> None:
        if (namespace := self._find_namespace(zygote)) is not None:
            kill_namespace(namespace, keep=(), below=zygote)

    def host_pid(self, zygote: int, pid: int) -> int | None:
        namespace = self._find_namespace(zygote)
        return host_pid(namespace, pid, below=zygote) if namespace is not None else None

    def started(self, zygote: int) -> None:
        self._namespace = None

    def _find_namespace(self, zygote: int) -> str | None:
        if self._namespace is None:
            self._namespace = namespace_below(zygote)
        return self._namespace


def strategy_for(isolation: Isolation, grader_folder: Path) -> LimitsOnly:
    """Returns the strategy of `isolation`'s level."""
    if isolation.level == BUBBLEWRAP:
        return Bubblewrap(isolation, grader_folder)
    if isolation.level == LIMITS_ONLY:
        return LimitsOnly(isolation, grader_folder)
    return UnprivilegedUser(isolation, grader_folder)
