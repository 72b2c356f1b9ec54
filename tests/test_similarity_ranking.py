"""Similarity an instructor can cite: same files in any process, disguised copies first, no pair lost,
ids that cannot forge spreadsheet rows or collide with the report files."""

from __future__ import annotations

import csv
import itertools
import math
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from grader.batch.ids import report_folders
from grader.exports import similarity
from grader.grading.outcomes import Source

PROJECT = Path(__file__).parent.parent
STARTER = PROJECT / "assignments" / "gd1d" / "starter" / "gradient_descent.py"
sys.path.insert(0, str(PROJECT / "benchmarks"))
from planted_class import planted_class  # noqa: E402


def write_planted(folder: Path) -> list[tuple[str, str]]:
    codes, planted = planted_class()
    folder.mkdir()
    for student, code in codes.items():
        (folder / f"{student}.py").write_text(code, encoding="utf-8")
    return planted


@pytest.mark.slow
def test_the_output_is_byte_identical_whatever_the_hash_seed(tmp_path):
    write_planted(tmp_path / "class")
    outputs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out{seed}"
        command = [sys.executable, "-m", "grader", "similarity", str(tmp_path / "class"), "-a", "gd1d", "-o", str(out),
                   "--floor", "0.3"]  # fmt: skip
        subprocess.run(
            command, check=True, capture_output=True, cwd=PROJECT, env={**os.environ, "PYTHONHASHSEED": seed}
        )
        outputs.append(((out / "similarity.csv").read_bytes(), (out / "similarity.html").read_bytes()))
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count(b"\r\n") > 5  # pairs were listed, not two empty files


def test_every_disguised_copy_ranks_in_the_top_five(tmp_path):
    planted = write_planted(tmp_path / "class")
    sources = [Source(path.stem, path) for path in sorted((tmp_path / "class").glob("*.py"))]
    found = similarity.compare_class(sources, STARTER, floor=0.0)
    top = [(pair.student_a, pair.student_b) for pair in found.pairs[:5]]
    assert sorted(top) == sorted(planted)
    assert found.candidates == math.comb(len(sources), 2)  # every pair scored


def test_scoring_loses_no_pair_over_the_floor():
    rng = random.Random(5)
    count = similarity.BLOCK + 7  # more than one block of rows
    holdings = [set(rng.sample(range(60), rng.randint(3, 25))) for _ in range(count)]
    found = {(i, j): (a, b) for i, j, a, b in similarity.scored_pairs(holdings, 0.4)}
    holders = {v: sum(v in held for held in holdings) for held in holdings for v in held}
    weight = {v: math.log((count + 1) / held_by) for v, held_by in holders.items()}
    own = [sum(weight[v] for v in held) for held in holdings]
    own = [max(total, similarity.SMALL_SHARE * sorted(own)[len(own) // 2]) for total in own]
    expected = set()
    for i, j in itertools.combinations(range(len(holdings)), 2):
        shared = sum(weight[v] for v in holdings[i] & holdings[j])
        if max(shared / own[i], shared / own[j]) >= 0.4 + 1e-9:
            expected.add((i, j))
    assert expected <= set(found) and expected


def test_the_starter_and_renamed_names_never_count():
    starter = similarity.read_starter(STARTER)
    assert not similarity.fingerprinted(STARTER.read_text(), starter).spans
    code = "def derivative(x):\n    slope = 6 * x - 3  # mine\n    return slope\n"
    renamed = "def derivative(value):\n\n    s = 6*value - 3\n    return s\n"
    assert (
        similarity.fingerprinted(code, starter).spans.keys() == similarity.fingerprinted(renamed, starter).spans.keys()
    )


@pytest.mark.parametrize("student", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "a\rb", "a\nb", "evil\r=1+1"])
def test_the_csv_keeps_a_hostile_id_in_its_cell_as_text(tmp_path, student):
    pair = similarity.SimilarPair(student, "zz", 1.0, 1.0, 1.0, 3, ((0, 3),), ((0, 3),))
    found = similarity.ClassComparison((pair,), {student: "abc", "zz": "abc"}, 2, 1)
    similarity.write_similarity(found, tmp_path, "T")
    with (tmp_path / "similarity.csv").open(newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert len(rows) == 2 and rows[1][1:3] == ["zz", "1.0000"]
    assert rows[1][0].lstrip("'") == student.replace("\r", "\\r")  # a CR is shown, never a row break
    assert not rows[1][0].lstrip(" ").startswith(("=", "+", "-", "@", "\r", "\n"))


@pytest.mark.parametrize("student", ["similarity.html", "similarity.csv", "SIMILARITY.HTML"])
def test_a_student_named_like_the_similarity_files_gets_another_folder(student):
    assert report_folders([student])[student].casefold() not in ("similarity.html", "similarity.csv")
