"""Issue 22: every message says the true cause: the process limit, waiting rather than computing, the student's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.feedback import load_status
from grader.grading.grade import grade
from grader.grading.notebooks import Positions
from grader.grading.outcomes import Source
from grader.results import Status
from grader.sandbox.client import Reply, Worker
from grader.sandbox.limits import Limits

CAUSES = Path(__file__).parent / "fixtures" / "true_causes"
QUICK = Limits(call_seconds=0.3, total_seconds=3, memory_mb=400, output_kb=1)
"""A backstop of 1.2 s: a sleeping load or call costs little."""


@pytest.fixture(scope="module")
def graded(toy, session_launcher):
    cache = {}

    def grade_cause(name: str):
        if name not in cache:
            cache[name] = grade(toy, Source(name, CAUSES / f"{name}.py"), launcher=session_launcher)
        return cache[name]

    return grade_cause


def test_threads_refused_by_the_process_limit_name_the_limit(graded):
    result = graded("doubles_in_threads")
    message = next(test.message for test in result.tests if "double" in test.message)
    assert "can't start new thread" in message
    assert "at most 2 processes and threads together (its process limit)" in message
    assert "without multiprocessing, threads or subprocess" in message


def test_forking_at_load_names_the_process_limit(graded):
    result = graded("forks_runs_at_top_level")
    assert "BlockingIOError" in result.status_message
    assert "its process limit" in result.status_message


@pytest.mark.slow
def test_a_call_that_sleeps_is_said_to_wait_not_compute(graded):
    result = graded("waits_for_a_keypress_in_double")
    message = next(test.message for test in result.tests if "double(" in test.message)
    assert message.startswith("double(x=")
    assert "waited more than 4 s without computing: the time limit counts computing (1 s)" in message
    assert "took longer" not in message and "timed out" not in message


def test_a_reason_names_the_file_the_student_handed_in(graded):
    result = graded("toy_py")
    assert result.status is Status.IMPORT_ERROR
    assert "running the top level of toy_py.py raised AttributeError" in result.status_message
    assert "toy.py" not in result.status_message.replace("toy_py.py", "")


def _write(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "submission.py"
    path.write_text(source)
    return path


@pytest.mark.slow
def test_the_backstop_says_wait_and_the_cpu_limit_says_time(session_launcher, tmp_path):
    sleeper = _write(tmp_path, "import time\ndef f():\n    time.sleep(30)\ndef g():\n    while True:\n        pass\n")
    with Worker(sleeper, "sub.py", QUICK, session_launcher) as worker:
        assert worker.load().ok
        assert worker.call("f", [], []).limit == "wait"
    with Worker(sleeper, "sub.py", QUICK, session_launcher) as worker:
        assert worker.load().ok
        assert worker.call("g", [], []).limit == "time"


@pytest.mark.slow
def test_a_sleeping_load_is_said_to_wait(toy, session_launcher, tmp_path):
    with Worker(_write(tmp_path, "import time\ntime.sleep(30)\n"), "sub.py", QUICK, session_launcher) as worker:
        loaded = worker.load()
    assert loaded.limit == "wait"
    status, failure = load_status(loaded, toy, file_name="toy_sleeps.py")
    assert status is Status.TIMEOUT and failure is not None
    assert failure.message.startswith("loading toy_sleeps.py waited more than 4 s without computing")


def test_a_sleeping_cell_is_said_to_wait(toy):
    status, failure = load_status(Reply(ok=False, limit="wait", progress="3"), toy, Positions(((3, 1, 2),)))
    assert status is Status.TIMEOUT and failure is not None
    assert failure.message == (
        "running your notebook's cells waited more than 4 s without computing (cell 3 was running): "
        "remove time.sleep(), input() or whatever waits there."
    )


def test_a_later_cell_that_redefines_a_function_is_named(session_launcher):
    from grader.assignment import load_assignment

    gd1d = load_assignment(Path(__file__).parent.parent / "assignments" / "gd1d")
    notebook = CAUSES / "gd1d" / "derivative_redefined_for_exercise_2.ipynb"
    result = grade(gd1d, Source("redefines", notebook), launcher=session_launcher, with_plots=False)
    assert result.status is Status.GRADED
    assert result.status_message == (
        "your notebook defines derivative in cell 2 and again in cell 6: Python keeps the last definition, so the "
        "grader tested the derivative of cell 6. If that cell is for another exercise, give its function another name."
    )
    assert result.failure is not None and result.failure.cell == 6


def test_the_driver_reports_which_cells_define_each_function(tmp_path):
    from grader.sandbox import cells

    path = str(tmp_path / "converted.py")
    lines = ["def f():\n", "    return 1\n", "def g():\n", "    return 2\n", "def f():\n", "    return 3\n"]
    namespace: dict = {"__file__": path, "__name__": "converted"}
    cells.run_cells(namespace, [(1, 1, 2), (2, 3, 2), (3, 5, 2)], lines)
    assert cells.last_run["defined"] == {"f": [1, 3], "g": [2]}
