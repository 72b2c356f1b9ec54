"""assignment.toml is declared (grader/schema.py): an unknown key or table, or a value of the wrong type, is one
line naming the file, the dotted key and the closest known key, exit status 2 from every command; the loader
reads only declared keys; docs/authoring.md shows the declaration as the code has it."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from course import ASSIGNMENTS

import grader.assignment
from grader.assignment import Assignment, LatePolicy, PlotSpec, load_assignment
from grader.cli import cli
from grader.errors import GraderError
from grader.schema import ASSIGNMENT_TOML
from grader.settings import declared_keys, problems, render_markdown, tables

PROJECT = Path(__file__).parent.parent
TOY = Path(__file__).parent / "fixtures" / "toy"
GOOD = str(Path(__file__).parent / "fixtures" / "submissions" / "good.py")
CONFIG = "assignments/toy/assignment.toml"
DOCS = PROJECT / "docs" / "authoring.md"
BEGIN, END = "<!-- BEGIN assignment.toml keys", "<!-- END assignment.toml keys -->"
SEE = "; docs/authoring.md lists every key"
TABLES = {table.name for table in tables(ASSIGNMENT_TOML)}


@pytest.fixture
def toy_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the toy at assignments/toy/ in the working folder, so messages name assignments/toy/..."""
    folder = tmp_path / "assignments" / "toy"
    shutil.copytree(TOY, folder)
    monkeypatch.chdir(tmp_path)
    return folder


def edit(folder: Path, old: str, new: str) -> None:
    config = folder / "assignment.toml"
    text = config.read_text(encoding="utf-8")
    assert old in text, f"the toy has no {old!r} to edit"
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(folder: Path, text: str) -> None:
    with (folder / "assignment.toml").open("a", encoding="utf-8") as config:
        config.write(text)


def command_line(name: str, tmp_path: Path) -> list[str]:
    """Returns the command `name` with a submission for each argument and a path for each required option."""
    arguments = [name]
    for param in cli.commands[name].params:
        if isinstance(param, click.Argument) and param.required:
            arguments.append(GOOD)
        elif isinstance(param, click.Option) and param.required:
            arguments += [param.opts[0], str(tmp_path / "out")]
    return [*arguments, "-a", "assignments/toy"]


LOADS_AN_ASSIGNMENT = sorted(
    name for name, command in cli.commands.items() if any(p.name == "assignment_name" for p in command.params)
)


def test_every_command_loads_its_assignment():
    # `grader new` writes an assignment rather than loading one.
    assert LOADS_AN_ASSIGNMENT == sorted(set(cli.commands) - {"new"})


@pytest.mark.parametrize("name", LOADS_AN_ASSIGNMENT)
def test_a_typo_is_one_line_naming_the_closest_key_exit_2(toy_here, tmp_path, name):
    append(toy_here, "\n[late]\npercent_per_dy = 10\n")
    result = CliRunner().invoke(cli, command_line(name, tmp_path))
    problem = f"{CONFIG}: unknown key late.percent_per_dy; did you mean late.percent_per_day?"
    assert (result.exit_code, result.output) == (2, as_shown(name, problem))


def as_shown(command: str, problem: str) -> str:
    """Returns a command's output for one problem of assignment.toml: validate lists every problem in one
    run (tests/test_validate.py), the others stop at the first, in one line."""
    if command == "validate":
        return f"problem: {problem}\ntoy cannot be loaded: 1 problem(s) to fix first.\n"
    return f"Error: {problem}\n"


def test_a_wrong_type_is_one_line_exit_2(toy_here, tmp_path):
    edit(toy_here, "seed = 7", "seed = true")  # a boolean is no integer
    result = CliRunner().invoke(cli, command_line("validate", tmp_path))
    problem = f"{CONFIG}: assignment.seed must be a positive integer, not true; docs/authoring.md lists every key"
    assert (result.exit_code, result.output) == (2, as_shown("validate", problem))


