"""Start a fork server (zygote) in its sandbox, and share one among the grading processes of a batch.

A batch with `-j N` used to start a zygote per grading process: N copies of NumPy and pyplot, each ~43 MB
of pages of its own. Where every grading process's workers run as a user id of their own (the levels that
run as root), one zygote serves them all: a worker then can neither signal nor trace another grading
process's worker beside it, and each grading process sweeps its own workers by their user id.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.sandbox import fontcache
from grader.sandbox.isolation import Isolation, choose_isolation
from grader.sandbox.limits import worker_environment
from grader.sandbox.processes import remove_tree
from grader.sandbox.strategies import LimitsOnly, strategy_for

# Imports the grader package from its own folder without putting the folder above it (the project,
# with its reference and hidden tests) on the worker's sys.path, then runs grader.sandbox.zygote.main.
BOOTSTRAP = (
    "import importlib.util, sys; root = sys.argv.pop(1); "
    "spec = importlib.util.spec_from_file_location("
    "'grader', root + '/__init__.py', submodule_search_locations=[root]); "
    "package = importlib.util.module_from_spec(spec); sys.modules['grader'] = package; "
    "spec.loader.exec_module(package); "
    "from grader.sandbox.zygote import main; main(sys.argv[1:])"
)
GRADER_FOLDER = Path(__file__).resolve().parent.parent
ZYGOTE_REPLY_SECONDS = 30.0


def interpreter_command(python: str, *arguments: str) -> list[str]:
    """Returns the command that runs grader.sandbox.zygote.main with `arguments` in a clean `python`."""
    # -s: no user site; -P: no script folder on sys.path; -B: no .pyc beside the submission;
    # -u: unbuffered, so output printed just before a kill is not lost. The environment is ours alone.
    return [python, "-s", "-P", "-B", "-u", "-c", BOOTSTRAP, str(GRADER_FOLDER), *arguments]


class Scratch:
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


def start_zygote(
    strategy: LimitsOnly, scratch: Path, plotting: bool = True
) -> tuple[subprocess.Popen[bytes], socket.socket]:
    """Starts a zygote wrapped as `strategy` says, whose workers' folders go in `scratch` (importing pyplot
    unless `plotting` is False); returns the process and the grader's end of its control socket."""
    home, _ = strategy.seen_from_zygote(scratch, scratch)  # the scratch folder, as the zygote sees it
    if plotting:
        fontcache.seed(scratch / ".matplotlib", strategy.isolation.python)  # its MPLCONFIGDIR, see limits.py
    grader_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    arguments = ["zygote", str(zygote_end.fileno()), *([] if plotting else ["no-plotting"])]
    command, cwd = strategy.zygote_command(interpreter_command(strategy.isolation.python, *arguments), scratch)
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=worker_environment(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(zygote_end.fileno(),),
            start_new_session=True,
        )
    except BaseException:
        grader_end.close()
        raise
    finally:
        zygote_end.close()
    strategy.started(process.pid)
    return process, grader_end


def ask(control: socket.socket) -> dict[str, int | None]:
    """Returns the zygote's answer to the request just sent on `control`."""
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


@dataclass
class SharedForkServer:
    """A zygote started by a batch's parent before it forks its grading processes, which inherit this
    object: each connects with a control socket of its own (connect) and sweeps only its own workers."""

    isolation: Isolation
    process: subprocess.Popen[bytes]
    control: socket.socket
    """The parent's control socket: grading processes send their {"op": "connect"} on it, never a spawn."""
    scratch: Scratch

    def connect(self) -> socket.socket:
        """Returns a control socket of this process's own, served by the shared zygote."""
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            socket.send_fds(self.control, [json.dumps({"op": "connect"}).encode()], [theirs.fileno()])
        except OSError:
            mine.close()
            raise
        finally:
            theirs.close()
        return mine


@contextlib.contextmanager
def shared_fork_server(isolation: Isolation | None) -> Iterator[SharedForkServer | None]:
    """Yields a zygote for every grading process to share (see the module's note), or None where workers
    run as the grader's own user (then each grading process starts its own); kills it and all it ran on exit."""
    isolation = isolation or choose_isolation()
    strategy = strategy_for(isolation, GRADER_FOLDER)
    if not strategy.can_share:
        yield None
        return
    scratch = Scratch()
    try:
        process, control = start_zygote(strategy, scratch.path)
    except BaseException:
        scratch.remove()
        raise
    try:
        yield SharedForkServer(isolation, process, control, scratch)
    finally:
        strategy.close(process.pid)
        process.kill()
        process.wait()
        control.close()
        scratch.remove()
