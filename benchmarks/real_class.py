"""Writes a class of submissions shaped like a real one, for benchmarks/batch.py (`--class real`).

A real class is not N copies of a few files. About 40 % are correct, written in assorted styles; 35 %
make a common mistake (the assignment's example and named mistakes); 25 % make a mistake of their own,
so their plots are theirs alone and no cache can share them. About 30 % of all files, whatever their
kind, are notebooks or scripts that import matplotlib and plot at the top level, as course notebooks do.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

# Never a common mistake here: a hang or a crash at import is not what a class is made of.
NOT_A_CLASS_FILE = ("correct", "correct_in_another_style", "loops_at_import", "os_exit_at_import")

# What a course notebook does at its top level: plot the function, show it, leave the figure open.
TOP_LEVEL_PLOT = """import numpy as np
import matplotlib.pyplot as plt

_xs = np.linspace(-2, 2, 2001)
plt.plot(_xs, 3 * _xs**2 - 3 * _xs + 4, _xs, 6 * _xs - 3)
plt.legend(["y", "dy"])
plt.grid()
plt.show()
"""

# A mistake of one's own: one constant or operator changed by an amount no other file uses. Each
# pattern is in every correct style below, so each perturbation changes what the submission computes.
OWN_MISTAKES = (
    (r"6 \* x - 3\b", "6 * x - {value}"),  # the derivative's constant
    (r"6 \* x - 3\b", "{value2} * x - 3"),  # the derivative's factor
    (r"- lr \* grad\b", "- lr * grad * {scale}"),  # the update scaled
    (r"\(epoch \+ 1\)", "(epoch + {value})"),  # the decay's offset
)


def correct_styles(assignment: Path, reference: Path) -> list[str]:
    """Returns the correct submissions the class is written in: the reference and its other styles."""
    styles = [reference.read_text(encoding="utf-8")]
    for path in (assignment / "mistakes" / "correct_in_another_style.py", assignment / "examples" / "correct.py"):
        if path.is_file():
            styles.append(path.read_text(encoding="utf-8"))
    return styles


def common_mistakes(assignment: Path) -> list[str]:
    paths = sorted((assignment / "examples").glob("*.py")) + sorted((assignment / "mistakes").glob("*.py"))
    return [p.read_text(encoding="utf-8") for p in paths if p.stem not in NOT_A_CLASS_FILE]


def own_mistake(styles: list[str], index: int, chooser: random.Random) -> str:
    """Returns a correct style with one constant or operator changed uniquely for this `index`."""
    candidates = [(text, pattern, replacement) for text in styles for pattern, replacement in OWN_MISTAKES
                  if re.search(pattern, text)]  # fmt: skip
    text, pattern, replacement = chooser.choice(candidates)
    small = (index + 1) * 0.00137  # unique per file, small enough to look like a slip rather than noise
    wrong = replacement.format(value=f"{3 + small:.5f}", value2=f"{6 + small:.5f}", scale=f"{1 + small:.5f}")
    if "(epoch" in wrong:
        wrong = replacement.format(value=f"{1 + small:.5f}")
    return re.sub(pattern, wrong, text)  # every match: a docstring may hold the first


def as_notebook(source: str) -> str:
    """Returns `source` as a Colab-style notebook: a magic, the plotting cell, then the code in cells."""
    chunks = [chunk for chunk in re.split(r"\n(?=def |class |[A-Za-z_]+ = )", source) if chunk.strip()]
    cells = ["%matplotlib inline", TOP_LEVEL_PLOT.rstrip("\n"), *chunks]
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": cell.splitlines(keepends=True),
                }  # fmt: skip
                for cell in cells
            ],
            "metadata": {"kernelspec": {"display_name": "Python 3", "name": "python3"}},
            "nbformat": 4,
            "nbformat_minor": 0,
        },
        indent=1,
    )


def generate_real(assignment: Path, reference: Path, count: int, folder: Path, seed: int) -> dict[str, int]:
    """Writes `count` submissions shaped like a real class into `folder`; returns how many of each kind."""
    chooser = random.Random(seed)
    styles = correct_styles(assignment, reference)
    mistakes = common_mistakes(assignment)
    kinds: dict[str, int] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        draw = chooser.random()
        if draw < 0.40:
            kind, text = "correct", chooser.choice(styles)
        elif draw < 0.75:
            kind, text = "common mistake", chooser.choice(mistakes)
        else:
            kind, text = "own mistake", own_mistake(styles, index, chooser)
        kinds[kind] = kinds.get(kind, 0) + 1
        text = f"# submission {index}\n_unused_{index} = {index}\n{text}"
        name = f"student{index:04d}"
        form = "plain script"
        if chooser.random() < 0.30:
            form = "plotting notebook" if chooser.random() < 0.5 else "plotting script"
        kinds[form] = kinds.get(form, 0) + 1
        if form == "plotting notebook":
            (folder / f"{name}.ipynb").write_text(as_notebook(text), encoding="utf-8")
        else:
            plot = TOP_LEVEL_PLOT if form == "plotting script" else ""
            (folder / f"{name}.py").write_text(plot + text, encoding="utf-8")
    return kinds


def python_twin(path: Path) -> Path:
    """Returns a .py file the naive baseline can import for `path`: a notebook's code cells, magics left out.

    The naive way would need a converter of its own; this one is not timed, which flatters the baseline.
    """
    if path.suffix != ".ipynb":
        return path
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    lines = [line for cell in cells if cell["cell_type"] == "code" for line in "".join(cell["source"]).splitlines()]
    twin = path.with_name(f"{path.stem}_naive.py")
    twin.write_text("\n".join(line for line in lines if not line.startswith(("%", "!"))) + "\n", encoding="utf-8")
    return twin
