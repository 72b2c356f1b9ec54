"""The check after every test (conftest.py's no_process_survives) sees what a submission leaves running.

It must see an orphan (the process that started it is gone), and only this session's processes: another
test run on the same machine starts workers with the same user ids and attacks with the same marks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from processes import descends_from, leftovers

ORPHAN = """
import subprocess, sys
sleeper = [sys.executable, "-c", "import time; time.sleep(30)", "grader-attack"]
print(subprocess.Popen(sleeper, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)
"""


def _orphan() -> int:
    """Starts a sleeper marked as an attack's child from a process that exits at once; returns its pid."""
    return int(subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, check=True).stdout)


def test_an_orphan_left_by_a_submission_is_seen():
    pid = _orphan()
    try:
        assert any(line.startswith(f"{pid}: ") for line in leftovers())
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)  # the session adopted it, so it is the session's to reap
    assert not any(line.startswith(f"{pid}: ") for line in leftovers())


def test_only_descendants_of_the_session_count():
    parents = {10: 1, 20: 10, 30: 20, 40: 1, 50: 60, 60: 50}
    assert descends_from(30, 10, parents) and descends_from(20, 10, parents)
    assert not descends_from(40, 10, parents)  # another run's process, under init
    assert not descends_from(10, 10, parents)  # the session itself is no leftover
    assert not descends_from(50, 10, parents)  # a loop in a table read while processes come and go ends
