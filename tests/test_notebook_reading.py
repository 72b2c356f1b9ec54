"""What the grader reads of a notebook or a cell script: nbformat checks it, our bounds come first, and what
Jupyter opens is graded even when nbformat's schema is strict about a part no code runs from.

The notebooks here are written the way tools write them: Colab (format 4.0, its own metadata), Jupyter
(4.5 with cell ids), older Jupyter versions and hand edits (missing outputs, execution counts gone
wrong), VS Code and Spyder scripts with `# %%` cells, and a script exported by `jupyter nbconvert`.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.grading import notebooks
from grader.grading.notebooks import Cell

NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"
CORRECT = json.loads((NOTEBOOKS / "correct.ipynb").read_text(encoding="utf-8"))
"""A Colab notebook (format 4.0) that nbformat's schema accepts as it is."""


def _first_code(notebook: dict) -> dict:
    return next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")


def _ids(notebook: dict) -> None:
    for index, cell in enumerate(notebook["cells"]):
        cell["id"] = f"cell-{index}"


TOLERATED = {
    "jupyter_4_5_without_cell_ids": lambda nb: nb.update(nbformat_minor=5),
    "cell_ids_in_a_4_4_notebook": lambda nb: (nb.update(nbformat_minor=4), _ids(nb)),
    "code_cell_without_outputs": lambda nb: _first_code(nb).pop("outputs"),
    "code_cell_without_execution_count": lambda nb: _first_code(nb).pop("execution_count"),
    "code_cell_without_metadata": lambda nb: _first_code(nb).pop("metadata"),
    "execution_count_as_text": lambda nb: _first_code(nb).update(execution_count="3"),
    "negative_execution_count": lambda nb: _first_code(nb).update(execution_count=-1),
    "stream_output_without_name": lambda nb: _first_code(nb).update(outputs=[{"output_type": "stream", "text": "x"}]),
    "collapsed_key_of_old_jupyter": lambda nb: _first_code(nb).update(collapsed=False),
    "extra_top_level_key": lambda nb: nb.update(colab_extra={"x": 1}),
    "notebook_without_metadata": lambda nb: nb.pop("metadata"),
    "notebook_without_minor_version": lambda nb: nb.pop("nbformat_minor"),
    "a_future_minor_version": lambda nb: nb.update(nbformat_minor=9),
    "markdown_cell_with_outputs": lambda nb: nb["cells"][0].update(outputs=[]),
    "cell_of_an_unknown_type": lambda nb: nb["cells"].insert(1, {"cell_type": "sql", "source": "SELECT 1"}),
}
"""Notebooks Jupyter opens (with a warning at most) that nbformat's schema refuses, or warns about."""


@pytest.mark.parametrize("change", sorted(TOLERATED))
def test_a_notebook_jupyter_opens_is_read_though_the_schema_is_strict_about_it(tmp_path, change):
    notebook = copy.deepcopy(CORRECT)
    TOLERATED[change](notebook)
    path = tmp_path / "toy.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert notebooks.read_cells(path) == notebooks.read_cells(NOTEBOOKS / "correct.ipynb")


def test_the_tolerated_notebooks_are_ones_the_schema_refuses():
    # Otherwise the test above would prove nothing: strict validation refuses every one of them.
    refused = set()
    for change, apply in TOLERATED.items():
        notebook = copy.deepcopy(CORRECT)
        apply(notebook)
        if not nbformat.validator.isvalid(notebook):
            refused.add(change)
    assert refused == set(TOLERATED)
    assert nbformat.validator.isvalid(CORRECT)


def test_an_ipython_2_notebook_is_converted_by_nbformat(tmp_path):
    path = tmp_path / "old.ipynb"
    code = {"cell_type": "code", "input": ["import numpy as np\n", "x = 1"], "outputs": [], "language": "python"}
    heading = {"cell_type": "heading", "level": 1, "source": "Lab", "metadata": {}}
    worksheet = {"cells": [heading, {**code, "metadata": {}}], "metadata": {}}
    path.write_text(json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [worksheet]}))
    assert notebooks.read_cells(path) == [Cell(1, ("import numpy as np", "x = 1"))]


@pytest.mark.parametrize(
    ("notebook", "problem"),
    [
        (
            {"nbformat": 4, "cells": [{"cell_type": "code", "source": ["x = 1\n", 3]}]},
            'the "source" of cell 1 is not text',
        ),
        ({"nbformat": 4, "cells": [{"cell_type": "markdown", "source": "# A"}, 7]}, "cell 2 is not a JSON object"),
        ({"nbformat": 4, "metadata": {}}, 'it has no list of "cells"'),
        ({"nbformat": 4, "cells": {"0": {}}}, 'it has no list of "cells"'),
        ({"nbformat": 5, "cells": []}, "it says it is notebook format 5; the grader reads format 4, as Jupyter and"),
        ({"nbformat": "4", "cells": []}, "it says it is notebook format '4'; the grader reads format 4"),
        (
            {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [{"cell_type": "code"}]}]},
            "it does not follow the notebook format ('input' is a required property at worksheets/0/cells/0)",
        ),
        (  # nbformat's own check raises TypeError on this one (found by the fuzz test below)
            {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [{"cell_type": None}]}]},
            "it is an old notebook (format 3) that nbformat cannot read",
        ),
    ],
)
def test_a_notebook_nbformat_refuses_gets_a_plain_reason(tmp_path, notebook, problem):
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps(notebook))
    with pytest.raises(notebooks.UnreadableNotebook) as refused:
        notebooks.read_cells(path)
    assert str(refused.value).startswith(f"the grader could not read broken.ipynb as a notebook: {problem}")
    assert str(refused.value).endswith(
        "Save it again from Jupyter or Colab (File > Download > .ipynb) and submit that file."
    )


