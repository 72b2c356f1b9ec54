"""`grader audit`: mutants of the reference graded like submissions; survivors, equivalents, named mistakes.

The engine's behaviour is tested on copies of the toy assignment (three functions, a few tests); gd1d is
audited once in full (it must exit 0) and once with its hidden tests cut down to one file (exit 1).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import cli
from grader.course.audit import audit
from grader.course.mutation import mutants_of
from grader.exports import gradescope
from grader.grading import diagnosis
from grader.grading.proxy import RecordedCall, Scripted
from grader.grading.replay import Replayer, _same, variations
from grader.reports.audit import build_view, render_audit

PROJECT = Path(__file__).parent.parent
TOY = Path(__file__).parent / "fixtures" / "toy"

STARTER = (
    "def double(x):\n    raise NotImplementedError\n\n\n"
    "def apply(function, n):\n    raise NotImplementedError\n\n\n"
    "def steps(n):\n    raise NotImplementedError\n"
)
STEPS_TEST = """
import pytest

from grader.authoring import expect_close


@pytest.mark.points(1)
@pytest.mark.hint("Two values per step, counting up from 0.")
@pytest.mark.about("steps")
@pytest.mark.parametrize("n", [1, 3])
def test_steps(submission, reference, n):
    expect_close(submission.steps(n), reference.steps(n))
"""
DIAGNOSES = """
from grader.authoring import N_, Finding, mistake


@mistake("halves", title=N_("double halves"), explanation=N_("Got {actual}."), fix=N_("x2"), when=("test_double*",))
def halves(submission, reference):
    value = float(submission.double(1.0))
    return Finding(expected=2.0, actual=value) if value == 0.5 else None


@mistake("skips_first", title=N_("apply skips 0"), explanation=N_("Got {actual}."), fix="0", when=("test_apply*",))
def skips_first(submission, reference):
    return None  # recognises nothing, so its mutant is caught but never named
"""
MUTANTS = """
from grader.authoring import mutant

EQUIVALENT = {{"{equivalent}": "np.asarray of a float array is that array", "steps:gone:00000000": "gone"}}


@mutant("halves", replaces="double", description="x / 2")
def halves(x):
    return np.asarray(x, dtype=np.float64) / 2


@mutant("skips_first", replaces="apply")
def skips_first(function, n):
    return [function(i) for i in range(1, n)]
