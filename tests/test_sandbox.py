"""The worker process: limits, killing whole process trees, output capture, swappable launcher."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest

from grader.sandbox import protocol
from grader.sandbox.client import Worker
from grader.sandbox.isolation import choose_isolation
from grader.sandbox.launchers import ForkServerLauncher, SpawnLauncher
from grader.sandbox.limits import Limits

LIMITS = Limits(call_seconds=1, total_seconds=5, memory_mb=400, output_kb=1)


@pytest.fixture(scope="module")
def fork_servers():
    servers = {level: ForkServerLauncher(choose_isolation(level)) for level in ("strongest", "limits")}
    yield servers
    for server in servers.values():
        server.close()


@pytest.fixture
def fork_server(fork_servers):
    return fork_servers["strongest"]


@pytest.fixture(params=["fork server, strongest isolation", "fork server, limits only", "spawn"])
def launcher(request, fork_servers):
    """Every behaviour holds whichever way the worker was started and isolated."""
    if request.param == "spawn":
        return SpawnLauncher()
    return fork_servers["strongest" if "strongest" in request.param else "limits"]


def write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "submission.py"
    path.write_text(source)
    return path


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_call_returns_plain_data_and_student_errors_name_the_line(launcher, tmp_path):
    source = "import numpy as np\ndef f(x):\n    return np.asarray(x) * 2\ndef g():\n    return 1 / 0\n"
    with Worker(write(tmp_path, source), "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
        reply = worker.call("f", [protocol.encode([1.0, 2.0])], [])
        assert protocol.decode(reply.value).tolist() == [2.0, 4.0]
        error = worker.call("g", [], []).error
        assert error == {"type": "ZeroDivisionError", "message": "division by zero", "line": 5, "code": "return 1 / 0"}


def processes_with(token: str) -> list[int]:
    """Returns the pids of processes whose command line holds `token`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if token.encode() in Path(f"/proc/{entry}/cmdline").read_bytes() and alive(int(entry)):
                    found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.mark.slow
def test_timeout_kills_the_worker_and_orphans_in_new_sessions(launcher, tmp_path):
    token = f"grader-test-orphan-{uuid.uuid4().hex}"
    source = (
        "import os, subprocess, sys\n"
        "def spawn():\n"
        "    try:  # children in sessions of their own, and one orphaned by a double fork, as many as allowed\n"
        "        if os.fork() == 0:\n"
        "            try:\n"
        "                os.setsid()\n"
        f"                subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {token!r}])\n"
        "            finally:\n"
        "                os._exit(0)\n"
        "    except OSError:\n"
        "        pass\n"
        "    for _ in range(2):\n"
        "        try:\n"
        f"            subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', {token!r}],\n"
        "                             start_new_session=True)\n"
        "        except OSError:\n"
        "            pass\n"
        "    while True:\n"
        "        pass\n"
    )
    with Worker(write(tmp_path, source), "sub.py", LIMITS, launcher) as worker:
        worker.load()
        started = time.monotonic()
        reply = worker.call("spawn", [], [])
        # Within the wall-clock backstop, however busy the machine: waiting on the orphans would take 60 s.
        assert reply.limit == "time" and time.monotonic() - started < LIMITS.wall_seconds + 1
    deadline = time.monotonic() + 2
    while processes_with(token) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not processes_with(token)


def test_memory_error_is_reported_as_the_memory_limit(launcher, tmp_path):
    with Worker(
        write(tmp_path, "def hog():\n    return bytearray(2 * 1024 ** 3)\n"), "sub.py", LIMITS, launcher
    ) as worker:
        worker.load()
        assert worker.call("hog", [], []).limit == "memory"
        assert worker.call("hog", [], []).limit == "memory"  # still alive for the next call


@pytest.mark.slow
def test_total_time_limit_stops_further_calls(launcher, tmp_path):
    limits = Limits(call_seconds=1, total_seconds=1.5, memory_mb=400, output_kb=1)
    with Worker(write(tmp_path, "def spin():\n    while True:\n        pass\n"), "sub.py", limits, launcher) as worker:
        worker.load()
        assert worker.call("spin", [], []).limit == "time"
        assert worker.call("spin", [], []).limit == "total_time"
        assert worker.call("spin", [], []).limit == "total_time"