def test_deep_nesting_is_refused_by_our_bound_before_nbformat_sees_it(tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("nbformat was handed a notebook the bounds refuse")

    monkeypatch.setattr(nbformat, "validate", never)
    path = tmp_path / "deep.ipynb"
    depth = 1_000_000
    path.write_text('{"nbformat": 4, "cells": [], "metadata": {"a": ' + "[" * depth + "]" * depth + "}}")
    started = time.process_time()  # CPU seconds: the same on a busy machine
    with pytest.raises(
        notebooks.UnreadableNotebook,
        match=rf"its JSON nested {depth + 2} levels deep \(the grader accepts at most 64\)",
    ):
        notebooks.read_cells(path)
    assert time.process_time() - started < 5


def test_a_line_break_python_does_not_know_stays_inside_its_line(tmp_path):
    # str.splitlines would cut the string literal at U+2028 (and at form feeds): the cell would not compile.
    path = tmp_path / "toy.ipynb"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    path.write_text(json.dumps({**CORRECT, "cells": [{**cell, "source": 'label = "a\u2028b"\r\nx = 1\n'}]}))
    assert notebooks.read_cells(path) == [Cell(1, ('label = "a\u2028b"', "x = 1"))]


VS_CODE_SCRIPT = '''\
"""Lab 3: gradient descent, written in VS Code's interactive window."""
import numpy as np

#%%
def loss(x):
    return 3 * x**2 - 3 * x + 4

# %% [markdown]
# ## The derivative
# (a markdown cell: comments only)

# %% The derivative, with a title
def derivative(x):
    return 6 * x - 3
%timeit derivative(0.5)

# %%
files = !ls
print(len(files))
'''
"""Code above the first marker, `#%%` without a space, a markdown cell, a titled cell, magics."""

NBCONVERT_SCRIPT = """\
#!/usr/bin/env python
# coding: utf-8

# # Lab 3

# In[1]:


import numpy as np
get_ipython().run_line_magic('matplotlib', 'inline')


# In[ ]:


def loss(x):
    return 3 * x**2 - 3 * x + 4
"""
"""What `jupyter nbconvert --to script` writes: `# In[n]:` markers, magics as get_ipython() calls."""


def test_a_vs_code_script_reads_as_the_cells_a_notebook_gives():
    cells = notebooks.script_cells(VS_CODE_SCRIPT)
    assert [(cell.number, cell.first_line) for cell in cells] == [(1, 1), (2, 5), (3, 13), (4, 18)]
    assert cells[0].lines == (
        '"""Lab 3: gradient descent, written in VS Code\'s interactive window."""',
        "import numpy as np",
        "",
    )
    assert cells[2].lines == (
        "def derivative(x):",
        "    return 6 * x - 3",
        "pass  # the grader dropped: %timeit derivative(0.5)",
        "",
    )
    assert cells[3].lines == ("files = []  # the grader dropped: !ls", "print(len(files))")
    lines = VS_CODE_SCRIPT.splitlines()
    for cell in cells:  # each cell's lines are the script's, where the script has them
        assert cell.first_line is not None
        here = lines[cell.first_line - 1 : cell.first_line - 1 + len(cell.lines)]
        assert len(here) == len(cell.lines)
        assert all(a == b or b.startswith(("pass", "files = []")) for a, b in zip(here, cell.lines, strict=True))


def test_a_script_without_markers_has_no_cells():
    assert notebooks.script_cells("import numpy as np\n\n\ndef f():\n    return 1  # %% not a marker\n") == []


def test_the_cells_agree_with_jupytext_on_the_code_they_hold():
    # jupytext also makes a cell of comments above the first marker; no code runs from it, so it is left out.
    jupytext = pytest.importorskip("jupytext")
    for script in (VS_CODE_SCRIPT, NBCONVERT_SCRIPT, (NOTEBOOKS / "one_cell_raises.py").read_text()):
        theirs = [c.source for c in jupytext.reads(script, fmt="py:percent").cells if c.cell_type == "code"]
        theirs = [source for source in theirs if not all(_comment(line) for line in source.splitlines())]
        ours = ["\n".join(cell.lines).strip("\n") for cell in notebooks.script_cells(script)]
        assert len(ours) == len(theirs)
        for mine, their in zip(ours, theirs, strict=True):
            if "the grader dropped" not in mine:
                assert mine == their.strip("\n")


def _comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def test_an_nbconvert_script_runs_cell_by_cell_with_a_harmless_get_ipython(tmp_path, capfd, monkeypatch):
    import builtins
    import sys
    import warnings

    for name in ("stdout", "stderr"):
        monkeypatch.setattr(sys, name, getattr(sys, name))
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    monkeypatch.setattr(builtins, "get_ipython", None, raising=False)  # removed again after the test
    monkeypatch.delattr(builtins, "get_ipython")  # so the driver installs its own
    cells = notebooks.script_cells(NBCONVERT_SCRIPT + "\n# In[3]:\n\n\nfiles = get_ipython().getoutput('ls')\n")
    assert [cell.first_line for cell in cells] == [7, 14, 20]
    source, _ = notebooks.converted_cells(cells)
    module = tmp_path / "converted.py"
    module.write_text(source)
    namespace = {"__file__": str(module), "__name__": "converted"}
    exec(compile(source, str(module), "exec"), namespace)
    assert namespace["loss"](0.5) == 3.25
    assert namespace["files"] == []
    assert capfd.readouterr().err == ""


# -- whatever a notebook or a script holds, reading it gives cells or a reason, never another error --------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOTEBOOK_KEYS = ["cells", "cell_type", "source", "nbformat", "nbformat_minor", "metadata", "outputs", "worksheets",
                 "input", "id", "execution_count", "output_type", "text", "data", "level"]  # fmt: skip
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), st.text(max_size=5),
        st.sampled_from(["code", "markdown", "raw", "heading", "stream", "x = 1\n", "%time x", ""]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.sampled_from(NOTEBOOK_KEYS), children, max_size=5)
    ),
    max_leaves=30,
)  # fmt: skip


