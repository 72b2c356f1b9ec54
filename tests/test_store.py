"""The run folder: results.json's one codec, and one way to finish a run, so a class graded in one run and the
same class graded in shards and merged leave the same OUT, file for file, and say the same."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from grader.batch.ids import printable
from grader.cli import cli
from grader.reports.results_file import FORMAT_KEY, RESULTS_FORMAT, decode_result, encode_result, read_result
from grader.reports.summary import SummaryEntry
from grader.results import TIMING_FIELDS

PROJECT = Path(__file__).parent.parent
GD1D = PROJECT / "assignments" / "gd1d"
FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
TOY = str(FIXTURES / "toy")
HOSTILE = "\x1b[2Jmallory"
"""A student id that clears the terminal when printed raw."""


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


def output_files(out: Path) -> dict[str, bytes]:
    """Returns every file a run wrote in OUT by its path, results.json without the keys that differ between two
    gradings of the same file (TIMING_FIELDS); .cache holds drawn plots, no output."""
    files = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        if relative.parts[0] == ".cache" or not path.is_file():
            continue
        data = path.read_bytes()
        if path.name == "results.json":
            stored = {k: v for k, v in json.loads(data).items() if k not in TIMING_FIELDS}
            data = json.dumps(stored, indent=2, ensure_ascii=False).encode()
        files[relative.as_posix()] = data
    return files


def assert_same_outputs(merged: Path, single: Path) -> None:
    expected, found = output_files(single), output_files(merged)
    assert sorted(found) == sorted(expected)
    for name, data in expected.items():
        assert found[name] == data, f"{name} differs between the merge and the single run"


def grade_single_and_shards(args: list[str], root: Path, shards: int) -> list[str]:
    """Grades into root/single and root/shardK; returns the single run's output lines."""
    single = run("grade", *args, "-o", str(root / "single"), "-j", "1")
    assert single.exit_code == 0, single.output
    for k in range(1, shards + 1):
        shard = run("grade", *args, "-o", str(root / f"shard{k}"), "-j", "1", "--shard", f"{k}/{shards}")
        assert shard.exit_code == 0, shard.output
        assert list((root / f"shard{k}").glob("*/results.json")), f"shard {k} graded no one: pick other ids"
    return single.output.splitlines()


def merge(root: Path, shards: int, assignment: str, *extra: str) -> click.testing.Result:
    outs = [str(root / f"shard{k}") for k in range(1, shards + 1)]
    merged = run("merge", *outs, "-a", assignment, "-o", str(root / "merged"), *extra)
    assert merged.exit_code == 0, merged.output
    return merged


# -- the codec -------------------------------------------------------------------------------------------------


def test_results_json_reads_back_what_the_batch_keeps(grade_toy, tmp_path):
    result = grade_toy("wrong_double")
    text = encode_result(result, "vi")
    assert json.loads(text)[FORMAT_KEY] == RESULTS_FORMAT
    stored = decode_result(text)
    assert stored.entry == SummaryEntry.from_result(result, "vi")
    assert (stored.fingerprint, stored.graded_at, stored.assignment_digest) == (
        result.fingerprint,
        result.graded_at,
        result.assignment_digest,
    )
    assert read_result(tmp_path) is None  # not finished
    (tmp_path / "results.json").symlink_to(tmp_path / "elsewhere.json")
    assert read_result(tmp_path) is None  # the grader never writes a link


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"format_version": 2, "student": "a"}', "format 2, not 1: written by another version of the grader"),
        ('{"student": "a", "score": 1, "max_score": 5}', "a key is missing or malformed (KeyError: 'status')"),
        ('{"student": 7, "score": 1, "max_score": 5, "status": "graded"}', "7 is not text"),
        ('{"student": "a", "score": 1, "max_score": 5, "status": "great"}', "'great' is not a valid Status"),
    ],
)
def test_a_results_json_this_grader_cannot_read_says_why(text, reason):
    with pytest.raises(ValueError) as raised:
        decode_result(text)
    assert reason in str(raised.value)


def test_a_file_written_before_the_format_was_recorded_reads_as_format_1():
    stored = decode_result('{"student": "a", "score": 1, "max_score": 5, "status": "graded", "late": true}')
    assert (stored.student, stored.score, stored.status, stored.late) == ("a", 1.0, "graded", True)
    assert (stored.language, stored.fingerprint) == ("en", "")


# -- one run, or shards and a merge --------------------------------------------------------------------------


