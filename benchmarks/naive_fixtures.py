"""The naive baseline's pytest plugin: the hidden tests' fixtures, with the submission imported in-process.

This is how a grader without a trust boundary runs hidden tests: a fresh `python -m pytest` per
submission that imports the student's file directly. The benchmark times it beside `grader grade`.
The submission's path comes from the environment variable NAIVE_SUBMISSION.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from grader.grading.plugin import seeded_rng

REFERENCE = Path(os.environ["NAIVE_REFERENCE"])
SEED = int(os.environ.get("NAIVE_SEED", "0"))


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Scripted:
    def __init__(self, values):
        self.values, self.calls = list(values), []

    def __call__(self, *args, **kwargs):
        value = self.values[min(len(self.calls), len(self.values) - 1)]
        self.calls.append((args, kwargs))
        return value

    def bound(self, names):
        return [dict(zip(names, args, strict=False)) | kwargs for args, kwargs in self.calls]


class _Submission:
    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def function(self, name):
        return getattr(self._module, name)

    def scripted(self, values, name=None):
        return _Scripted(values)


def pytest_configure(config):
    config.addinivalue_line("markers", "points(n): points")
    config.addinivalue_line("markers", "hint(text): hint")


@pytest.fixture(scope="session")
def submission():
    return _Submission(_load(Path(os.environ["NAIVE_SUBMISSION"]), "student_submission"))


@pytest.fixture(scope="session")
def reference():
    return _load(REFERENCE, "reference_solution")


@pytest.fixture
def rng(request):
    return seeded_rng(SEED, "", request.node.nodeid)
