"""Limits count CPU seconds, not wall-clock seconds: a loaded machine grades exactly as an idle one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.batch.discovery import discover
from grader.batch.pool import grade_batch

PROJECT = Path(__file__).parent.parent
SLOW_LOADING_CELL = (
    "# Heavy imports and set-up, as real course notebooks have: about 0.7 s of CPU before anything else.\n"
    "import time\n\nimport numpy as np\n\nwhile time.process_time() < 0.7:\n    np.linalg.eigvals(np.eye(20))\n"
)


def notebook(cells: list[str]) -> str:
    def cell(source: str) -> dict:
        return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}

    return json.dumps({"cells": [cell(c) for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.mark.slow
def test_one_job_and_eight_jobs_give_identical_gradebooks_for_notebooks_slow_to_load(tmp_path):
    gd1d = load_assignment(PROJECT / "assignments" / "gd1d")
    correct = (gd1d.root / "examples" / "correct.py").read_text()
    wrong = (gd1d.root / "examples" / "records_x_before_update.py").read_text()
    folder = tmp_path / "class"
    for number in range(16):
        student = folder / f"student{number:02d}"
        student.mkdir(parents=True)
        body = correct if number % 2 == 0 else wrong
        student.joinpath("gradient_descent.ipynb").write_text(notebook([SLOW_LOADING_CELL, body]))
    sources = discover([folder], gd1d.submission_file)
    books = {}
    for jobs in (1, 8):
        summary = grade_batch(gd1d, sources, tmp_path / f"out{jobs}", jobs=jobs)
        assert summary.by_status == {"graded": 16}, summary.by_status
        books[jobs] = (tmp_path / f"out{jobs}" / "gradebook.csv").read_text()
    assert books[1] == books[8]
