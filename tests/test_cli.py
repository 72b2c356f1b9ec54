"""The CLI as users meet it: exit codes and the exact one-line messages for their mistakes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from grader.cli import cli
from grader.results import TIMING_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
TOY = str(FIXTURES / "toy")
SUBMISSIONS = FIXTURES / "submissions"


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_grade_writes_reports_and_gradebook_and_exits_0(tmp_path):
    out = tmp_path / "out"
    result = run(
        "grade",
        str(SUBMISSIONS / "good.py"),
        str(SUBMISSIONS / "syntax_error.py"),
        "-a",
        TOY,
        "-o",
        str(out),
        "-j",
        "1",
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2 submissions in ") and "1 graded, 1 syntax_error" in result.output
    for student in ("good", "syntax_error"):
        assert {p.name for p in (out / student).iterdir()} == {"results.json", "report.html", "report.md"}
    with (out / "gradebook.csv").open() as gradebook:
        rows = list(csv.DictReader(gradebook))
    assert [(r["student"], r["score"], r["status"]) for r in rows] == [
        ("good", "5", "graded"),
        ("syntax_error", "0", "syntax_error"),
    ]
    assert json.loads((out / "good" / "results.json").read_text())["score"] == 5.0


@pytest.mark.slow
def test_parallel_and_serial_batches_write_identical_results(tmp_path):
    names = ["good", "wrong_double", "syntax_error", "hangs_in_one_call"]
    paths = [str(SUBMISSIONS / f"{name}.py") for name in names]
    outputs = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}"
        assert run("grade", *paths, "-a", TOY, "-o", str(out), "-j", jobs).exit_code == 0
        outputs[jobs] = {
            name: {
                k: v for k, v in json.loads((out / name / "results.json").read_text()).items() if k not in TIMING_FIELDS
            }
            for name in names
        }
    assert outputs["1"] == outputs["2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["grade", "nowhere.py", "-a", TOY],
            "Error: no such file or folder: nowhere.py; check the path of the submissions to grade\n",
        ),
        (["check", "nowhere.py", "-a", TOY], "Error: no such file: nowhere.py; pass the path of your toy.py\n"),
        (["ci", "nowhere.py", "-a", TOY], "Error: no such file: nowhere.py; pass the path of the toy.py to grade\n"),
    ],
    ids=["grade", "check", "ci"],
)
def test_user_mistakes_name_the_fix(args, message):
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output) == (2, message)


GRADING = ("check", "grade", "ci", "validate", "audit")
"""The commands that start workers, so GRADER_ISOLATION applies to them."""
NOT_GRADING = ("release", "gradescope", "merge", "similarity", "new")
WRITES_AN_ASSIGNMENT = ("new",)
"""Commands that take no -a: they write an assignment (their own user mistakes: tests/test_new.py)."""


def command_line(name: str, submission: str, tmp_path: Path) -> list[str]:
    """Returns the command `name` with what it needs to run: `submission` for each argument it takes, a
    path in tmp_path for each option it requires."""
    arguments = [name]
    for param in cli.commands[name].params:
        if isinstance(param, click.Argument) and param.required:
            arguments.append(submission)
        elif isinstance(param, click.Option) and param.required:
            arguments += [param.opts[0], str(tmp_path / "out")]
    return arguments


GOOD = str(SUBMISSIONS / "good.py")
TAKES_A_FILE = [
    name for name, command in cli.commands.items() if any(isinstance(p, click.Argument) for p in command.params)
]
MISTAKES = [
    *((name, GOOD, "nonexistent", {}) for name in cli.commands if name not in WRITES_AN_ASSIGNMENT),
    *((name, "missing.py", TOY, {}) for name in TAKES_A_FILE if name not in WRITES_AN_ASSIGNMENT),
    *((name, GOOD, TOY, {"GRADER_ISOLATION": "bogus"}) for name in GRADING),
]
"""(command, submission, assignment, environment): one user mistake each, of every command."""


def test_every_command_is_sorted_into_grading_or_not():
    assert sorted(GRADING + NOT_GRADING) == sorted(cli.commands), "say whether a new command grades"


@pytest.mark.parametrize(
    ("name", "submission", "assignment", "environment"),
    MISTAKES,
    ids=[
        f"{name} " + ("GRADER_ISOLATION=bogus" if environment else "missing file" if submission != GOOD else f"-a {a}")
        for name, submission, a, environment in MISTAKES
    ],
)
def test_every_user_mistake_is_one_line_exit_2_no_traceback(name, submission, assignment, environment, tmp_path, capfd):
    result = CliRunner().invoke(cli, [*command_line(name, submission, tmp_path), "-a", assignment], env=environment)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    assert "Traceback" not in result.output
    # Nor did any process the command started print to the terminal behind the runner's back.
    assert capfd.readouterr() == ("", "")


def test_bad_toml_is_a_user_mistake(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "assignment.toml").write_text("[assignment\n")
    result = CliRunner().invoke(cli, ["grade", str(SUBMISSIONS / "good.py"), "-a", str(folder)])
    assert result.exit_code == 2 and "assignment.toml is not valid TOML" in result.output
    assert result.output.count("\n") == 1


@pytest.mark.slow
def test_check_passes_a_good_submission_and_fails_a_wrong_one():
    good = run("check", str(SUBMISSIONS / "good.py"), "-a", TOY)
    assert good.exit_code == 0 and "✓" in good.output
    wrong = run("check", str(SUBMISSIONS / "wrong_double.py"), "-a", TOY)
    assert wrong.exit_code == 1
    assert "double(1.0) should be 2.0" in wrong.output and "Multiply by two." in wrong.output


def test_every_command_has_help_text():
    for name, command in cli.commands.items():
        assert command.help, f"{name} has no help"
        assert run(name, "--help").exit_code == 0
