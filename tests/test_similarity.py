"""The similarity check: a disguised copy ranks first; starters never count; student code is escaped."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

PROJECT = Path(__file__).parent.parent
GD1D = PROJECT / "assignments" / "gd1d"
_spec = importlib.util.spec_from_file_location("similarity_bench", PROJECT / "benchmarks" / "similarity.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

HOSTILE = '\n\n# </code></pre><script>alert("copied")</script>\n'


def write_class(folder: Path) -> None:
    """Writes 12 distinct students (each with a block of code of their own), a disguised copy, two starters."""
    import random

    rng = random.Random(7)
    folder.mkdir()
    starter = bench.STARTER.read_text()
    for index in range(12):
        own = f"\n\ndef extra():\n    return [{index * 17 + 3}, {index * 31 + 11} ** {index % 5 + 2}, {index * 7}]\n"
        (folder / f"student{index:02d}.py").write_text(bench.student_code(rng, starter) + own)
    original = (folder / "student05.py").read_text() + HOSTILE
    (folder / "student05.py").write_text(original)
    (folder / "zz_disguised.py").write_text(bench.disguise(original, rng))
    shutil.copyfile(bench.STARTER, folder / "untouched_a.py")
    shutil.copyfile(bench.STARTER, folder / "untouched_b.py")


@pytest.mark.slow
def test_a_disguised_copy_ranks_first_and_starters_never_count(tmp_path):
    write_class(tmp_path / "class")
    result = CliRunner().invoke(
        cli, ["similarity", str(tmp_path / "class"), "-a", str(GD1D), "-o", str(tmp_path / "out"), "--floor", "0.3"]
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "similarity.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[:3] == ["student_a", "student_b", "similarity"]
    assert {rows[0]["student_a"], rows[0]["student_b"]} == {"student05", "zz_disguised"}
    assert float(rows[0]["similarity"]) > max(float(row["similarity"]) for row in rows[1:])
    assert not any("untouched" in row["student_a"] + row["student_b"] for row in rows)
    html = (tmp_path / "out" / "similarity.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "untouched_a, untouched_b" in html  # named as holding nothing beyond the starter


def test_notebooks_are_compared_on_their_code_cells(tmp_path):
    import json

    code = bench.student_code(__import__("random").Random(3), bench.STARTER.read_text())
    cells = [{"cell_type": "markdown", "source": "# my notes"}, {"cell_type": "code", "source": code}]
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "as_notebook.ipynb").write_text(json.dumps({"cells": cells, "nbformat": 4}))
    (tmp_path / "class" / "as_file.py").write_text(code.replace("# ", "# changed "))
    result = CliRunner().invoke(
        cli, ["similarity", str(tmp_path / "class"), "-a", str(GD1D), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    rows = (tmp_path / "out" / "similarity.csv").read_text().splitlines()
    assert rows[1].startswith("as_file,as_notebook,1.0000")


def test_a_bad_floor_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["similarity", str(tmp_path), "-a", str(GD1D), "-o", str(tmp_path), "--floor", "2"]
    )
    assert result.exit_code == 2
