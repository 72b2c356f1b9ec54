"""One fork server for a batch's grading processes: what each one's workers may do to the others' (nothing),
what a sweep reaches (its own), and what happens when the shared server goes (each starts its own)."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from grader.sandbox.client import Worker
from grader.sandbox.forkserver import SharedForkServer, shared_fork_server
from grader.sandbox.isolation import LIMITS_ONLY, Isolation, choose_isolation
from grader.sandbox.launchers import ForkServerLauncher
from grader.sandbox.limits import Limits

LIMITS = Limits(call_seconds=5, total_seconds=10, memory_mb=400, output_kb=4)
SHARING = choose_isolation("strongest")
needs_sharing = pytest.mark.skipif(os.geteuid() != 0, reason="only workers that run as users of their own share")

# A worker that waits for another user's worker to appear, then tries to signal every process it sees.
PROBE = """
import os, time

def probe():
    mine = os.getuid()
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        others = [p for p in os.listdir('/proc') if p.isdigit() and owner(p) not in (None, mine, 0)]
        if others:
            break
        time.sleep(0.02)
    reached = []
    for pid in (int(p) for p in os.listdir('/proc') if p.isdigit()):
        try:
            os.kill(pid, 9 if pid not in (os.getpid(),) else 0)
            reached.append(pid)
        except OSError:
            pass
    return [len(others), reached == [os.getpid()]]

def owner(pid):
    try:
        with open(f'/proc/{pid}/status') as status:
            return int(next(line for line in status if line.startswith('Uid:')).split()[1])
    except (OSError, StopIteration):
        return None
"""

# A worker that stays until the probe has had its go, then answers.
BYSTANDER = """
import time

def wait():
    time.sleep(1.5)
    return 'still here'
"""


def _grading_process(shared: SharedForkServer, source: str, function: str, folder: Path, results) -> None:
    """What a batch's grading process does with the shared server, reduced to one worker and one call."""
    launcher = ForkServerLauncher(shared=shared)
    try:
        path = folder / f"{function}.py"
        path.write_text(source)
        with Worker(path, "sub.py", LIMITS, launcher) as worker:
            assert worker.load().ok
            reply = worker.call(function, [], [])
            used = launcher._server_pid()
        results.put((function, reply.ok, reply.value, launcher.worker_uid, used))
    finally:
        launcher.close()


@needs_sharing
def test_workers_beside_each_other_in_one_fork_server_cannot_signal_each_other(tmp_path):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    with shared_fork_server(SHARING) as shared:
        assert shared is not None
        processes = [
            context.Process(target=_grading_process, args=(shared, source, name, tmp_path, results))
            for source, name in ((BYSTANDER, "wait"), (PROBE, "probe"))
        ]
        for process in processes:
            process.start()
        got = {}
        for _ in processes:
            name, *rest = results.get(timeout=30)
            got[name] = tuple(rest)
        for process in processes:
            process.join()
        server = shared.process.pid
    seen, alone = got["probe"][1]
    # Inside bubblewrap the probe sees the other worker (hidden from it at the unprivileged level) and cannot
    # reach it, nor the fork server: its signals reached only itself.
    assert got["probe"][0] and seen == (1 if SHARING.level == "bubblewrap" else 0) and alone
    assert got["wait"][:2] == (True, "still here"), "the bystander outlived the probe"
    assert got["probe"][2] != got["wait"][2], "each grading process's workers run as a user of their own"
    assert got["probe"][3] == got["wait"][3] == server, "both were forked by the shared fork server"


def test_a_batch_shares_no_fork_server_where_workers_run_as_the_graders_user():
    with shared_fork_server(Isolation(LIMITS_ONLY)) as shared:
        assert shared is None


@pytest.fixture
def sharing(tmp_path):
    """A shared fork server, a grading process's launcher on it, and a file to load."""
    path = tmp_path / "sub.py"
    path.write_text("x = 1\n")
    with shared_fork_server(SHARING) as shared:
        assert shared is not None
        launcher = ForkServerLauncher(shared=shared)
        try:
            yield shared, launcher, path
        finally:
            launcher.close()


@needs_sharing
def test_a_grading_process_starts_its_own_fork_server_when_the_shared_one_is_gone(sharing):
    shared, launcher, path = sharing
    with Worker(path, "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
    shared.process.kill()
    shared.process.wait()
    with Worker(path, "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
    assert launcher._zygote is not None and launcher._server_pid() == launcher._zygote.pid


@needs_sharing
def test_a_grading_process_that_leaves_without_its_answer_does_not_take_the_fork_server_with_it(sharing):
    shared, launcher, path = sharing
    gone = shared.connect()
    gone.send(json.dumps({"op": "wait", "pid": 1}).encode())
    gone.close()  # before the answer comes: sending it fails in the fork server
    with Worker(path, "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
    assert launcher._zygote is None and launcher._server_pid() == shared.process.pid, "still the shared one"
