"""The benchmark's class is shaped like a real one: its mix holds, and no two files are the same."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from pathlib import Path

PROJECT = Path(__file__).parent.parent
GD1D = PROJECT / "assignments" / "gd1d"
REFERENCE = PROJECT / "reference" / "gd1d" / "gradient_descent.py"


def real_class():
    spec = importlib.util.spec_from_file_location("real_class", PROJECT / "benchmarks" / "real_class.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_class_mixes_correct_common_and_own_mistakes_and_plotting_files(tmp_path):
    kinds = real_class().generate_real(GD1D, REFERENCE, 400, tmp_path, 7)
    assert 0.33 < kinds["correct"] / 400 < 0.47
    assert 0.28 < kinds["common mistake"] / 400 < 0.42
    assert 0.18 < kinds["own mistake"] / 400 < 0.32
    assert 0.23 < (kinds["plotting notebook"] + kinds["plotting script"]) / 400 < 0.37
    files = sorted(tmp_path.iterdir())
    assert len(files) == 400
    assert len({hashlib.sha256(path.read_bytes()).digest() for path in files}) == 400
    notebooks = [path for path in files if path.suffix == ".ipynb"]
    assert len(notebooks) == kinds["plotting notebook"]
    for notebook in notebooks:
        sources = ["".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"]]
        assert any("plt.show()" in source for source in sources)


def test_each_own_mistake_changes_the_code_in_its_own_way():
    module = real_class()
    styles = module.correct_styles(GD1D, REFERENCE)
    mistakes = {module.own_mistake(styles, index, random.Random(index)) for index in range(100)}
    assert len(mistakes) == 100
    assert not mistakes & set(styles)