def test_output_beyond_the_cap_is_dropped_with_a_marker(launcher, tmp_path):
    with Worker(write(tmp_path, "print('x' * 5000)\n"), "sub.py", LIMITS, launcher) as worker:
        worker.load()
    output = worker.output  # read once the worker is closed: all it printed has been drained by then
    assert output.startswith("x" * 1024) and "output truncated" in output and "3977 bytes" in output


def test_worker_runs_in_a_private_directory_with_only_its_file(launcher, tmp_path):
    source = "import os\nprint(sorted(os.listdir('.')), os.getcwd() != os.environ['PWD_OF_GRADER'])\n"
    source = source.replace("os.environ['PWD_OF_GRADER']", repr(os.getcwd()))
    with Worker(write(tmp_path, source), "sub.py", LIMITS, launcher) as worker:
        worker.load()
        worker.close()  # its output is read to the end once it is stopped
        assert worker.output.strip() == "['sub.py'] True"


def test_launcher_is_a_parameter(tmp_path):
    started = []

    class RecordingLauncher(SpawnLauncher):
        def start(self, submission, file_name, limits):
            started.append(submission)
            return super().start(submission, file_name, limits)

    with Worker(write(tmp_path, "x = 1\n"), "sub.py", LIMITS, RecordingLauncher()) as worker:
        assert worker.load().ok
    assert started == [tmp_path / "submission.py"]


def test_a_warmed_fork_server_is_running_before_any_worker_is_asked_for(tmp_path):
    launcher = ForkServerLauncher(choose_isolation("strongest"))
    try:
        launcher.warm()
        assert launcher._zygote is not None and launcher._zygote.poll() is None
        with Worker(write(tmp_path, "x = 1\n"), "sub.py", LIMITS, launcher) as worker:
            assert worker.load().ok
    finally:
        launcher.close()


def test_a_forked_worker_never_collects_what_it_shares_with_the_fork_server(fork_server, tmp_path):
    # The fork server's imports are frozen out of the garbage collector: a collection in the worker
    # would otherwise touch (and copy) every page it shares with the fork server.
    source = "import gc\nprint('frozen', gc.get_freeze_count() > 10000)\n"
    with Worker(write(tmp_path, source), "sub.py", LIMITS, fork_server) as worker:
        assert worker.load().ok
        worker.close()
        assert worker.output.strip() == "frozen True"


def test_fork_server_comes_back_after_being_killed(fork_server, tmp_path):
    with Worker(write(tmp_path, "x = 1\n"), "sub.py", LIMITS, fork_server) as worker:
        assert worker.load().ok
    fork_server._zygote.kill()
    fork_server._zygote.wait()
    with Worker(write(tmp_path, "x = 1\n"), "sub.py", LIMITS, fork_server) as worker:
        assert worker.load().ok


def test_unseeded_randomness_is_the_same_in_every_worker(launcher, tmp_path):
    source = "import random\nimport numpy as np\nprint(random.random(), np.random.rand())\n"
    printed = []
    for _ in range(2):
        with Worker(write(tmp_path, source), "sub.py", LIMITS, launcher) as worker:
            worker.load()
            worker.close()
            printed.append(worker.output)
    assert printed[0] == printed[1] != ""


@pytest.mark.parametrize("forged", [b"not json", b'{"ok": true, "value": {"__pickle__": "x"}}'])
def test_forged_replies_never_pass_as_values(launcher, tmp_path, forged):
    from grader.grading.proxy import RemoteSubmission, SubmissionCallFailed

    source = (
        "import os, struct\n"
        "def forge():\n"
        f"    body = {forged!r}\n"
        "    for fd in os.listdir('/proc/self/fd'):\n"
        "        if os.readlink(f'/proc/self/fd/{fd}').startswith('socket:'):\n"
        "            os.write(int(fd), struct.pack('>I', len(body)) + body)\n"
        "    os._exit(0)\n"
    )
    with Worker(write(tmp_path, source), "sub.py", LIMITS, launcher) as worker:
        worker.load()
        with pytest.raises(SubmissionCallFailed) as failed:
            RemoteSubmission(worker).forge()
    assert failed.value.failure.kind in ("bad_value", "error")


def test_worker_cannot_import_the_reference_or_hidden_tests(launcher, tmp_path):
    project = str(Path(__file__).resolve().parent.parent)
    source = (
        "import importlib.util, sys\n"
        f"print({project!r} in sys.path, [importlib.util.find_spec(m) for m in ('reference', 'assignments')])\n"
    )
    with Worker(write(tmp_path, source), "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
        worker.close()
        assert worker.output.strip() == "False [None, None]"