"""


def toy_copy(tmp_path: Path, *, steps_tested: bool = True, named: bool = False) -> Path:
    """A copy of the toy assignment with a starter; its steps() tested or not; with named mistakes or not."""
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    (folder / "starter").mkdir()
    (folder / "starter" / "toy.py").write_text(STARTER)
    if steps_tested:
        (folder / "tests" / "hidden" / "test_steps.py").write_text(STEPS_TEST)
    if named:
        (folder / "diagnoses.py").write_text(DIAGNOSES)
        reference = (folder / "reference_toy.py").read_text()
        keyword = next(m.id for m in mutants_of(reference, ["double"]) if m.operator == "keyword")
        (folder / "mutants.py").write_text(MUTANTS.format(equivalent=keyword))
    return folder


def run_audit(folder: Path | str, out: Path, *extra: str):
    return CliRunner().invoke(cli, ["audit", "-a", str(folder), "-o", str(out), *extra], catch_exceptions=False)


@pytest.fixture(scope="module")
def covered(tmp_path_factory):
    """The toy with every function tested, audited in 2 grading processes: (CLI result, audit.json, out)."""
    tmp_path = tmp_path_factory.mktemp("covered")
    out = tmp_path / "audit"
    result = run_audit(toy_copy(tmp_path), out, "-j", "2")
    return result, json.loads((out / "audit.json").read_text()), out


def by_id(data):
    return {mutant["id"]: mutant for mutant in data["mutants"]}


@pytest.mark.slow
def test_every_mutant_caught_exits_0_and_writes_three_files(covered):
    result, data, out = covered
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"toy: (\d+) mutants of 3 functions: \d+ caught, 0 survived, \d+ equivalent; 0 of 0 named mistakes "
        rf"caught and named by their own mutant\. Wrote {out}/audit\.json, {out}/audit\.html, {out}/audit\.md "
        r"in [\d.]+ s\.\nFairness over 8 seeds: 0 seed_dependent, 0 cascade, 0 false_name, 0 replay\.\n",
        result.stdout,  # stderr may hold progress lines
    )
    assert data["counts"] | data["fairness"] == data["counts"] | {
        "seed_dependent": [],
        "cascade": [],
        "false_name": [],
        "replay": [],
        "replay_pays": [],
        "undeclared_tests": [],
    }
    assert all(len(set(m["seed_scores"])) == 1 and len(m["seed_scores"]) == 8 for m in data["mutants"])
    assert {p.name for p in out.iterdir()} == {"audit.json", "audit.html", "audit.md"}
    assert data["functions"] == ["double", "apply", "steps"]
    assert data["counts"]["mutants"] == len(data["mutants"]) >= 20
    for mutant in data["mutants"]:
        assert set(mutant) >= {"id", "function", "description", "diff", "score", "max_score", "failed_tests"}
        assert set(mutant) >= {"diagnoses", "verdict"}
        assert mutant["diff"].startswith("--- reference/toy.py\n+++ mutant/toy.py\n")
        assert (mutant["verdict"] == "caught") == (mutant["score"] < data["reference_score"])
        assert (mutant["verdict"] == "caught") == bool(mutant["failed_tests"])


@pytest.mark.slow
def test_equivalent_mutants_are_shown_equal_by_their_values(covered):
    _, data, _ = covered
    equivalent = {m["description"]: m["note"] for m in data["mutants"] if m["verdict"] == "equivalent"}
    assert equivalent.keys() == {
        "`np.asarray(x, dtype=np.float64)` → `x`",
        "`np.asarray(x, dtype=np.float64)` → `np.asarray(x)`",
        "`return np.arange(2.0 * n).reshape(n, 2)` → `return abs(np.arange(2.0 * n).reshape(n, 2))`",
    }
    assert all(
        re.fullmatch(r"Same values as the reference on \d+ calls reaching \w+\.", n) for n in equivalent.values()
    )


@pytest.mark.slow
def test_caught_mutants_name_the_tests_that_caught_them(covered):
    _, data, out = covered
    dropped = next(m for m in data["mutants"] if m["description"] == "`range(n)` → `range(n - 1)`")
    assert dropped["verdict"] == "caught"
    assert "test_toy.py::test_apply_calls_in_order" in dropped["failed_tests"]
    markdown = (out / "audit.md").read_text()
    assert markdown.index("## Survivors") < markdown.index("## Named mistakes") < markdown.index("## Caught")
    assert "None: every mutant that changes a value loses points." in markdown
    score = f"{dropped['score']:g} / {dropped['max_score']:g}"
    assert f"| `{dropped['id']}` | `range(n)` → `range(n - 1)` | {score} | test\\_toy.py::test\\_apply" in markdown


@pytest.mark.slow
def test_a_hole_in_the_tests_exits_1_and_lists_the_survivors_first(tmp_path):
    out = tmp_path / "audit"
    result = run_audit(toy_copy(tmp_path, steps_tested=False), out, "-j", "1")
    assert result.exit_code == 1
    survived = [line for line in result.output.splitlines() if line.startswith("survived: ")]
    assert len(survived) >= 5 and all(line.startswith("survived: steps:") for line in survived)
    data = json.loads((out / "audit.json").read_text())
    survivors = [m for m in data["mutants"] if m["verdict"] == "survived"]
    assert {m["function"] for m in survivors} == {"steps"} and len(survivors) == len(survived)
    assert all(m["note"] == "Its value differs from the reference's on steps(n=4)." for m in survivors)
    markdown = (out / "audit.md").read_text()
    first = survivors[0]
    section = markdown[markdown.index("## Survivors") : markdown.index("## Named mistakes")]
    assert f"### `{first['id']}` in `steps`" in section and "```diff\n--- reference/toy.py" in section
    html = (out / "audit.html").read_text()
    assert html.index("✗ survived") < html.index('id="caught"')


@pytest.mark.slow
def test_named_mistakes_get_their_mutant_and_authors_list_equivalents(tmp_path):
    found = audit(load_assignment(toy_copy(tmp_path, named=True)))
    data = found.to_json()
    mutants = by_id(data)
    assert (mutants["halves"]["verdict"], mutants["halves"]["named"]) == ("caught", True)
    assert mutants["halves"]["diagnoses"] == ["halves"] and mutants["halves"]["description"] == "x / 2"
    assert (
        "-    return 2 * np.asarray(x, dtype=np.float64)\n+    return np.asarray(x, dtype=np.float64) / 2\n"
        in (mutants["halves"]["diff"])
    )
    assert (mutants["skips_first"]["verdict"], mutants["skips_first"]["named"]) == ("caught", False)
    listed = next(m for m in data["mutants"] if m["operator"] == "keyword")
    assert listed["verdict"] == "equivalent"
    assert listed["note"] == "Listed by the author: np.asarray of a float array is that array"
    assert data["stale_equivalents"] == ["steps:gone:00000000"]
    assert [(m["id"], m["mutant"], m["named"]) for m in data["mistakes"]] == [
        ("halves", "halves", True),
        ("skips_first", "skips_first", False),
    ]
    assert found.mistakes_caught_and_named() == 1
    markdown = render_audit(build_view(data), "md")
    assert "| apply skips 0 (`skips_first`) | `skips_first` | caught | no | – |" in markdown
    assert "1 named mistake(s) have no mutant in `mutants.py`, or a mutant that is not caught and named." in markdown
    assert "lists ids no mutant has any more (the reference changed): steps:gone:00000000" in markdown


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unknown", "Error: unknown assignment 'nope'"),
        ("no starter", "Error: the starter {folder}/starter/toy.py does not exist; add it: the audit mutates"),
        ("unknown mistake", "Error: {folder}/mutants.py has mutants of mistakes diagnoses.py does not name: halves"),
        ("bad mutants", "Error: mutants.py, line 2: @mutant needs the named mistake's id and the function it"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(tmp_path, setup, message):
    folder = toy_copy(tmp_path)
    if setup == "no starter":
        shutil.rmtree(folder / "starter")
    elif setup == "unknown mistake":
        (folder / "mutants.py").write_text(MUTANTS.format(equivalent="x"))
    elif setup == "bad mutants":
        (folder / "mutants.py").write_text('@mutant("halves")\ndef halves(x):\n    return x\n')
    result = CliRunner().invoke(cli, ["audit", "-a", "nope" if setup == "unknown" else str(folder)])
    assert result.exit_code == 2
    assert result.output.startswith(message.format(folder=folder.resolve())) and result.output.count("\n") == 1


def test_the_report_escapes_code_in_html():
    mutant = {
        "id": "f:comparison:12345678",
        "function": "f",
        "operator": "comparison",
        "description": "`a < b` → `a <= b`",
        "diff": "-    return a < b\n+    return a <= b\n",
        "score": 1.0,
        "max_score": 1.0,
        "failed_tests": [],
        "diagnoses": [],
        "verdict": "survived",
        "note": "Its value differs from the reference's on f(a=1, b=1).",
    }
    data = {
        "assignment": "x",
        "title": "<b>X</b>",
        "functions": ["f"],
        "reference_score": 1.0,
        "counts": {"mutants": 1, "caught": 0, "survived": 1, "equivalent": 0},
        "mutants": [mutant],
        "mistakes": [],
        "stale_equivalents": [],
        "seconds": 0.5,
    }
    html = render_audit(build_view(data), "html")
    assert "<code>a &lt; b</code> → <code>a &lt;= b</code>" in html and "<b>X</b>" not in html
    assert '<span class="removed">-    return a &lt; b</span><span class="added">+    return a &lt;= b</span>' in html
    markdown = render_audit(build_view(data), "md")
    assert "```diff\n-    return a < b\n+    return a <= b\n```" in markdown


@pytest.mark.slow
def test_replaying_calls_finds_where_values_differ(tmp_path):
    toy = load_assignment(TOY)
    wrong = tmp_path / "wrong" / "toy.py"
    wrong.parent.mkdir()
    wrong.write_text(
        toy.reference_file.read_text().replace("return [function(i) for i", "return [function(i + 1) for i")
    )
    calls = [RecordedCall("double", (1.5,), ()), RecordedCall("apply", (Scripted([1.0, 2.0]), 3), ())]
    with Replayer(toy) as replayer:
        assert replayer.first_difference(toy.reference_file, calls) is None
        assert replayer.first_difference(wrong, calls) is calls[1]  # values equal, the stand-in's calls differ


def test_values_are_the_same_by_number_shape_and_dtype():
    assert _same(9, 9.0) and _same(9.0, np.array(9.0)) and _same(float("nan"), np.array(np.nan))
    assert not _same(np.zeros(3), np.zeros(3, dtype=np.float32)) and not _same(np.zeros(3), np.zeros((3, 1)))
    assert not _same([1.0, 2.0], (1.0, 2.0)) and not _same(1.0, 1.0 + 1e-6) and not _same(None, 0)


def test_variations_scale_floats_keep_signs_and_retype_numbers():
    call = RecordedCall("f", (2.0, -0.5, 3, [1.0, 0.0]), (("flag", True),))
    varied = variations([call], 3, seed=1)
    assert len(varied) == 5
    for scaled in varied[:3]:
        x, y, n, items = scaled.args
        assert 0.5 <= x <= 8.0 and -2.0 <= y <= -0.125 and n == 3 and items[1] == 0.0 and scaled.kwargs == call.kwargs
    assert varied[3].args == (2, -0.5, 3, [1, 0]) and type(varied[3].args[0]) is int
    assert varied[4].args == (2.0, -0.5, 3.0, [1.0, 0.0]) and varied[4].kwargs == (("flag", True),)


def test_the_mutants_file_is_never_shipped(tmp_path):
    gd1d = load_assignment(PROJECT / "assignments" / "gd1d")
    assert (gd1d.root / "mutants.py").is_file()
    names = gradescope.build(gd1d, tmp_path / "autograder.zip")
    assert not any(name.endswith("mutants.py") for name in names)


# -- gd1d, once in full and once with one hidden test file ---------------------------------------------------


@pytest.mark.slow
def test_gd1d_hidden_tests_catch_every_mutant_and_name_every_mistake(tmp_path):
    # 4 seeds keep the suite's time in bounds; the closing notes quote the default 8 (grader audit -a gd1d).
    out = tmp_path / "audit"
    result = run_audit("gd1d", out, "-j", "2", "--seeds", "4")
    assert result.exit_code == 0, result.output
    data = json.loads((out / "audit.json").read_text())
    assert data["counts"]["mutants"] >= 20 and len({m["function"] for m in data["mutants"]}) >= 4
    assert data["counts"]["survived"] == 0
    assert all(m["verdict"] == "caught" and m["named"] for m in data["mistakes"])
    assert {p.name for p in out.iterdir()} == {"audit.json", "audit.html", "audit.md"}
    # The grade is fair: one score per mutant over 8 seeds, no points lost outside the function changed
    # (pipeline tests excepted), no false name, no lookup table earning more than its mistake.
    assert "Fairness over 4 seeds: 0 seed_dependent, 0 cascade, 0 false_name, 0 replay." in result.output
    assert all(len(m["seed_scores"]) == 4 and len(set(m["seed_scores"])) == 1 for m in data["mutants"])
    assert all(m["cascade_points"] == 0 and not m["false_names"] for m in data["mutants"])
    replays = data["fairness"]["replay"]
    assert len(replays) >= len(data["mistakes"]) and all(max(r["lookup_scores"]) <= r["score"] for r in replays)
    assert data["fairness"]["undeclared_tests"] == []


@pytest.mark.slow
def test_gd1d_with_one_hidden_test_file_lets_mutants_survive(tmp_path):
    for part in ("assignments", "reference"):
        shutil.copytree(PROJECT / part / "gd1d", tmp_path / part / "gd1d")
    hidden = tmp_path / "assignments" / "gd1d" / "tests" / "hidden"
    for test_file in hidden.glob("test_*.py"):
        if test_file.name != "test_derivative.py":
            test_file.unlink()
    out = tmp_path / "audit"
    result = run_audit(tmp_path / "assignments" / "gd1d", out, "-j", "2", "--seeds", "2")
    assert result.exit_code == 1
    survived = [line.split(": ")[1] for line in result.output.splitlines() if line.startswith("survived: ")]
    data = json.loads((out / "audit.json").read_text())
    assert sorted(survived) == sorted(m["id"] for m in data["mutants"] if m["verdict"] == "survived")
    functions = {m["function"] for m in data["mutants"] if m["verdict"] == "survived"}
    assert {"fixed_lr", "time_decay_lr", "gradient_lr", "gradient_descent"} <= functions
    assert "derivative" not in functions  # the one file left tests it well
    assert {"loop_ignores_schedule", "uphill_update"} <= set(survived)


# -- the four fairness checks, each on a toy built to break it ------------------------------------------------

SEED_DEPENDENT_TEST = """
import pytest