def test_an_unknown_table_is_one_line_exit_2(toy_here, tmp_path):
    edit(toy_here, "[limits]", "[limts]")
    result = CliRunner().invoke(cli, command_line("check", tmp_path))
    assert (result.exit_code, result.output) == (
        2,
        f"Error: {CONFIG}: unknown table limts; did you mean limits?\n",
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('[assignment]\ntitle = "Toy assignment"', '[assignment]\ntitel = "Toy assignment"', (
            "unknown key assignment.titel; did you mean assignment.title?"
        )),
        ("[assignment]", "percent_per_day = 5\n[assignment]", (
            "unknown key percent_per_day; did you mean late.percent_per_day?"  # above every table's header
        )),
        ("seed = 7", "seed = 7\ncall_seconds = 1", (
            "unknown key assignment.call_seconds; did you mean limits.call_seconds?"  # in the wrong table
        )),
        ("seed = 7", "seed = 7\nhomepage = 1", (
            "unknown key assignment.homepage; [assignment] takes title, submission, points, seed, reference, secret, "
            "packages, languages; docs/authoring.md lists every key"
        )),
        ("[assignment]", "[extras]\nx = 1\n[assignment]", (
            "unknown table extras; its tables are assignment, limits, late, plots; docs/authoring.md lists every key"
        )),
        ("[[plots]]", "[[plot]]", "unknown table plot; did you mean plots?"),
        ("[[plots.runs]]", "[[plots.run]]", "unknown table plots[0].run; did you mean plots[0].runs?"),
        ('color = "tab:blue"', 'colour = "tab:blue"', (
            "unknown key plots[0].runs[0].colour; did you mean plots[0].runs[0].color?"  # before color is missing
        )),
        ("seed = 7", "seed = 7.0", "assignment.seed must be a positive integer, not 7.0" + SEE),
        ("points = 5", "points = true", "assignment.points must be a positive number, not true" + SEE),
        ("points = 5", "points = inf", "assignment.points must be a positive number, not inf" + SEE),
        ("points = 5", 'points = "5"', "assignment.points must be a positive number, not the string '5'" + SEE),
        ('title = "Toy assignment"', "title = { en = 'Toy' }", "assignment.title must be a string, not a table" + SEE),
        ("column = 0", "column = 0.0", "plots[0].panels[0].column must be an integer, not 0.0" + SEE),
        ("args = [4]", "args = 4", "plots[0].runs[0].args must be an array, not 4" + SEE),
        ("args = [4]", 'args = [4]\nkwargs = "n=4"', (
            "plots[0].runs[0].kwargs must be an inline table, not the string 'n=4'" + SEE
        )),
        ("[assignment]", "late = 3\n[assignment]", "late must be a table ([late]), not 3" + SEE),
        ("[[plots]]", "[plots]", "plots must be an array of tables ([[plots]]), not a table" + SEE),
        ("[[plots]]", "[[plotz]]", "unknown table plotz; did you mean plots?"),
        ('title = "Toy assignment"', "", (
            "assignment.title is missing; set it to a string under [assignment]"
        )),
        ("[limits]\ncall_seconds = 1\ntotal_seconds = 8\nmemory_mb = 400\noutput_kb = 2\n", "", (
            "[limits] is missing; add it with call_seconds, total_seconds, memory_mb, output_kb"
        )),
        ('[[plots.runs]]\nlabel = "steps"\ncolor = "tab:blue"\nfunction = "steps"\nargs = [4]\n', "", (
            "plots[0] has no [[plots.runs]]; add at least one [[plots.runs]] under it"
        )),
    ],
)  # fmt: skip
def test_each_mistake_is_one_line_naming_the_file_and_the_key(toy_here, old, new, message):
    edit(toy_here, old, new)
    with pytest.raises(GraderError) as raised:
        load_assignment(toy_here)
    assert str(raised.value) == f"{CONFIG}: {message}"


def test_ints_are_numbers_and_optional_keys_take_their_defaults(toy_here):
    edit(toy_here, "call_seconds = 1", "call_seconds = 1.5")
    edit(toy_here, "column = 0", "column = 0\nabout = 2")
    assignment = load_assignment(toy_here)
    assert assignment.limits.call_seconds == 1.5 and assignment.points == 5.0
    panel = assignment.plots[0].panels[0]
    assert (panel.about, panel.transform, panel.yscale) == (2.0, "identity", "linear")
    assert (assignment.late, assignment.secret, assignment.submission_kb) == (LatePolicy(), "", 1024)


@pytest.mark.parametrize("folder", [TOY, *ASSIGNMENTS], ids=lambda folder: folder.name)
def test_the_bundled_assignments_hold_to_the_declaration(folder):
    import tomllib

    config = tomllib.loads((folder / "assignment.toml").read_text(encoding="utf-8"))
    assert problems(ASSIGNMENT_TOML, config, "assignment.toml") == []
    assert load_assignment(folder).name == folder.name


EVERY_KEY = """
[late]
percent_per_day = 10
max_percent = 30
due = 2025-03-01T23:59:00+07:00
"""


