"""Shared fixtures: the toy assignment the engine's tests grade, its fixture submissions, and golden files.

Golden files pin exact output (reports, results.json, example scores). When a change to them is intended,
rewrite them on purpose with `pytest --update-goldens` and review the diff before committing.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from processes import adopt_orphans, leftovers

from grader.assignment import Assignment, load_assignment
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.results import SubmissionResult
from grader.sandbox.launchers import ForkServerLauncher

FIXTURES = Path(__file__).parent / "fixtures"
TOY = FIXTURES / "toy"
SUBMISSIONS = FIXTURES / "submissions"
PROJECT = Path(__file__).parent.parent
UPDATE_GOLDENS = "--update-goldens"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        UPDATE_GOLDENS,
        action="store_true",
        help="rewrite every golden file from the output of the code as it is now, instead of comparing; "
        "review the diff before committing",
    )


@dataclass(frozen=True)
class Goldens:
    """Compares output with its golden file, or rewrites the file when pytest runs with --update-goldens."""

    update: bool

    def check(self, path: Path, actual: str) -> None:
        if self.update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        assert path.is_file(), f"{path} is missing; write it with pytest {UPDATE_GOLDENS} and review it"
        assert actual == path.read_text(encoding="utf-8"), (
            f"the output differs from {path}; if the change is intended, rerun pytest with {UPDATE_GOLDENS} "
            "and review the diff"
        )


@pytest.fixture(scope="session")
def goldens(pytestconfig: pytest.Config) -> Goldens:
    return Goldens(update=bool(pytestconfig.getoption(UPDATE_GOLDENS)))


def pytest_configure(config: pytest.Config) -> None:
    adopt_orphans()


@pytest.fixture(autouse=True)
def no_process_survives():
    """After every test, no process started by a submission is left running."""
    yield
    deadline = time.monotonic() + 3
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not leftovers(), "processes started by a submission are still running"


@pytest.fixture(scope="session")
def toy() -> Assignment:
    return load_assignment(TOY)


@pytest.fixture
def ready_toy(tmp_path: Path) -> Path:
    """A copy of the toy assignment with what students get besides the tests: a starter and a README."""
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    (folder / "starter").mkdir()
    (folder / "starter" / "toy.py").write_text(
        "def double(x):\n    raise NotImplementedError\n\n\n"
        "def apply(function, n):\n    raise NotImplementedError\n\n\n"
        "def steps(n):\n    raise NotImplementedError\n"
    )
    (folder / "README.md").write_text("# Toy\n\nWrite double, apply and steps.\n")
    return folder


@pytest.fixture(scope="session")
def toy_with_mistakes(tmp_path_factory: pytest.TempPathFactory) -> Assignment:
    """A copy of the toy assignment that names one mistake: "triples" (double multiplies by three)."""
    folder = tmp_path_factory.mktemp("named") / "toy"
    shutil.copytree(TOY, folder)
    shutil.copy(FIXTURES / "toy_diagnoses.py", folder / "diagnoses.py")
    shutil.copy(FIXTURES / "toy_mutants.py", folder / "mutants.py")
    return load_assignment(folder)


@pytest.fixture(scope="session")
def session_launcher():
    """One fork server at the strongest isolation, shared by the session's tests as a batch shares one: a
    fresh one costs most of a second (a warm interpreter, bubblewrap), a forked worker a few milliseconds."""
    launcher = ForkServerLauncher()
    yield launcher
    launcher.close()


@pytest.fixture(scope="session")
def grade_toy(toy: Assignment, session_launcher: ForkServerLauncher):
    """Grades a fixture submission of the toy once per session, from the session's fork server.

    Its workers inherit the environment the fork server started with: a test about what a worker sees of
    the grader's environment grades with a launcher of its own, started after it set the variable."""
    cache: dict[str, SubmissionResult] = {}

    def grade_fixture(name: str) -> SubmissionResult:
        if name not in cache:
            cache[name] = grade(toy, Source(name, SUBMISSIONS / f"{name}.py"), launcher=session_launcher)
        return cache[name]

    return grade_fixture
