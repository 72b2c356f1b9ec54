"""The attack fixtures' expectations and helpers, shared by the adversarial suites of each isolation level."""

from __future__ import annotations

import dataclasses
import socket
import threading
from pathlib import Path

import pytest

from grader.assignment import Assignment
from grader.results import Status

ATTACKS = Path(__file__).parent / "fixtures" / "attacks"
SECRET_NAME, SECRET_VALUE = "GRADER_TEST_API_TOKEN", "tok-3141592653589793"
CALL_SECONDS = 0.3
"""The call limit of the attacks that hang (HANGS): they wait on it at every call, so 0.3 s instead of the
toy's 1 s makes them three times faster and proves the same. The others keep the toy's limit: an attack
that forks 200 children at import, or valid_but_slow's 0.25 s calls, must not be cut short by it."""
HANGS = frozenset({"loops_at_import", "sleeps_at_import", "loops_in_call", "sleeps_in_call", "ignores_sigterm"})
LOAD_SECONDS = 3
"""The load limit of the attacks whose honest load is slow (SLOW_LOADS): forking 200 children takes most of
a second on a busy machine when nothing caps processes (resource limits only), more than the toy's 1 s."""
SLOW_LOADS = frozenset({"starts_many_children"})
SHORT_BUDGET = frozenset({"sleeps_just_under_the_backstop"})
"""Attacks graded with CALL_SECONDS and a CPU budget of SHORT_BUDGET_SECONDS for the whole submission: its
wall-clock budget (4 × 0.6 = 2.4 s) then runs out at the third call that sleeps 1 s, below each call's 1.2 s
backstop, with a margin of 0.2 s either way."""
SHORT_BUDGET_SECONDS = 0.6
SLOW = frozenset(
    {
        "sleeps_at_import", "loops_in_call", "sleeps_in_call", "ignores_sigterm", "valid_but_slow",
        "sleeps_just_under_the_backstop", "escapes_cpu_limit_by_forking",
    }
)  # fmt: skip
"""The attacks that take over a second each to grade on 2 cores (measured: they wait on a limit, or their
honest calls are slow); their tests are marked slow (see slow_marked)."""


def slow_marked(names: list[str]) -> list:
    """Returns the attack names as pytest parameters, those in SLOW marked slow."""
    return [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in names]


def with_call_limit(assignment: Assignment, seconds: float) -> Assignment:
    """Returns the assignment with another limit for loading and for each call; everything else as set."""
    return dataclasses.replace(assignment, limits=dataclasses.replace(assignment.limits, call_seconds=seconds))


def with_short_calls(assignment: Assignment) -> Assignment:
    """Returns the assignment with the call limit CALL_SECONDS."""
    return with_call_limit(assignment, CALL_SECONDS)


def limited_for(name: str, assignment: Assignment) -> Assignment:
    """Returns the assignment to grade the attack `name` with: short calls for an attack that hangs, a long
    load for one whose honest load is slow, the toy's limits for the rest."""
    if name in SHORT_BUDGET:
        limits = dataclasses.replace(assignment.limits, call_seconds=CALL_SECONDS, total_seconds=SHORT_BUDGET_SECONDS)
        return dataclasses.replace(assignment, limits=limits)
    if name in HANGS:
        return with_short_calls(assignment)
    return with_call_limit(assignment, LOAD_SECONDS) if name in SLOW_LOADS else assignment


# attack → (status, score) that its honest values earn on the toy assignment (5 points).
EXPECTED = {
    "loops_at_import": (Status.TIMEOUT, 0.0),
    "sleeps_at_import": (Status.TIMEOUT, 0.0),
    "sys_exit_at_import": (Status.IMPORT_ERROR, 0.0),
    "os_exit_at_import": (Status.CRASHED, 0.0),
    "loops_in_call": (Status.GRADED, 1.0),
    "sleeps_in_call": (Status.GRADED, 1.0),
    "sys_exit_in_call": (Status.GRADED, 1.0),
    "os_exit_in_call": (Status.GRADED, 1.0),
    "ignores_sigterm": (Status.GRADED, 1.0),
    "leaves_children_running": (Status.GRADED, 5.0),
    "starts_many_children": (Status.GRADED, 5.0),
    "hogs_memory": (Status.GRADED, 1.0),
    "floods_output": (Status.GRADED, 5.0),
    "reads_environment_secrets": (Status.GRADED, 5.0),
    "reads_hidden_tests_and_reference": (Status.GRADED, 5.0),
    "writes_fake_results": (Status.GRADED, 0.0),
    "patches_pytest_numpy_builtins": (Status.GRADED, 0.0),
    "returns_always_equal": (Status.GRADED, 0.0),
    "returns_ndarray_subclass": (Status.GRADED, 0.0),
    "returns_huge_array": (Status.GRADED, 1.0),
    "planted_conftest": (Status.GRADED, 0.0),
    "connects_to_local_port": (Status.GRADED, 5.0),
    "valid_but_slow": (Status.GRADED, 5.0),
    # The holes of issue #10, one fixture each (symbolic links are in test_sandbox_holes.py: they never load).
    "leaves_deep_tree": (Status.GRADED, 5.0),
    "shares_ipc_with_the_next_worker": (Status.GRADED, 5.0),
    "forks_children_that_hold_memory": (Status.GRADED, 5.0),
    "writes_huge_files": (Status.GRADED, 5.0),
    "creates_user_namespace": (Status.GRADED, 5.0),
    "reads_classmates_submissions": (Status.GRADED, 5.0),
    # Issue 24: searches the disk for the course's files by name (test_unprivileged.py also gives it their paths).
    "reads_course_files_by_absolute_path": (Status.GRADED, 5.0),
    # Issue 24: CPU and wall-clock time counted for everything a submission starts, however it forks or sleeps.
    "escapes_cpu_limit_by_forking": (Status.GRADED, 1.0),  # as loops_in_call: every call to double() times out
    "sleeps_just_under_the_backstop": (Status.TIMEOUT, 1.0),  # two calls fit in the budget: test_double[x=1]
}
NOT_DEFENDED_WITHOUT_NAMESPACES = {
    # With resource limits only, a worker shares the grader's user, files and network (docs/security.md).
    "reads_hidden_tests_and_reference",
    "writes_fake_results",
    "connects_to_local_port",
    # No namespaces: /tmp, /dev/shm and IPC are the machine's own, and so are everyone's files.
    "leaves_deep_tree",
    "shares_ipc_with_the_next_worker",
    "writes_huge_files",
    "reads_classmates_submissions",
    "reads_course_files_by_absolute_path",
}


class Listener:
    """A TCP server on 127.0.0.1 that records whether anything connected."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


def attack_source(name: str, tmp_path: Path, listener: Listener) -> Path:
    if name == "planted_conftest":
        return ATTACKS / name / "toy.py"
    if name != "connects_to_local_port":
        return ATTACKS / f"{name}.py"
    path = tmp_path / f"{name}.py"
    path.write_text(
        "# Connects to a port the grader's machine opened on 127.0.0.1; honest values.\n"
        "import socket\n\nimport numpy as np\n\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), timeout=0.5).sendall(b'leak')\n"
        "    print('connected')\n"
        "except OSError as error:\n"
        "    print('no connection:', error)\n\n\n"
        "def double(x):\n    return np.asarray(x, dtype=np.float64) * 2\n\n\n"
        "def apply(function, n):\n    return [function(i) for i in range(n)]\n\n\n"
        "def steps(n):\n    return np.arange(2.0 * n).reshape(n, 2)\n"
    )
    return path