from grader.authoring import expect_close


@pytest.mark.points(1)
@pytest.mark.hint("Works on any number.")
@pytest.mark.about("double")
def test_double_at_one_seeded_number(submission, reference, rng):
    x = float(rng.uniform(-1, 1))  # one draw: a sign mistake is caught only when it is negative
    expect_close(submission.double(x), reference.double(x))
"""
CASCADE_TEST = """
import pytest

from grader.authoring import expect_close


@pytest.mark.points(1)
@pytest.mark.hint("apply calls the function it is given.")
@pytest.mark.about("apply")
def test_apply_with_double(submission):
    expect_close(submission.apply(submission.function("double"), 3), [0.0, 2.0, 4.0])  # judges double too
"""
REPLAYABLE_TEST = """
import pytest

from grader.authoring import expect_close


@pytest.mark.points(3)
@pytest.mark.hint("Multiply by two.")
@pytest.mark.about("double")
def test_double_at_fixed_numbers(submission, reference):
    expect_close(submission.call_each("double", [(3.0,), (4.0,)]), [6.0, 8.0])  # nothing of the student's own
"""
NAMES_ANY_WRONG_DOUBLE = """
from grader.authoring import N_, Finding, mistake


@mistake("halves", title=N_("double halves"), explanation=N_("Got {actual}."), fix=N_("x2"), when=("test_double*",))
def halves(submission, reference):
    value = float(submission.double(1.0))
    return Finding(expected=2.0, actual=value) if value != 2.0 else None  # claims any wrong double halves


