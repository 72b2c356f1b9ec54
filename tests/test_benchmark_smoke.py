"""The benchmarks still run end to end (a small N): their numbers belong in notes, not assertions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each runs a benchmark script in a fresh interpreter
PROJECT = Path(__file__).parent.parent


def test_batch_benchmark_prints_its_table():
    command = [sys.executable, str(PROJECT / "benchmarks" / "batch.py"), "--n", "12", "--sample", "3"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "grader grade -j 2" in result.stdout and "naive pytest+json-report" in result.stdout
    assert "x the naive baseline's throughput" in result.stdout
    for phase in ("tests", "worker start", "draw plots", "render reports"):
        assert phase in result.stdout


def test_plots_benchmark_draws_both_ways_and_prints_the_ratio():
    command = [sys.executable, str(PROJECT / "benchmarks" / "plots.py"), "--n", "4"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matplotlib, a figure per plot" in result.stdout and "frames (" in result.stdout
    assert "x as fast over the class" in result.stdout


def test_calls_benchmark_prints_its_figures():
    command = [sys.executable, str(PROJECT / "benchmarks" / "calls.py"), "--calls", "20", "--copies", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    for figure in ("one request per call", "one batch of all calls", "requests to the worker", "'tests' phase"):
        assert figure in result.stdout