@pytest.mark.slow
def test_an_lms_download_in_shards_merges_into_what_one_run_writes(tmp_path):
    """gd1d's examples as a Canvas download: the merge must keep the download's ID and Student columns."""
    examples = GD1D / "examples"
    file = "gradient_descent.py"
    canvas = {  # Canvas's names: {name}_{LATE_}{user id}_{submission id}_{file}
        f"ada_1001_5001_{file}": "correct",
        f"grace_LATE_1002_5002_{file}": "wrong_sign",
        f"alan_1003_5003_{file}": "syntax_error",
        f"edsger_1004_5004_{file}": "ignores_schedule",
    }

    def download(fixed: bool) -> Path:
        path = tmp_path / ("fixed.zip" if fixed else "download.zip")
        with zipfile.ZipFile(path, "w") as bundle:
            for name, example in canvas.items():
                example = "correct" if fixed and name.startswith("grace") else example  # grace fixed her sign
                bundle.writestr(name, (examples / f"{example}.py").read_bytes())
        return path

    args = ["-a", str(GD1D)]
    lines = grade_single_and_shards([str(download(False)), *args], tmp_path, 2)
    assert lines[-1].startswith("4 submissions in ")
    merged = merge(tmp_path, 2, str(GD1D))
    assert merged.output.splitlines()[-1].startswith("Merged 4 submissions: 3 graded, 1 syntax_error. Reports in ")
    header = (tmp_path / "merged" / "gradebook.csv").read_text().splitlines()[0]
    assert header == "student,Student,ID,score,max_score,percent,status,late"
    assert_same_outputs(tmp_path / "merged", tmp_path / "single")

    # A rerun after a fix: the single run and each shard resume, the merge lists the change as the run does.
    lines = grade_single_and_shards([str(download(True)), *args], tmp_path, 2)
    merged = merge(tmp_path, 2, str(GD1D))
    changed = [line for line in lines if line.startswith("changed: ")]
    assert len(changed) == 1 and changed[0].startswith("changed: 1002 ")
    assert [line for line in merged.output.splitlines() if line.startswith("changed: ")] == changed
    assert (tmp_path / "merged" / "changes.csv").is_file()
    assert_same_outputs(tmp_path / "merged", tmp_path / "single")


@pytest.mark.slow
def test_clashing_and_hostile_ids_with_a_roster_merge_into_what_one_run_writes(tmp_path):
    """Zoe and zoe share a folder on a case-blind disk, so one run names both folders apart; in shards each is
    alone. The merge must use the whole class's folders, the roster the shards recorded, and escape ids."""
    students = {"Zoe": "good", "zoe": "wrong_double", HOSTILE: "good", "bob": "syntax_error"}
    folder = tmp_path / "class"
    folder.mkdir()
    for student, fixture in students.items():
        shutil.copyfile(SUBMISSIONS / f"{fixture}.py", folder / f"{student}.py")
    roster = tmp_path / "roster.csv"
    roster.write_text("submission,Student,SIS User ID\nZoe,Zoe Lee,S-1\nbob,Bob Ng,S-2\nabsent,Al Sent,S-3\n")
    args = [str(folder), "-a", TOY, "--roster", str(roster)]

    grade_single_and_shards(args, tmp_path, 2)
    merged = merge(tmp_path, 2, TOY)  # no --roster: the shards recorded theirs
    assert "\x1b" not in merged.output
    assert (tmp_path / "merged" / "gradebook.csv").read_text().splitlines()[:2] == [
        "student,Student,SIS User ID,score,max_score,percent,status,late",
        "\x1b[2Jmallory,,,5,5,100,graded,no",
    ]
    assert_same_outputs(tmp_path / "merged", tmp_path / "single")

    shutil.copyfile(SUBMISSIONS / "wrong_double.py", folder / f"{HOSTILE}.py")
    lines = grade_single_and_shards(args, tmp_path, 2)
    merged = merge(tmp_path, 2, TOY)
    escaped = f"changed: {printable(HOSTILE)} 5 -> 1"
    assert escaped == "changed: \\x1b[2Jmallory 5 -> 1"
    assert escaped in lines and escaped in merged.output.splitlines()
    assert "\x1b" not in "\n".join(lines) + merged.output
    assert_same_outputs(tmp_path / "merged", tmp_path / "single")


@pytest.mark.slow
def test_merge_escapes_a_hostile_id_in_every_line_it_prints(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copyfile(SUBMISSIONS / "good.py", folder / f"{HOSTILE}.py")
    shard = tmp_path / "shard"
    assert run("grade", str(folder), "-a", TOY, "-o", str(shard), "-j", "1").exit_code == 0
    assert run("merge", str(shard), "-a", TOY, "-o", str(tmp_path / "merged")).exit_code == 0
    again = tmp_path / "again"
    shutil.copytree(shard, again)  # the same student in two shards, the later one with another score
    results = next(again.glob("*/results.json"))
    stored = json.loads(results.read_text()) | {"score": 0.0, "graded_at": "9999-01-01T00:00:00.000000+00:00"}
    results.write_text(json.dumps(stored))
    merged = run("merge", str(shard), str(again), "-a", TOY, "-o", str(tmp_path / "merged"))
    assert merged.exit_code == 0, merged.output
    lines = merged.output.splitlines()
    assert lines[0].startswith(f"in two shards: {printable(HOSTILE)}: kept {again} ")
    assert lines[1] == f"changed: {printable(HOSTILE)} 5 -> 0"
    assert "\x1b" not in merged.output