@mistake("skips_first", title=N_("apply skips 0"), explanation=N_("Got {actual}."), fix="0", when=("test_apply*",))
def skips_first(submission, reference):
    return None
"""


def broken_toy(tmp_path: Path, test: str, *, named: bool = False) -> Path:
    folder = toy_copy(tmp_path, named=named)
    (folder / "tests" / "hidden" / "test_broken.py").write_text(test)
    return folder


@pytest.mark.parametrize(
    "test, named, line",
    [
        (SEED_DEPENDENT_TEST, False, r"seed_dependent: double:\w+:\w+ scored [\d, ]+"),
        (CASCADE_TEST, False, r"cascade: double:\w+:\w+ \(in double\) lost 1 points on tests about other functions"),
        (REPLAYABLE_TEST, True, r"replay: a lookup table of halves's report scored [\d.]+, the mistake [\d.]+"),
    ],
    ids=["seed_dependent", "cascade", "replay"],
)
@pytest.mark.slow
def test_an_assignment_built_to_break_a_fairness_check_fails_the_audit(tmp_path, test, named, line):
    out = tmp_path / "audit"
    result = run_audit(broken_toy(tmp_path, test, named=named), out, "-j", "2")
    assert result.exit_code == 1, result.output
    assert re.search(rf"^{line}$", result.output, re.MULTILINE), result.output
    data = json.loads((out / "audit.json").read_text())
    check = line.split(":")[0]
    assert data["counts"][check if check != "replay" else "replay_pays"] >= 1


@pytest.mark.slow
def test_a_name_no_model_bears_out_is_a_false_name_and_grading_never_attaches_one(tmp_path, monkeypatch):
    """With the grading gate in place the over-eager probe names nothing it cannot prove; with the gate
    taken away (as a bug would), the audit's own check finds the false names."""
    folder = toy_copy(tmp_path, named=True)
    (folder / "diagnoses.py").write_text(NAMES_ANY_WRONG_DOUBLE)
    gated = run_audit(folder, tmp_path / "gated", "-j", "1")
    assert "0 false_name" in gated.output, gated.output
    monkeypatch.setattr(diagnosis, "_proven", lambda models, evidence: bool(evidence))
    ungated = run_audit(folder, tmp_path / "ungated", "-j", "1")
    assert ungated.exit_code == 1 and re.search(r"^false_name: double:\w+:\w+ is named halves$", ungated.output, re.M)
    false = [m for m in json.loads((tmp_path / "ungated" / "audit.json").read_text())["mutants"] if m["false_names"]]
    assert false and all(m["function"] == "double" and m["mistake"] is None for m in false)
