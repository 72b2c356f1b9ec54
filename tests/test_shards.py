"""Shards and merge: N shards graded apart and merged give what one run gives; mismatches are refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from grader.batch.shards import Shard, in_shard, parse_shard, shard_of
from grader.cli import cli
from grader.errors import GraderError
from grader.grading.outcomes import Source
from grader.results import TIMING_FIELDS

FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
TOY = str(FIXTURES / "toy")
CLASS = {  # student: fixture submission; names like a real class's, several per outcome
    "an.nguyen": "good",
    "binh_tran": "wrong_double",
    "chloe-martin": "good",
    "dmitri.ivanov": "syntax_error",
    "emma_w": "raises_at_import",
    "fatima.zahra": "good",
    "gustavo.silva": "wrong_double",
    "hana.sato": "returns_always_equal",
    "ivan.petrov": "good",
}


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    for student, fixture in CLASS.items():
        shutil.copyfile(SUBMISSIONS / f"{fixture}.py", folder / f"{student}.py")
    return folder


@pytest.fixture(scope="module")
def graded(class_folder, tmp_path_factory) -> Path:
    """One run of the whole class, and three shards of it, under one folder."""
    root = tmp_path_factory.mktemp("graded")
    assert run("grade", str(class_folder), "-a", TOY, "-o", str(root / "single"), "-j", "1").exit_code == 0
    for k in (1, 2, 3):
        result = run(
            "grade", str(class_folder), "-a", TOY, "-o", str(root / f"shard{k}"), "-j", "1", "--shard", f"{k}/3"
        )
        assert result.exit_code == 0, result.output
    return root


def stable(results_json: Path) -> dict:
    return {k: v for k, v in json.loads(results_json.read_text()).items() if k not in TIMING_FIELDS}


def test_every_student_falls_in_exactly_one_shard_whatever_the_order():
    students = [f"student{i:04d}" for i in range(300)]
    for count in (1, 2, 3, 7):
        shards = [Shard(k, count) for k in range(1, count + 1)]
        assert sorted(s for shard in shards for s in students if shard.holds(s)) == sorted(students)
    sources = [Source(s, None) for s in students]
    assert in_shard(sources, Shard(2, 3)) == list(reversed(in_shard(list(reversed(sources)), Shard(2, 3))))


def test_the_shard_of_a_student_is_pinned_by_sha256():
    # A change of the hash would move students between shards of a run in progress: pin it.
    students = ("alice", "bob", "Nguyễn Văn An")
    assert [shard_of(s, 3) for s in students] == [3, 3, 1]
    assert [shard_of(s, 7) for s in students] == [2, 2, 3]
    assert shard_of("alice", 1) == 1


@pytest.mark.parametrize("spec", ["0/3", "4/3", "1/0", "3", "a/b", "-1/3", ""])
def test_a_shard_that_does_not_exist_is_refused(spec):
    with pytest.raises(GraderError):
        parse_shard(spec)


@pytest.mark.slow
def test_shards_merged_equal_one_run(graded, class_folder):
    shards = [graded / f"shard{k}" for k in (1, 2, 3)]
    counts = [len(list(s.glob("*/results.json"))) for s in shards]
    assert sum(counts) == len(CLASS) and all(counts), counts  # every shard graded someone, nobody twice
    merged = graded / "merged"
    result = run("merge", *map(str, shards), "-a", TOY, "-o", str(merged))
    assert result.exit_code == 0, result.output
    assert f"Merged {len(CLASS)} submissions" in result.output
    for name in ("gradebook.csv", "summary.html", "summary.md"):
        assert (merged / name).read_text() == (graded / "single" / name).read_text(), name
    assert not (merged / "changes.csv").exists() and not (graded / "single" / "changes.csv").exists()
    for student in CLASS:
        assert stable(merged / student / "results.json") == stable(graded / "single" / student / "results.json")
        assert (merged / student / "report.md").read_text() == (graded / "single" / student / "report.md").read_text()


@pytest.mark.slow
def test_a_student_in_two_shards_keeps_the_newest_result_with_a_line(graded, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(graded / "single", old)
    shutil.copytree(graded / "shard1", new)  # graded after the single run: its results are newer
    student = next(p.parent.name for p in new.glob("*/results.json"))
    result = run("merge", str(new), str(old), "-a", TOY, "-o", str(tmp_path / "merged"))
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith(f"in two shards: {student}:"))
    assert f"kept {new} " in line and f"dropped {old} " in line
    kept = json.loads((tmp_path / "merged" / student / "results.json").read_text())
    assert kept["graded_at"] == json.loads((new / student / "results.json").read_text())["graded_at"]


@pytest.mark.slow
def test_a_rerun_of_the_merge_lists_changed_scores(graded, tmp_path):
    shards = [graded / f"shard{k}" for k in (1, 2, 3)]
    merged = tmp_path / "merged"
    assert run("merge", *map(str, shards), "-a", TOY, "-o", str(merged)).exit_code == 0
    changed = tmp_path / "shard_regraded"
    shutil.copytree(graded / "single", changed)
    stored = json.loads((changed / "an.nguyen" / "results.json").read_text())
    stored |= {"score": 0.0, "graded_at": "9999-01-01T00:00:00.000000+00:00"}
    (changed / "an.nguyen" / "results.json").write_text(json.dumps(stored))
    result = run("merge", *map(str, shards), str(changed), "-a", TOY, "-o", str(merged))
    assert result.exit_code == 0, result.output
    assert "changed: an.nguyen 5 -> 0" in result.output
    assert (merged / "changes.csv").read_text().splitlines()[1].startswith("an.nguyen,,5,0,")  # no name: no roster


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("grader_version", "0.0.1", "was graded by grader 0.0.1, not "),
        ("assignment_digest", "f" * 64, "was graded with another version of assignment 'toy' (digest ffffffffffff"),
        ("assignment_digest", None, "(digest not recorded, now "),
    ],
)
@pytest.mark.slow
def test_results_of_another_grader_or_assignment_are_refused(graded, tmp_path, key, value, message):
    shard = tmp_path / "shard"
    shutil.copytree(graded / "shard2", shard)
    victim = next(shard.glob("*/results.json"))
    stored = json.loads(victim.read_text())
    if value is None:
        stored.pop(key)
    else:
        stored[key] = value
    victim.write_text(json.dumps(stored))
    result = run("merge", str(graded / "shard1"), str(shard), "-a", TOY, "-o", str(tmp_path / "merged"))
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
    assert not (tmp_path / "merged").exists()  # refused before writing anything


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "x.py", "-a", TOY, "--shard", "4/3"], "Error: --shard 4/3: shard 4 of 3 does not exist"),
        (["grade", "x.py", "-a", TOY, "--shard", "2"], "Error: --shard '2' is not K/N"),
        (["merge", "nowhere", "-a", TOY, "-o", "merged"], "Error: no such output folder: nowhere"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_text("x = 1\n")
    result = run(*args)
    assert result.exit_code == 2 and result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.slow
def test_merging_into_a_shards_own_folder_is_refused(graded):
    result = run("merge", str(graded / "shard1"), "-a", TOY, "-o", str(graded / "shard1"))
    assert result.exit_code == 2 and "is both a shard's output and the merge's" in result.output


def test_every_new_command_has_help():
    for command in ("merge", "similarity"):
        result = run(command, "--help")
        assert result.exit_code == 0 and len(result.output.splitlines()) > 5
