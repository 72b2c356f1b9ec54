"""Progress: a tqdm bar on a terminal; off one (Slurm, CI), a plain heartbeat line and never a carriage return."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.cli import progress as progress_module
from grader.cli.progress import Progress

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
TOY = str(FIXTURES / "toy")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_a_line_goes_out_every_heartbeat_and_one_at_the_end():
    clock, stream = Clock(), io.StringIO()
    progress = Progress("grading", "submissions", stream=stream, terminal=False, every=30, clock=clock)
    progress(2, 10)  # a resumed run: two results kept from the run before
    for clock.now, finished in [(10.0, 3), (31.0, 4), (40.0, 5), (62.0, 6), (70.0, 10)]:
        progress(finished, 10)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and len(lines) == 3, lines
    assert [line.split(",")[0] for line in lines] == [
        "grading: 4/10 (40%) after 00:31",
        "grading: 6/10 (60%) after 01:02",
        "grading: 10/10 (100%) after 01:10",
    ]
    # The rate counts what this run graded (2 in 31 s), not the two it kept (4 in 31 s would be 0.13).
    assert " 0.06 submissions/s, about 01:33 left" in lines[0]


def test_a_short_run_off_a_terminal_prints_nothing():
    clock, stream = Clock(), io.StringIO()
    with Progress("grading", "submissions", stream=stream, terminal=False, every=30, clock=clock) as progress:
        for clock.now, finished in [(0.0, 0), (5.0, 1), (9.0, 2)]:
            progress(finished, 2)
    assert stream.getvalue() == ""


def test_a_long_wait_off_a_terminal_still_ends_with_a_line():
    clock, stream = Clock(), io.StringIO()
    with Progress("auditing", "gradings", stream=stream, terminal=False, every=30, clock=clock) as progress:
        progress(0, 1)
        clock.now = 45.0
        progress(1, 1)  # the first heartbeat is due now
        clock.now = 50.0
    assert stream.getvalue() == "auditing: 1/1 (100%) after 00:45,  0.02 gradings/s, about 00:00 left\n"


def test_on_a_terminal_tqdm_draws_the_bar_from_the_kept_results_on():
    stream = io.StringIO()
    with Progress("grading", "submissions", stream=stream, terminal=True) as progress:
        progress(2, 4)
        progress(3, 4)
        progress(4, 5)  # the total may grow as work is found
    drawn = stream.getvalue()
    assert drawn.startswith("\rgrading:  50%|") and "| 2/4 [" in drawn  # the kept results fill the bar from the start
    assert "| 4/5 [" in drawn.split("\r")[-1]


@pytest.mark.slow
def test_the_cli_prints_heartbeats_without_carriage_returns(tmp_path, monkeypatch):
    monkeypatch.setattr(progress_module, "HEARTBEAT_SECONDS", 0.0)  # a line for every submission
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("good", "wrong_double"):
        shutil.copyfile(SUBMISSIONS / f"{name}.py", folder / f"{name}.py")
    out = tmp_path / "out"
    graded = CliRunner().invoke(cli, ["grade", str(folder), "-a", TOY, "-o", str(out), "-j", "1"])
    assert graded.exit_code == 0, graded.output
    assert "\r" not in graded.output
    assert [line.split(" (")[0] for line in graded.stderr.splitlines()] == ["grading: 1/2", "grading: 2/2"]
    compared = CliRunner().invoke(cli, ["similarity", str(folder), "-a", TOY, "-o", str(tmp_path / "similar")])
    assert compared.exit_code == 0, compared.output
    assert "\r" not in compared.output and compared.stderr.startswith("comparing: ")
