"""Untrusted data stays data: whatever a submission returns, prints, raises or is named is bounded,
shown as text, and never becomes an error of the grader (issue #11, one test per finding at least)."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
import resource
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.assignment import Assignment, load_assignment, load_reference
from grader.batch.ids import OWN_OUTPUT, printable, report_folders
from grader.cli import cli
from grader.course.release import bundle_leaks
from grader.exports import ci
from grader.exports.gradebook import GradebookRow, read_gradebook, write_gradebook
from grader.exports.gradescope import results_json
from grader.exports.lms import read_roster, write_lms_gradebook
from grader.formatting import MAX_VALUE_CHARS, format_value
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.grading.plotdata import build_plot
from grader.grading.plugin import submission_inputs_key
from grader.grading.proxy import FunctionRef
from grader.reports.bounds import MAX_REPORT_BYTES
from grader.reports.student import build_context, render_markdown, write_reports
from grader.results import Failure, Status, SubmissionResult
from grader.sandbox import protocol
from grader.text import text


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- 1. one size budget, enforced in the worker's encoder and again in the trusted decoder ---------------


def test_the_encoder_refuses_a_string_over_the_budget_naming_it():
    with pytest.raises(protocol.UnsupportedValue, match=f"at most {protocol.MAX_STRING_CHARS}"):
        protocol.encode(["ok", "x" * (12 * 2**20)])


def test_a_class_name_of_megabytes_is_cut_in_the_refusal():
    huge = type("C" * 4 * 2**20, (), {})
    with pytest.raises(protocol.UnsupportedValue) as refused:
        protocol.encode(huge())
    assert len(str(refused.value)) < 2 * protocol.MAX_NAME_CHARS
    assert "more characters cut" in str(refused.value)


@pytest.mark.slow
def test_the_encoder_refuses_too_many_items_and_too_large_a_reply():
    with pytest.raises(protocol.UnsupportedValue, match=f"at most {protocol.MAX_ITEMS}"):
        protocol.encode([[0.5]] * protocol.MAX_ITEMS)
    with pytest.raises(protocol.UnsupportedValue, match="at most 64 MB"):
        protocol.dumps({"value": ["y" * 9_000] * 8_000})


def test_the_decoder_checks_the_budget_again():
    with pytest.raises(protocol.ProtocolError, match=f"at most {protocol.MAX_STRING_CHARS}"):
        protocol.decode("x" * (protocol.MAX_STRING_CHARS + 1))
    with pytest.raises(protocol.ProtocolError, match="64-bit"):
        protocol.decode(protocol.loads(b'{"v": [1, ' + b"9" * 4000 + b"]}")["v"])
    with pytest.raises(protocol.ProtocolError, match=f"at most {protocol.MAX_ITEMS}"):
        protocol.decode([0] * (protocol.MAX_ITEMS + 1))


@pytest.mark.parametrize(
    "body",
    [
        b'{"ok":true,"value":[' + b"[]," * (20 * 2**20) + b"[]]}",  # the red team's bomb: nested empty lists
        b"[" * (60 * 2**20),  # nesting only
        b'["' + b'","' * (20 * 2**20) + b'"]',  # short strings
        b'{"v":"' + b'\\"' * (30 * 2**20),  # an unterminated string of escaped quotes
    ],
    ids=["empty-lists", "deep", "strings", "unterminated"],
)
def test_decoding_a_bomb_costs_bounded_time(body):
    started = cpu_seconds()
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(protocol.loads(body).get("value"))
    assert cpu_seconds() - started < 3.0  # 19 s and 3 GB for the first one before the budget


def test_replies_within_the_budget_still_cross():
    value = [[float(i), 2.0 * i, 0.1] for i in range(10_000)] + ["[{,:}]" * 100]
    assert protocol.decode(protocol.loads(protocol.dumps({"value": protocol.encode(value)})[4:])["value"]) == value


# -- the attacks, graded alone: each fails only its own calls ------------------------------------------

UNTRUSTED = Path(__file__).parent / "fixtures" / "untrusted"


@pytest.fixture(scope="module")
def graded(toy: Assignment):
    cache: dict[str, SubmissionResult] = {}

    def grade_attack(name: str) -> SubmissionResult:
        if name not in cache:
            cache[name] = grade(toy, Source(name, UNTRUSTED / f"{name}.py"))
        return cache[name]

    return grade_attack


def test_huge_strings_fail_the_call_naming_the_budget(graded, tmp_path, toy):
    result = graded("returns_huge_strings")
    assert (result.status, result.score) == (Status.GRADED, 1.0)
    assert all(f"at most {protocol.MAX_STRING_CHARS}" in t.message for t in result.tests if t.score == 0)
    write_reports(result, toy.title, tmp_path)
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) < 200_000


def test_a_huge_class_name_is_cut_in_the_reports(graded, tmp_path, toy):
    result = graded("returns_object_with_huge_class_name")
    assert result.score == 1.0
    write_reports(result, toy.title, tmp_path)
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) < 200_000  # 815 MB before


@pytest.mark.slow
def test_a_decode_bomb_fails_the_call_naming_the_budget_in_bounded_time(graded):
    started = cpu_seconds()
    result = graded("sends_decode_bomb")
    assert cpu_seconds() - started < 10  # four calls; 4 x 19 s before
    assert (result.status, result.score) == (Status.GRADED, 1.0)
    assert all(f"at most {protocol.MAX_ITEMS}" in t.message for t in result.tests if t.score == 0)


def test_an_array_shape_numpy_refuses_fails_the_call_not_the_grader(graded):
    # Issue 24: a reply tagged [2**62, 0] (no data, as its shape says) made NumPy raise: internal_error, exit 1.
    result = graded("sends_an_array_numpy_refuses")
    assert result.status is Status.GRADED
    assert all(t.failure is None or t.failure.kind != "internal" for t in result.tests)
    refused = [t for t in result.tests if "test_double" in t.name]  # the tests that read double's reply
    assert refused and all(t.failure is not None and t.failure.kind == "bad_value" for t in refused)
    assert all("array shape" in t.message for t in refused)


def test_a_number_too_large_for_float64_is_a_plot_note(graded):
    result = graded("sends_huge_int_history")
    assert (result.status, result.score) == (Status.GRADED, 5.0)
    notes = [note.render() for plot in result.plots for note in plot.notes]
    assert len(notes) == 1 and "64-bit" in notes[0]


def test_the_plot_data_names_a_number_too_large_for_float64(toy):
    class Returns:
        def function(self, name):
            return FunctionRef(name)

        def call_until_failure(self, calls):
            return [[[10**4000, 1.0], [2.0, 3.0]] for _ in calls], None

    plot = build_plot(toy.plots[0], load_reference(toy.reference_file), Returns())  # type: ignore[arg-type]
    assert "a number too large for float64" in plot.notes[0].render()


def test_the_one_formatter_bounds_every_value():
    assert len(format_value("x" * 12 * 2**20)) < 400
    assert format_value(10**5000) == "an integer of about 5001 digits"
    assert format_value([[[[[[[1]]]]]]]) == "[[[[[…]]]]]"
    assert len(format_value([["y" * 10_000] * 100] * 100)) <= MAX_VALUE_CHARS + 40
    assert format_value(type("Z" * 10**6, (), {})()).endswith("more characters cut]>")


def test_reports_stay_under_the_bound_whatever_the_result_holds(grade_toy, toy, tmp_path):
    honest = grade_toy("wrong_double")
    huge = "z" * 300_000
    failure = Failure.of("error", text("{x}", x=huge), exception=huge, call=huge, expected=huge, actual=huge)
    tests = tuple(dataclasses.replace(t, message=huge, failure=failure) for t in honest.tests)
    result = dataclasses.replace(honest, tests=tests, output=huge * 3, failure=failure)
    write_reports(result, toy.title, tmp_path)
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) <= MAX_REPORT_BYTES
    assert "more characters" in (tmp_path / "report.md").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["student"] == honest.student


def test_a_notebook_json_rejects_is_a_syntax_error_not_an_internal_error(toy, tmp_path):
    huge_int = tmp_path / "toy.ipynb"
    huge_int.write_text('{"cells": [], "nbformat": 4, "metadata": {"n": ' + "7" * 5000 + "}}")
    bomb = tmp_path / "bomb.ipynb"
    bomb.write_text('{"cells": [' + "[]," * 2_000_000 + "[]]}")
    for path in (huge_int, bomb):
        result = grade(toy, Source(path.stem, path), with_plots=False)
        assert result.status is Status.SYNTAX_ERROR, result.status_message


# -- 4. student ids: folders, terminal, spreadsheets ------------------------------------------------------


def test_an_id_never_becomes_one_of_the_graders_own_names_or_another_ids_folder():
    ids = ["gradebook.csv", "summary.html", "SUMMARY.MD", ".cache", "Alice", "alice", "Jos\u00e9", "Jose\u0301", "nul"]
    folders = report_folders([*ids, "bob", "ok.name-1"])
    assert folders["bob"] == "bob" and folders["ok.name-1"] == "ok.name-1"  # plain ids keep their name
    seen = [unicodedata.normalize("NFC", folder).casefold() for folder in folders.values()]
    assert len(set(seen)) == len(seen)
    assert not set(seen) & OWN_OUTPUT
    assert all(folder != student and "/" not in folder for student, folder in folders.items() if student in ids)
    assert report_folders(reversed([*ids, "bob"])) == report_folders([*ids, "bob"])  # order does not matter


def test_an_id_named_like_a_hashed_folder_still_gets_a_folder_of_its_own():
    taken = report_folders(["bob!"])["bob!"]
    folders = report_folders(["bob!", taken])
    assert folders[taken] != folders["bob!"]


def test_control_characters_in_an_id_are_shown_escaped():
    assert printable("\x1b[2J\x1b[31mred\u202egnp.exe\x07") == "\\x1b[2J\\x1b[31mred\\u202egnp.exe\\x07"
    assert printable("Zoë Ñúñez") == "Zoë Ñúñez"


@pytest.mark.parametrize("student", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\uff1d1"])
def test_a_cell_a_spreadsheet_would_run_is_neutralised(student, tmp_path):
    write_gradebook([(student, 1.0, 2.0, Status.GRADED)], tmp_path / "gradebook.csv")
    (row,) = read_gradebook(tmp_path / "gradebook.csv")
    assert row["student"] == "'" + student and row["score"] == "1"


def test_the_canvas_gradebook_keeps_its_id_column_as_the_roster_has_it(tmp_path):
    roster_csv = tmp_path / "roster.csv"
    roster_csv.write_text("Student,SIS Login ID,submission\n=cmd|' /C calc'!A0,-jdoe,-jdoe\n", encoding="utf-8")
    write_lms_gradebook(read_roster(roster_csv), [GradebookRow("-jdoe", 3.0, 5.0, "graded")], tmp_path / "lms.csv")
    with (tmp_path / "lms.csv").open(newline="", encoding="utf-8") as file:
        (row,) = csv.DictReader(file)
    assert row["SIS Login ID"] == "-jdoe"  # what Canvas matches the row by, byte for byte
    assert row["student"] == "'-jdoe" and row["Student"] == "'=cmd|' /C calc'!A0"
    assert row["score"] == "3"


# -- 5. student text is text in Markdown, and never a workflow command in a CI log ------------------------


def markdown_lines_outside_fences(markdown: str) -> list[str]:
    """Returns the lines of `markdown` that are not inside a fenced code block (fences are backtick runs)."""
    outside, fence = [], None
    for line in markdown.splitlines():
        run = re.match(r"^(`{3,})", line)
        if fence is None and run:
            fence = run[1]
        elif fence is not None and line.rstrip() == fence:
            fence = None
        elif fence is None:
            outside.append(line)
    return outside


def test_a_forged_heading_and_link_in_an_exception_stay_text(graded, toy):
    result = graded("raises_forged_markdown")
    markdown = render_markdown(build_context(result, toy.title, with_svgs=False))
    outside = markdown_lines_outside_fences(markdown)
    assert [line for line in outside if re.match(r" {0,3}# ", line)] == [markdown.splitlines()[0]]
    assert not any(re.match(r" {0,3}#+ .*5 / 5 points", line) for line in outside[1:])
    assert not any(re.search(r"(?<!\\)\]\(|(?<!\\)://|(?<!\\)www\.", line) for line in outside)
    assert "::add-mask::hidden" in markdown  # the printed output is shown, in a fence


def test_gradescope_output_is_the_same_safe_markdown(graded, toy):
    document = results_json(graded("raises_forged_markdown"), toy, "en")
    outside = markdown_lines_outside_fences(document["output"])
    assert not any(re.match(r" {0,3}#+ .*5 / 5 points", line) for line in outside[1:])


def test_workflow_commands_in_student_output_never_reach_the_ci_log_as_commands(tmp_path):
    submission = tmp_path / "toy.py"
    submission.write_bytes((UNTRUSTED / "raises_forged_markdown.py").read_bytes())
    environment = {"GITHUB_STEP_SUMMARY": None, "GITHUB_WORKSPACE": None}
    run = CliRunner().invoke(cli, ["ci", str(submission), "-a", str(UNTRUSTED.parent / "toy")], env=environment)
    lines = re.split(r"[\r\n]", run.output)
    commands = [line.strip() for line in lines if line.strip().startswith(("::", "##["))]
    assert commands and all(line.startswith("::error file=") for line in commands), commands
    assert "add-mask" not in "".join(commands) and ":\u200b:add-mask::hidden" in run.output


def test_an_id_that_is_a_workflow_command_is_neutralised_in_the_verdict(grade_toy):
    result = dataclasses.replace(grade_toy("good"), student="::add-mask::x")
    assert not ci.verdict(result, 0.0).line.startswith("::")


# -- 6. hidden inputs per submission ----------------------------------------------------------------------


def seeded_call(result: SubmissionResult) -> str:
    (test,) = [t for t in result.tests if t.name.endswith("test_double_on_seeded_array")]
    assert test.failure is not None and test.failure.call is not None
    return test.failure.call


@pytest.mark.slow
def test_each_submission_gets_seeded_inputs_of_its_own_and_the_same_ones_every_time(toy, tmp_path):
    wrong = (Path(__file__).parent / "fixtures" / "submissions" / "wrong_double.py").read_bytes()
    (tmp_path / "a.py").write_bytes(wrong)
    (tmp_path / "b.py").write_bytes(wrong + b"# the same code, another file\n")
    paths = (tmp_path / "a.py", tmp_path / "a.py", tmp_path / "b.py")
    first, again, other = (grade(toy, Source(path.stem, path)) for path in paths)
    assert seeded_call(first) == seeded_call(again) and first.to_json_dict()["tests"] == again.to_json_dict()["tests"]
    assert seeded_call(first) != seeded_call(other)
    assert (first.score, first.status) == (other.score, other.status)


@pytest.mark.slow
def test_answers_memorised_from_another_report_earn_nothing(toy, tmp_path):
    shown = grade(toy, Source("wrong", Path(__file__).parent / "fixtures" / "submissions" / "wrong_double.py"))
    inputs = [float(x) for x in re.findall(r"-?\d+\.\d+", seeded_call(shown))]
    replay = tmp_path / "replay.py"
    replay.write_text(
        "import numpy as np\n"
        f"SEEN = {inputs!r}\n"
        "def double(x):\n"
        "    x = np.asarray(x, dtype=np.float64)\n"
        "    if x.shape == (4,) and np.allclose(x, SEEN):\n"
        "        return x * 2  # the answers the other report showed\n"
        "    return x * 3\n"
        "def apply(function, n):\n    return [function(i) for i in range(n)]\n"
        "def steps(n):\n    return np.arange(2.0 * n).reshape(n, 2) + 1\n"
    )
    result = grade(toy, Source("replay", replay))
    assert [t.score for t in result.tests if t.name.endswith("test_double_on_seeded_array")] == [0.0]


def test_the_course_secret_changes_the_inputs_and_is_never_released(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(Path(__file__).parent / "fixtures" / "toy", folder)
    config = folder / "assignment.toml"
    secret = "course-secret-5f1e0c"
    config.write_text(config.read_text().replace("seed = 7\n", f'seed = 7\nsecret = "{secret}"\n'))
    assert load_assignment(folder).secret == secret
    assert submission_inputs_key(secret, "ab") != submission_inputs_key("", "ab")
    (folder / "starter").mkdir()
    (folder / "starter" / "toy.py").write_text("def double(x):\n    pass\n")
    (folder / "README.md").write_text(f"Your inputs are seeded with {secret}.\n")
    assert any("course secret" in leak for leak in bundle_leaks(load_assignment(folder)))


# -- 7. a size cap for .py submissions, checked before reading -------------------------------------------


@pytest.mark.slow
def test_a_python_file_over_the_cap_is_not_read(toy, tmp_path):
    huge = tmp_path / "huge.py"
    with huge.open("wb") as file:  # sparse: 1.5 GB on paper, nothing on disk
        file.truncate(1536 * 2**20)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = grade(toy, Source("huge", huge), with_plots=False)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KB: never read whole
    assert result.status is Status.SYNTAX_ERROR and "1572864 KB, more than the 1024 KB" in result.status_message
    small_cap = tmp_path / "toy"
    shutil.copytree(Path(__file__).parent / "fixtures" / "toy", small_cap)
    config = small_cap / "assignment.toml"
    config.write_text(config.read_text().replace("[limits]\n", "[limits]\nsubmission_kb = 1\n"))
    good = Path(__file__).parent / "fixtures" / "submissions" / "good.py"
    padded = tmp_path / "padded.py"
    padded.write_bytes(good.read_bytes() + b"#" * 2048 + b"\n")
    assert grade(load_assignment(small_cap), Source("padded", padded)).status is Status.SYNTAX_ERROR
    assert grade(load_assignment(small_cap), Source("good", good)).status is Status.GRADED
