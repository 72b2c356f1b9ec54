"""Reading assignment.toml: every mistake is one message naming the setting and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.assignment import find_assignment, load_assignment
from grader.errors import GraderError

TOY = Path(__file__).parent / "fixtures" / "toy"


@pytest.fixture
def toy_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "assignments" / "toy"
    shutil.copytree(TOY, folder)
    return folder


def test_toy_assignment_loads_with_its_limits_and_plots():
    assignment = load_assignment(TOY)
    assert (assignment.name, assignment.submission_file, assignment.points) == ("toy", "toy.py", 5.0)
    assert assignment.limits.call_seconds == 1 and assignment.limits.memory_mb == 400
    assert assignment.plots[0].runs[0].function == "steps"
    assert assignment.plots[0].xlabel == "step"  # the engine's word: the toy names no x axis


def test_a_plot_names_its_x_axis_in_the_assignments_words(toy_copy):
    config = toy_copy / "assignment.toml"
    config.write_text(config.read_text().replace('title = "Steps"\n', 'title = "Steps"\nxlabel = "round"\n'))
    assert load_assignment(toy_copy).plots[0].xlabel == "round"


def test_the_only_assignment_is_the_default(toy_copy):
    assert find_assignment(None, home=toy_copy.parent).name == "toy"


def test_name_or_path_selects_an_assignment(toy_copy):
    assert find_assignment("toy", home=toy_copy.parent).root == toy_copy.resolve()
    assert find_assignment(str(toy_copy), home=Path("/nonexistent")).name == "toy"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text + "\n[[", "assignment.toml is not valid TOML"),
        (
            lambda text: text.replace('submission = "toy.py"', ""),
            r"assignment.submission is missing; set it to a string under \[assignment\]",
        ),
        (
            lambda text: text.replace("memory_mb = 400", 'memory_mb = "lots"'),
            "limits.memory_mb must be a positive integer, not the string 'lots'",
        ),
        (lambda text: text.replace("memory_mb = 400", "memory_mb = 0"), "limits.memory_mb must be a positive integer"),
        (
            lambda text: text.replace('reference = "reference_toy.py"', 'reference = "nope.py"'),
            "the reference for toy is missing",
        ),
        (
            lambda text: text + '\n[[plots.panels]]\nylabel="y"\ncolumn=0\nyscale="cubic"\n',
            r"plots\[0\].panels\[1\].yscale must be one of \"linear\", \"log\", not the string 'cubic'",
        ),
        (
            lambda text: text.replace('title = "Steps"\n', 'title = "Steps"\nxlabel = 3\n'),
            r"plots\[0\].xlabel must be a string, not 3",
        ),
    ],
)
def test_bad_settings_name_the_setting_and_the_fix(toy_copy, edit, message):
    config = toy_copy / "assignment.toml"
    config.write_text(edit(config.read_text()))
    with pytest.raises(GraderError, match=message) as raised:
        load_assignment(toy_copy)
    assert raised.value.fix and "\n" not in str(raised.value)


def test_unknown_assignment_lists_the_known_ones(toy_copy):
    with pytest.raises(GraderError, match=r"unknown assignment 'nope'.*known: toy"):
        find_assignment("nope", home=toy_copy.parent)
