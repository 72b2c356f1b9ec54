"""Batches: parallel equals serial, reruns skip what is unchanged, Ctrl-C keeps finished work."""

from __future__ import annotations

import csv
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import own_processes

from grader.batch.pool import Interrupted, grade_batch
from grader.grading.outcomes import Source
from grader.results import TIMING_FIELDS

pytestmark = pytest.mark.slow  # every test grades a class end to end: seconds each on 2 cores
SUBMISSIONS = Path(__file__).parent / "fixtures" / "submissions"
NAMES = ["good", "wrong_double", "syntax_error", "exits_in_one_call"]


def sources(folder: Path, names=NAMES) -> list[Source]:
    return [Source(name, folder / f"{name}.py") for name in names]


@pytest.fixture
def class_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in NAMES + ["hangs_at_import"]:
        shutil.copy(SUBMISSIONS / f"{name}.py", folder / f"{name}.py")
    return folder


def stable_results(out: Path, names=NAMES) -> dict[str, dict]:
    return {
        name: {k: v for k, v in json.loads((out / name / "results.json").read_text()).items() if k not in TIMING_FIELDS}
        for name in names
    }


def test_results_do_not_depend_on_order_or_jobs(toy, class_folder, tmp_path):
    grade_batch(toy, sources(class_folder), tmp_path / "a", jobs=1)
    grade_batch(toy, list(reversed(sources(class_folder))), tmp_path / "b", jobs=2)
    assert stable_results(tmp_path / "a") == stable_results(tmp_path / "b")
    assert (tmp_path / "a" / "gradebook.csv").read_text() == (tmp_path / "b" / "gradebook.csv").read_text()


def test_rerun_skips_unchanged_and_reports_what_changed(toy, class_folder, tmp_path):
    out = tmp_path / "out"
    first = grade_batch(toy, sources(class_folder), out, jobs=2)
    assert first.skipped == 0 and len(first.graded) == 4
    untouched = (out / "good" / "results.json").stat().st_mtime_ns

    again = grade_batch(toy, sources(class_folder), out, jobs=2)
    assert again.skipped == 4 and not again.graded and not (out / "changes.csv").exists()
    assert (out / "good" / "results.json").stat().st_mtime_ns == untouched

    shutil.copy(SUBMISSIONS / "good.py", class_folder / "wrong_double.py")  # the student fixed their code
    fixed = grade_batch(toy, sources(class_folder), out, jobs=2)
    assert fixed.skipped == 3 and [g.row.student for g in fixed.graded] == ["wrong_double"]
    with (out / "changes.csv").open() as changes:
        assert list(csv.reader(changes)) == [
            ["student", "name", "old_score", "new_score", "old_status", "new_status", "late"],
            ["wrong_double", "", "1", "5", "graded", "graded", "no"],
        ]

    forced = grade_batch(toy, sources(class_folder), out, jobs=1, force=True)
    assert forced.skipped == 0 and len(forced.graded) == 4


def test_interrupted_serial_batch_keeps_finished_results_and_resumes(toy, class_folder, tmp_path):
    out = tmp_path / "out"

    def stop_after_first(finished, total):
        if finished:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        grade_batch(toy, sources(class_folder), out, jobs=1, on_progress=stop_after_first)
    assert stopped.value.finished == 1 and (out / "good" / "results.json").exists()
    resumed = grade_batch(toy, sources(class_folder), out, jobs=1)
    assert resumed.skipped == 1 and len(resumed.graded) == 3


def worker_processes() -> set[int]:
    """Returns the pids of this session's grader workers (forked or spawned) running now."""
    return {pid for pid, (command, _) in own_processes().items() if b"grader.sandbox.zygote" in command}


def test_ctrl_c_stops_a_parallel_batch_cleanly_and_the_next_run_resumes(toy, class_folder, tmp_path):
    out = tmp_path / "out"
    before = worker_processes()
    command = [
        sys.executable,
        "-m",
        "grader",
        "grade",
        str(class_folder),
        "-a",
        str(toy.root),
        "-o",
        str(out),
        "-j",
        "2",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not any((out / name / "results.json").exists() for name in NAMES) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)
    assert process.returncode == 130, stdout + stderr
    assert "Interrupted:" in stderr and "Run the same command again" in stderr and "Traceback" not in stderr
    time.sleep(0.2)
    assert worker_processes() <= before, "a worker outlived the interrupted batch"
    finished = {p.parent.name for p in out.glob("*/results.json")}
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"({len(finished)} unchanged, not regraded)" in resumed.stdout
    assert len(list(out.glob("*/results.json"))) == 5
