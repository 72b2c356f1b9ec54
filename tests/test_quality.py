"""The project's own code stays clean: ruff's rule set and mypy on grader/ (both in the dev extra)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    "command",
    [[sys.executable, "-m", "ruff", "check", "--no-cache", "."], [sys.executable, "-m", "mypy", "--no-incremental"]],
    ids=["ruff", "mypy"],
)
def test_linters_pass(command):
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_engine_names_no_assignment():
    words = ("gd1d", "gradient_descent", "time_decay_lr", "derivative")
    offenders = [
        f"{path.relative_to(PROJECT)}: {word}"
        for path in (PROJECT / "grader").rglob("*")
        if path.suffix in (".py", ".j2")
        for word in words
        if word in path.read_text()
    ]
    assert not offenders
