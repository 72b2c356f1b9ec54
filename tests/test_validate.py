"""`grader validate`: an assignment is ready only when every check passes; every problem is listed."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import cli
from grader.course.validate import validate

FLAKY_TEST = """
import itertools

import pytest

_runs = itertools.count()


@pytest.mark.points(1)
@pytest.mark.hint("Nothing to fix: this test fails on the second submission of a session.")
def test_flaky(submission):
    assert next(_runs) != 1, "second run"


@pytest.mark.points(0)
def test_without_points_or_hint(submission):
    assert submission.double(1.0) is not None
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.slow
def test_a_ready_toy_passes(ready_toy):
    found = validate(load_assignment(ready_toy))
    assert found.problems == ()
    assert (found.tests, found.points) == (5, 5.0)
    result = run("validate", "-a", str(ready_toy))
    assert result.exit_code == 0, result.output
    assert result.stdout == (  # stderr may hold progress lines
        "OK: toy: reference 5/5 in 3 identical runs, starter 0, 5 hidden tests with points and hints, "
        "the student bundle leaks nothing.\n"
    )


def test_every_problem_is_listed_and_exit_1(ready_toy):
    folder = ready_toy
    (folder / "tests" / "hidden" / "test_more.py").write_text(FLAKY_TEST)
    shutil.copy(folder / "reference_toy.py", folder / "starter" / "toy.py")  # the starter gives the answer away
    hidden_line = "expect_close(submission.double(x), reference.double(x))"
    (folder / "README.md").write_text(f"# Toy\n\n    {hidden_line}\n")
    result = run("validate", "-a", str(folder))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "problem: the reference's run 2 differs from run 1: tests test_more.py::test_flaky gave other results",
        "problem: the starter scores 6, not 0; it passes test_more.py::test_flaky, test_toy.py::test_double[x=1], "
        "test_toy.py::test_double[x=2.5], test_toy.py::test_apply_calls_in_order, "
        "test_toy.py::test_double_on_seeded_array, ...",
        "problem: hidden test test_more.py::test_without_points_or_hint has no points (add @pytest.mark.points(N))",
        "problem: hidden test test_more.py::test_without_points_or_hint has no hint (add @pytest.mark.hint(...))",
        "problem: the hidden tests' points add up to 6, but assignment.toml says points = 5",
        "problem: the student bundle leaks: README.md holds 1 line(s) of tests/hidden/test_toy.py, "
        f"e.g. '{hidden_line}'",
        "problem: the student bundle leaks: toy.py is a copy of reference_toy.py",
        "toy is not ready: 7 problem(s).",
    ]


def test_a_reference_that_fails_and_a_starter_that_does_not_load(ready_toy):
    folder = ready_toy
    reference = folder / "reference_toy.py"
    # The reference is graded against itself, so only a test with a value written in it can catch this.
    reference.write_text(reference.read_text().replace("return 2 * np.asarray", "return 3 * np.asarray"))
    (folder / "starter" / "toy.py").write_text("def double(x:\n")
    (folder / "README.md").unlink()
    result = run("validate", "-a", str(folder))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "problem: the reference fails 1 hidden test(s), scoring 4 of 5: test_toy.py::test_apply_with_own_function"
    )
    assert lines[1].startswith("problem: the starter does not load (syntax_error): Python could not read toy.py")
    assert lines[2] == f"problem: the student README {folder.resolve() / 'README.md'} does not exist"
    assert lines[3] == "toy is not ready: 3 problem(s)."


NAMED_MISTAKES = """
from grader.authoring import N_, Finding, mistake


@mistake("halves", title=N_("double halves"), explanation=N_("{actual}"), fix=N_("x2"), when=("test_double*",))
def halves(submission, reference):
    value = float(submission.double(1.0))
    return Finding(expected=2.0, actual=value) if value == 0.5 else None


@mistake("unnamed", title=N_("never named"), explanation=N_("{actual}"), fix=N_("-"), when=("test_double*",))
def unnamed(submission, reference):
    return None


@mistake("harmless", title=N_("not a mistake"), explanation=N_("{actual}"), fix=N_("-"), when=("test_double*",))
def harmless(submission, reference):
    return None
"""
MUTANTS = """
from grader.authoring import mutant


@mutant("halves", replaces="double")
def halves(x):
    return np.asarray(x, dtype=np.float64) / 2


@mutant("unnamed", replaces="double")
def unnamed(x):
    return 3 * np.asarray(x, dtype=np.float64)


@mutant("harmless", replaces="double")
def harmless(x):
    return np.asarray(x, dtype=np.float64) * 2
"""


@pytest.mark.slow
def test_each_named_mistakes_mutant_must_lose_points_and_get_its_name(ready_toy):
    folder = ready_toy
    (folder / "diagnoses.py").write_text(NAMED_MISTAKES)
    (folder / "mutants.py").write_text(MUTANTS)
    found = validate(load_assignment(folder))
    assert found.mutants == 3
    assert found.problems == (
        "the mutant of the named mistake unnamed is named nothing, not unnamed",
        "the mutant of the named mistake harmless (mutants.py) keeps full marks",
    )


def test_unknown_assignment_is_a_usage_error():
    result = CliRunner().invoke(cli, ["validate", "-a", "nope"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: unknown assignment 'nope'")


def test_every_problem_of_assignment_toml_is_listed_in_one_run_and_exit_2(ready_toy):
    config = ready_toy / "assignment.toml"
    text = config.read_text(encoding="utf-8").replace("seed =", "sead =").replace("memory_mb = 400", "memory_mb = -4")
    config.write_text(text + "\n[late]\npercent_per_dy = 10\n", encoding="utf-8")
    (ready_toy / "reference_toy.py").rename(ready_toy / "elsewhere.py")
    result = run("validate", "-a", str(ready_toy))
    assert result.exit_code == 2, result.output
    toml, reference = config.resolve(), ready_toy.resolve() / "reference_toy.py"
    assert result.stdout.splitlines() == [
        f"problem: {toml}: unknown key assignment.sead; did you mean assignment.seed?",
        f"problem: {toml}: unknown key late.percent_per_dy; did you mean late.percent_per_day?",
        f"problem: {toml}: limits.memory_mb must be a positive integer, not -4; docs/authoring.md lists every key",
        f"problem: {toml}: assignment.seed is missing; set it to a positive integer under [assignment]",
        f"problem: the reference for toy is missing: {reference} does not exist; "
        f'add it, or set reference = "PATH" under [assignment] in {toml}',
        "toy cannot be loaded: 5 problem(s) to fix first.",
    ]
    # Other commands stop at the first problem, in one line.
    result = CliRunner().invoke(cli, ["release", "-a", str(ready_toy), "-o", str(ready_toy / "out")])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "assignment.sead" in result.output


def test_a_declared_language_needs_its_catalog_and_reports_in_it(ready_toy):
    from grader.course.preflight import language_problems

    config = ready_toy / "assignment.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("seed = 7", 'seed = 7\nlanguages = ["vi", "fr"]'), encoding="utf-8")
    assignment = load_assignment(ready_toy)
    catalog = assignment.locale / "vi" / "LC_MESSAGES" / "messages.po"
    assert language_problems(assignment) == [
        f"languages names 'vi' but {catalog} does not exist: run python -m grader.course.catalogs update toy and "
        "translate it, or leave 'vi' out of languages",
        "languages names 'fr' (assignment.toml), in which no report can be written: use some of en, vi",
    ]
    config.write_text(text, encoding="utf-8")  # English only, the default: no catalog needed
    assert language_problems(load_assignment(ready_toy)) == []
