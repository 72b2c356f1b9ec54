"""The project's own code stays clean: ruff's rule set and mypy on grader/ (both in the dev extra).

That the engine names no assignment is checked per assignment, in test_assignments.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).parent.parent


@pytest.mark.parametrize(
    "command",
    [
        pytest.param([sys.executable, "-m", "ruff", "check", "--no-cache", "."], id="ruff"),
        pytest.param([sys.executable, "-m", "mypy", "--no-incremental"], id="mypy", marks=pytest.mark.slow),
    ],
)
def test_linters_pass(command):
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
