"""The isolation level is a value: each command resolves it once and passes it down to the launcher.

Every command that starts workers is run with a fork server that logs the Isolation it was given to a
file (so that grading processes forked by `grade -j 2` and `audit -j 2` log theirs too). The level asked
for must reach every launcher, from the option or from GRADER_ISOLATION, and the grader must leave the
environment as it found it: it never writes a variable to tell its own processes the level.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.exports import gradescope
from grader.grading import grade as grade_module
from grader.grading import replay as replay_module
from grader.sandbox import launchers
from grader.sandbox.isolation import LIMITS_ONLY, Isolation, choose_isolation, isolation_for_grading, requested_level

FIXTURES = Path(__file__).parent / "fixtures"
TOY = FIXTURES / "toy"
SUBMISSIONS = FIXTURES / "submissions"
ALL = ("double", "apply", "steps")
"""The toy's functions."""


@pytest.fixture
def launched(monkeypatch, tmp_path) -> Callable[[], list[str]]:
    """Returns a function giving the level each fork server started so far was given ("none": no value)."""
    log = tmp_path / "launched.log"

    class LoggingLauncher(launchers.ForkServerLauncher):
        def __init__(self, isolation: Isolation | None = None, plotting: bool = True, shared=None) -> None:
            given = shared.isolation if shared is not None else isolation  # a batch's shared fork server's
            with log.open("a", encoding="utf-8") as file:  # appends: forked grading processes log here too
                file.write(f"{given.level if given is not None else 'none'}\n")
            super().__init__(isolation, plotting, shared)

    for module in (launchers, grade_module, replay_module):
        monkeypatch.setattr(module, "ForkServerLauncher", LoggingLauncher)
    return lambda: log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def environment() -> dict[str, str]:
    """Returns this process's environment but PYTEST_CURRENT_TEST: pytest's note of the test running, which
    the grading session (a pytest session in this same process) clears when it ends, as any nested one does."""
    return {name: value for name, value in os.environ.items() if name != "PYTEST_CURRENT_TEST"}


def toy_with_starter(tmp_path: Path, left: tuple[str, ...] = ALL) -> Path:
    """A copy of the toy assignment, ready for students, whose starter leaves the functions `left` to them."""
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    (folder / "README.md").write_text("# Toy\n\nWrite double, apply and steps.\n", encoding="utf-8")
    lines, function = (folder / "reference_toy.py").read_text(encoding="utf-8").splitlines(keepends=True), ""
    for number, line in enumerate(lines):
        if line.startswith("def "):
            function = line[len("def ") : line.index("(")]
        elif line.startswith("    return ") and function in left:
            lines[number] = "    raise NotImplementedError\n"
    (folder / "starter").mkdir()
    (folder / "starter" / "toy.py").write_text("".join(lines), encoding="utf-8")
    return folder


def test_the_option_comes_first_then_grader_isolation_then_the_strongest():
    assert requested_level("limits", {"GRADER_ISOLATION": "bubblewrap"}) == "limits"
    assert requested_level(None, {"GRADER_ISOLATION": "unprivileged"}) == "unprivileged"
    assert requested_level(None, {}) == "strongest"


def test_choosing_a_level_writes_no_environment_variable(monkeypatch):
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    before = environment()
    assert isolation_for_grading("limits").level == LIMITS_ONLY
    assert choose_isolation().level and choose_isolation("limits").level == LIMITS_ONLY
    assert environment() == before


COMMANDS = [
    pytest.param(["check", "{good}", "-a", "{toy}"], "limits", 0, ALL, id="check, GRADER_ISOLATION"),
    pytest.param(["ci", "{good}", "-a", "{toy}", "--isolation", "limits"], "strongest", 0, ALL, id="ci --isolation"),
    pytest.param(
        ["grade", "{good}", "-a", "{toy}", "-o", "{out}", "-j", "1", "--isolation", "limits"],
        "strongest",
        1,
        ALL,
        id="grade -j 1 --isolation",
    ),
    pytest.param(
        ["grade", "{good}", "{wrong}", "-a", "{toy}", "-o", "{out}", "-j", "2", "--isolation", "limits"],
        "strongest",
        2,
        ALL,
        id="grade -j 2 --isolation",
    ),
    pytest.param(["validate", "-a", "{toy}"], "limits", 0, ALL, id="validate, GRADER_ISOLATION"),
    pytest.param(
        ["audit", "-a", "{toy}", "-o", "{out}", "--seeds", "2", "-j", "2"],
        "limits",
        0,
        ("double",),  # few mutants: those of one function
        id="audit -j 2, GRADER_ISOLATION",
    ),
]
"""Per case: the command line, GRADER_ISOLATION while it runs, how many students' results.json to read, and
the functions the toy's starter leaves to students."""


@pytest.mark.parametrize(("arguments", "variable", "graded", "left"), COMMANDS)
@pytest.mark.slow
def test_the_level_the_command_chose_reaches_every_launcher_and_the_environment_is_untouched(
    arguments, variable, graded, left, launched, monkeypatch, tmp_path
):
    monkeypatch.setenv("GRADER_ISOLATION", variable)
    places = {"good": SUBMISSIONS / "good.py", "wrong": SUBMISSIONS / "wrong_double.py", "out": tmp_path / "out"}
    places["toy"] = toy_with_starter(tmp_path, left)
    before = environment()
    result = CliRunner().invoke(cli, [argument.format(**places) for argument in arguments])
    assert result.exit_code == 0, result.output
    assert environment() == before, "the grader changed its own environment"
    levels = launched()
    assert levels and set(levels) == {LIMITS_ONLY}, levels
    if graded:
        stored = [json.loads(path.read_text()) for path in sorted((tmp_path / "out").glob("*/results.json"))]
        assert [document["isolation"] for document in stored] == [LIMITS_ONLY] * graded
        assert f"Isolation: {LIMITS_ONLY}." in result.output


@pytest.mark.slow
def test_the_gradescope_entry_grades_at_the_level_of_grader_isolation(launched, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_ISOLATION", "limits")
    root = tmp_path / "autograder"
    shutil.copytree(TOY, root / "source" / "assignments" / "toy")
    (root / "submission").mkdir()
    shutil.copy(SUBMISSIONS / "good.py", root / "submission" / "toy.py")
    before = environment()
    assert gradescope.main([str(root)]) == 0
    assert environment() == before
    assert launched() == [LIMITS_ONLY]
    assert f"isolation: {LIMITS_ONLY}" in json.loads((root / "results" / "results.json").read_text())["output"]


@pytest.mark.slow
def test_library_grading_without_a_level_runs_at_the_strongest_and_ignores_the_variable(launched, monkeypatch):
    """A caller that passes no level gets the launcher's default, never a level from the environment."""
    from grader.assignment import load_assignment
    from grader.grading.grade import grade
    from grader.grading.outcomes import Source

    monkeypatch.setenv("GRADER_ISOLATION", "limits")
    result = grade(load_assignment(TOY), Source("good", SUBMISSIONS / "good.py"), with_plots=False)
    assert launched() == ["none"]
    assert result.isolation == choose_isolation().level