@pytest.mark.slow
@FUZZ
@given(
    document=json_values,
    version=st.sampled_from([None, 3, 4, 5]),
    cells=st.lists(st.dictionaries(st.sampled_from(NOTEBOOK_KEYS), json_values, max_size=5), max_size=4),
)
def test_any_json_reads_as_cells_or_a_reason(tmp_path_factory, document, version, cells):
    folder = tmp_path_factory.mktemp("fuzz")
    shapes = [document, {"cells": cells, "nbformat": version}, {"worksheets": [{"cells": cells}], "nbformat": version}]
    for index, shape in enumerate(shapes):
        path = folder / f"{index}.ipynb"
        path.write_text(json.dumps(shape))
        try:
            read = notebooks.read_cells(path)
        except notebooks.UnreadableNotebook as unreadable:
            assert str(unreadable).startswith(f"the grader could not read {index}.ipynb as a notebook: ")
        else:
            assert [cell.number for cell in read] == list(range(1, len(read) + 1))


script_lines = st.lists(
    st.sampled_from(["# %%", "#%%", "# %% [markdown]", "# In[ ]:", "x = 1", "%timeit x", "!ls", "files = !ls",
                     's = """', '"""', "# comment", "", "    y = 2", "np?", "%%time"]),
    max_size=30,
)  # fmt: skip


@FUZZ
@given(lines=script_lines)
def test_any_script_keeps_each_cells_lines_where_the_script_has_them(lines):
    text = "\n".join(lines)
    for cell in notebooks.script_cells(text):
        assert cell.first_line is not None
        here = lines[cell.first_line - 1 : cell.first_line - 1 + len(cell.lines)]
        if not (here and here[0].startswith("%%")):  # a cell magic that is not Python drops its cell
            assert len(here) == len(cell.lines)
            assert all(a == b or "the grader dropped" in b for a, b in zip(here, cell.lines, strict=True))


FORKED_READER = """
import sys
from pathlib import Path
from grader.assignment import load_assignment
from grader.grading import notebooks
from grader.grading.grade import ready_to_fork

if sys.argv[1] == "ready":
    ready_to_fork(load_assignment(Path(sys.argv[2])))
loaded = set(sys.modules)
notebooks.read_cells(Path(sys.argv[3]))
print(sorted(name for name in set(sys.modules) - loaded if name.split(".")[0] != "encodings"))
"""


@pytest.mark.slow
@pytest.mark.parametrize("ready", ["ready", "not ready"])
def test_a_process_forked_after_ready_to_fork_reads_notebooks_with_nothing_more_to_import(ready, tmp_path):
    """A batch forks its grading processes after ready_to_fork: what reading a notebook needs (nbformat and
    jsonschema, 19 MB) is then in the pages they share, not imported again by each of them."""
    import subprocess
    import sys

    project = Path(__file__).resolve().parent.parent
    assignment, notebook = project / "assignments" / "gd1d", NOTEBOOKS / "correct.ipynb"
    command = [sys.executable, "-c", FORKED_READER, ready, str(assignment), str(notebook)]
    run = subprocess.run(command, capture_output=True, text=True, check=True, cwd=project)
    newly_imported = run.stdout.strip()
    if ready == "ready":
        assert newly_imported == "[]"
    else:
        assert "'nbformat'" in newly_imported and "'jsonschema'" in newly_imported
