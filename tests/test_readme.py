"""The README's commands for a fresh machine are the ones CI runs, verbatim: what a newcomer types is tested."""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).parent.parent


def fresh_machine_commands() -> list[str]:
    """Returns the shell commands of the README's section for a fresh machine, in order."""
    readme = PROJECT.joinpath("README.md").read_text(encoding="utf-8")
    section = readme.split("## On a fresh machine", 1)[1].split("\n## ", 1)[0]
    return [line for block in re.findall(r"```bash\n(.*?)```", section, re.S) for line in block.splitlines()]


def test_the_readme_gives_two_commands_one_that_grades_the_examples_and_one_that_runs_the_tests():
    commands = fresh_machine_commands()
    assert len(commands) == 2
    assert "grader grade assignments/" in commands[0] and "python -m pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = PROJECT.joinpath(".ci", "run").read_text(encoding="utf-8").splitlines()
    assert fresh_machine_commands()[1] in ci
