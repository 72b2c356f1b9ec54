"""Workers start with pyplot already imported (Agg) yet clean: no figure or setting left by anyone before."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.results import Outcome, Status
from grader.sandbox.client import Worker
from grader.sandbox.isolation import choose_isolation
from grader.sandbox.launchers import ForkServerLauncher, SpawnLauncher, may_plot
from grader.sandbox.limits import Limits

PLOTTING = Path(__file__).parent / "fixtures" / "plotting"
PROJECT = Path(__file__).parent.parent
LIMITS = Limits(call_seconds=2, total_seconds=10, memory_mb=512, output_kb=4)


@pytest.fixture(scope="module", params=["strongest", "limits", "spawn", "strongest without pyplot"])
def launcher(request):
    """Every behaviour holds whichever way the worker was started and isolated."""
    if request.param == "spawn":
        yield SpawnLauncher()
        return
    # Without pyplot in the fork server (`grader check` of a file that names no plotting library), a worker
    # that plots imports it itself, and behaves the same.
    level, plotting = request.param.split()[0], "without" not in request.param
    server = ForkServerLauncher(choose_isolation(level), plotting=plotting)
    yield server
    server.close()


def value(worker: Worker, function: str):
    reply = worker.call(function, [], [])
    assert reply.ok, reply
    return reply.value


@pytest.mark.slow
def test_a_figure_or_setting_one_student_leaves_is_not_seen_by_the_next(launcher):
    with Worker(PLOTTING / "leaves_a_figure_open.py", "submission.py", LIMITS, launcher) as first:
        assert first.load().ok
        assert value(first, "open_figures") == [1]
        assert value(first, "line_width") == 9.0
    with Worker(PLOTTING / "shows_a_plot_at_top_level.py", "submission.py", LIMITS, launcher) as second:
        assert second.load().ok
        assert value(second, "open_figures") == [1]  # its own figure only, numbered from 1
        assert value(second, "line_width") == 1.5
        assert value(second, "backend").lower() == "agg"


def test_the_reset_closes_figures_and_restores_settings_in_the_process_it_runs_in():
    # In a fresh interpreter: closing every figure of the test process would be a test of its own.
    script = textwrap.dedent(
        """
        import matplotlib.pyplot as plt
        from grader.sandbox import zygote
        plt.figure(); plt.figure()
        plt.rcParams["lines.linewidth"] = 9.0
        zygote._reset_plotting()
        assert plt.get_fignums() == [], plt.get_fignums()
        assert plt.rcParams["lines.linewidth"] == 1.5
        assert plt.get_backend().lower() == "agg"
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT, env={"MPLBACKEND": "Agg"}
    )
    assert result.returncode == 0, result.stderr


def test_a_notebook_that_shows_a_plot_at_top_level_loads_and_scores_full_marks(gd1d):
    notebook = PLOTTING / "shows_a_plot_at_top_level.ipynb"
    result = grade(gd1d, Source("plots", notebook), tests=gd1d.public_tests, with_plots=False)
    assert result.status is Status.GRADED, result
    assert result.tests and all(test.outcome is Outcome.PASSED for test in result.tests)


@pytest.fixture(scope="module")
def gd1d():
    from grader.assignment import load_assignment

    return load_assignment(PROJECT / "assignments" / "gd1d")


def test_a_file_that_names_a_plotting_library_gets_a_fork_server_with_pyplot(tmp_path):
    assert may_plot(PLOTTING / "shows_a_plot_at_top_level.ipynb") and may_plot(PLOTTING / "leaves_a_figure_open.py")
    plain = tmp_path / "plain.py"
    plain.write_text("import numpy as np\n\ndef double(x):\n    return 2 * x\n")
    assert not may_plot(plain)
    assert may_plot(tmp_path / "missing.py"), "a file that cannot be read may plot"