def every_key_set(folder: Path) -> None:
    """Sets every optional key of the toy to a value other than its default."""
    edit(folder, "seed = 7", 'seed = 7\nsecret = "s3cret"')
    edit(folder, "output_kb = 2", "output_kb = 2\nsubmission_kb = 64")
    edit(folder, 'title = "Steps"', 'title = "Steps"\nxlabel = "round"')
    edit(folder, "args = [4]", "args = [4]\nkwargs = { scale = 2 }")
    edit(folder, "column = 0", 'column = 0\ntransform = "distance"\nabout = 1\nyscale = "log"')
    append(folder, EVERY_KEY)


class Recorded(dict):
    """Settings that note every key read from them, dotted without indices ("plots.runs.label")."""

    def __init__(self, values: dict[str, Any], where: str, reads: set[str]):
        super().__init__(values)
        self.where, self.reads = where, reads

    def __getitem__(self, name: str) -> Any:
        return self._noted(name, super().__getitem__(name))

    def get(self, name: str, default: Any = None) -> Any:
        return self._noted(name, super().get(name, default))

    def _noted(self, name: str, value: Any) -> Any:
        dotted = f"{self.where}.{name}" if self.where else name
        self.reads.add(dotted)
        if dotted in TABLES and isinstance(value, list):
            return [Recorded(item, dotted, self.reads) for item in value]
        return Recorded(value, dotted, self.reads) if dotted in TABLES else value


def test_the_loader_reads_every_declared_key_and_no_other(toy_here, monkeypatch):
    every_key_set(toy_here)
    reads: set[str] = set()
    read_settings = grader.assignment.read_settings
    monkeypatch.setattr(grader.assignment, "read_settings", lambda *args: Recorded(read_settings(*args), "", reads))
    assignment = load_assignment(toy_here)
    assert sorted(reads - TABLES - set(declared_keys(ASSIGNMENT_TOML))) == [], "declare it in grader/schema.py"
    assert sorted(set(declared_keys(ASSIGNMENT_TOML)) - reads) == [], "declared but never read: it does nothing"
    assert (assignment.secret, assignment.submission_kb, assignment.plots[0].xlabel) == ("s3cret", 64, "round")
    assert assignment.plots[0].runs[0].kwargs == (("scale", 2),)
    panel = assignment.plots[0].panels[0]
    assert (panel.transform, panel.about, panel.yscale) == ("distance", 1.0, "log")
    assert (assignment.late.percent_per_day, assignment.late.max_percent) == (10.0, 30.0)
    assert assignment.late.due is not None and assignment.late.due.isoformat() == "2025-03-01T23:59:00+07:00"


def test_only_the_loader_parses_assignment_toml():
    parsers = {
        path.relative_to(PROJECT).as_posix()
        for path in (PROJECT / "grader").rglob("*.py")
        if any(
            isinstance(node, ast.Import | ast.ImportFrom)
            and "tomllib" in ([alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module])
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        )
    }
    # gradescope.py reads the project's pyproject.toml, not an assignment's settings.
    assert parsers == {"grader/assignment.py", "grader/exports/gradescope.py"}


def test_the_dataclasses_defaults_are_the_declared_ones():
    defaults = {f"{table.name}.{key.name}": key.default for table in tables(ASSIGNMENT_TOML) for key in table.keys}
    late = LatePolicy()
    assert (late.percent_per_day, late.max_percent, late.due) == (
        defaults["late.percent_per_day"],
        defaults["late.max_percent"],
        defaults["late.due"],
    )
    fields = Assignment.__dataclass_fields__
    assert fields["submission_kb"].default == defaults["limits.submission_kb"]
    assert fields["secret"].default == defaults["assignment.secret"]
    assert PlotSpec.__dataclass_fields__["xlabel"].default == defaults["plots.xlabel"]


def test_every_message_is_one_line_with_a_fix():
    config: dict[str, Any] = {"assignment": {"title": "x\ny", "seed": False}, "extras": {}, "late": {"due": 1}}
    found = problems(ASSIGNMENT_TOML, config, "a.toml")
    assert found and all(error.fix and "\n" not in str(error) for error in found)


def test_the_docs_show_the_declaration(goldens):
    text = DOCS.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"{DOCS} lost its markers {BEGIN!r} ... {END!r}"
    head, rest = text.split(BEGIN, 1)
    comment, rest = rest.split("-->\n", 1)
    _, tail = rest.split(END, 1)
    rendered = render_markdown(ASSIGNMENT_TOML)
    if goldens.update:
        DOCS.write_text(f"{head}{BEGIN}{comment}-->\n{rendered}{END}{tail}", encoding="utf-8")
    assert rest.split(END, 1)[0] == rendered or goldens.update, (
        "docs/authoring.md's table of assignment.toml keys differs from grader/schema.py; refresh it with "
        "`.venv/bin/python -m pytest tests/test_schema.py --update-goldens` and review the diff"
    )
