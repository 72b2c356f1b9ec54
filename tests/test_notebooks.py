"""Notebook submissions (Jupyter, Colab) are graded like Python files: code cells in order, magics dropped."""

from __future__ import annotations

import builtins
import json
import shutil
import sys
import warnings
from pathlib import Path

import pytest

from grader.batch.discovery import discover
from grader.grading import magics, notebooks
from grader.grading.grade import grade, grade_stream
from grader.grading.outcomes import Source
from grader.results import Outcome, Status, SubmissionResult

NOTEBOOKS = Path(__file__).parent / "fixtures" / "notebooks"
TWINS = ("correct", "wrong_double", "one_cell_raises")
COLAB_SKIPPED = (
    "cell 2, line 1 raised ModuleNotFoundError: No module named 'google'; the grader went on with the next line."
    " google is not installed where the grader runs your code: if your functions use drive, they fail with"
    " NameError (write them with numpy and the standard library); if not, delete this import\n"
    "    from google.colab import drive  # only exists on Colab: raises anywhere else\n"
    "cell 2, line 2 raised NameError: name 'drive' is not defined (drive is missing because its import at cell 2,"
    " line 1 failed); the grader skipped the rest of cell 2\n"
    "    drive.mount('/content/drive')"
)


@pytest.fixture(scope="module")
def graded_twins(toy) -> dict[str, SubmissionResult]:
    """Each fixture graded as its .py twin and as its Colab notebook, in one session."""
    sources = [
        Source(f"{name}{suffix}", NOTEBOOKS / f"{name}{suffix}") for name in TWINS for suffix in (".py", ".ipynb")
    ]
    results: list[SubmissionResult] = []
    grade_stream(toy, sources, results.append, with_plots=False)
    return {result.student: result for result in results}


def _scores(result: SubmissionResult) -> list[tuple[str, Outcome, float]]:
    return [(test.name, test.outcome, test.score) for test in result.tests]


@pytest.mark.parametrize("name", TWINS)
def test_a_colab_notebook_scores_what_its_python_twin_scores(graded_twins, name):
    as_python, as_notebook = graded_twins[f"{name}.py"], graded_twins[f"{name}.ipynb"]
    assert as_notebook.status is Status.GRADED
    assert as_python.status is Status.GRADED
    assert as_notebook.score == as_python.score
    assert _scores(as_notebook) == _scores(as_python)


def test_the_twins_are_not_all_alike(graded_twins):
    # Otherwise the comparison above would prove nothing: each fixture earns a different score.
    assert graded_twins["correct.ipynb"].score == 5
    assert len({graded_twins[f"{name}.ipynb"].score for name in TWINS}) == 3


def test_a_cell_that_raises_is_reported_and_skipped(graded_twins):
    output = graded_twins["one_cell_raises.ipynb"].output
    assert output.startswith(COLAB_SKIPPED)
    assert (
        "cell 5, line 1 raised NameError: name 'load_rates' is not defined; the grader skipped the rest of cell 5\n"
        in output
    )
    # Only the function the raising cell defines is missing: those from the other cells still earn points.
    failed = {test.name for test in graded_twins["one_cell_raises.ipynb"].tests if test.score == 0}
    assert failed == {"test_toy.py::test_apply_calls_in_order", "test_toy.py::test_apply_with_own_function"}
    assert graded_twins["one_cell_raises.ipynb"].score == 3


def test_magics_shell_escapes_and_cell_magics_are_dropped_keeping_line_numbers():
    cells = magics.python_lines(["%matplotlib inline", "x = 1", "    !ls -l", "y = 2"])
    assert cells == [
        "pass  # the grader dropped: %matplotlib inline",
        "x = 1",
        "    pass  # the grader dropped: !ls -l",
        "y = 2",
    ]
    assert magics.python_lines(["%%time", "def f():", "    return 1"]) == [
        "pass  # the grader dropped: %%time",
        "def f():",
        "    return 1",
    ]
    assert magics.python_lines(["%%bash", "echo hi", "rm -rf /"]) == [
        "pass  # the grader dropped this cell: its %%bash magic is not Python"
    ]


def test_an_assigned_magic_gets_an_empty_value_and_a_string_is_never_a_magic():
    assert magics.python_lines(["files = !ls", "home = %env HOME", "a, b = !echo 1 2", "x = 7 % 3", "ok = x != 1"]) == [
        "files = []  # the grader dropped: !ls",
        "home = None  # the grader dropped: %env HOME",
        "a, b = []  # the grader dropped: !echo 1 2",
        "x = 7 % 3",
        "ok = x != 1",
    ]
    # Lines inside a multi-line string are text: a printf template, a question, an escaped quote.
    template = ['s = """', "%d items", "Ready?", '"""  # closed', "!echo after", "q = '''it\\'s", "%s'''", "np?"]
    assert magics.python_lines(template) == [
        's = """', "%d items", "Ready?", '"""  # closed', "pass  # the grader dropped: !echo after",
        "q = '''it\\'s", "%s'''", "pass  # the grader dropped: np?",
    ]  # fmt: skip
    # A quote in a comment or inside another string opens nothing.
    assert magics.python_lines(["x = 1  # don't", "%time x", 's = "\'\'\'"', "!ls"]) == [
        "x = 1  # don't", "pass  # the grader dropped: %time x", 's = "\'\'\'"', "pass  # the grader dropped: !ls",
    ]  # fmt: skip


MAGICS_EVERYWHERE = [
    "!pip install -q numpy\nfiles = !ls\nhome = %env HOME\n%load_ext autoreload\n%autoreload 2",
    'import numpy as np\nTEMPLATE = """\n%d steps\nReady?\n"""',
    "get_ipython().system('echo hi')\n?np.linspace\nfor i in range(2):\n    !echo {i}\n    %time x = i",
    "%%time\ndef double(x):\n    return 2 * np.asarray(x, dtype=np.float64)",
    "def apply(function, n):\n    return [function(i) for i in range(n)]\napply?",
    "%%bash\necho this never runs",
    "def steps(n):\n    assert TEMPLATE == '\\n%d steps\\nReady?\\n', TEMPLATE  # the string kept its lines\n"
    "    return np.arange(2.0 * n).reshape(n, 2)",
]
"""A Colab-style notebook with IPython syntax in every place a student puts it, and the toy's functions."""


def test_a_notebook_full_of_magics_runs_every_cell_and_scores_full_marks(toy, tmp_path):
    result = grade(toy, Source("magics", _notebook(tmp_path, *MAGICS_EVERYWHERE)), with_plots=False)
    assert (result.status, result.score) == (Status.GRADED, 5), result.output
    assert "raised" not in result.output


def _notebook(tmp_path: Path, *cells: str | dict, name: str = "toy.ipynb") -> Path:
    made = [c if isinstance(c, dict) else {"cell_type": "code", "source": c.splitlines(True)} for c in cells]
    path = tmp_path / name
    path.write_text(json.dumps({"cells": made, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    return path


def test_converted_source_runs_every_cell_and_reports_the_one_that_raises(tmp_path, capfd, monkeypatch):
    # The driver wraps sys.stdout and sys.stderr and shows warnings its own way: in a worker, for good.
    for name in ("stdout", "stderr"):
        monkeypatch.setattr(sys, name, getattr(sys, name))
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    for name in ("display", "get_ipython"):  # the driver adds a kernel's built-in names: removed after the test
        monkeypatch.setattr(builtins, name, None, raising=False)
        monkeypatch.delattr(builtins, name)
    path = _notebook(
        tmp_path,
        {"cell_type": "markdown", "source": "# not code"},
        "a = 1\n%timeit a",
        "b = 1 / 0",
        "def f(:\n  pass",
        "c = a + 1\n!echo hi",
    )
    module = tmp_path / "converted.py"
    module.write_text(notebooks.python_source(path))
    namespace = {"__file__": str(module), "__name__": "converted"}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    assert (namespace["a"], namespace["c"], "b" in namespace) == (1, 2, False)
    assert capfd.readouterr().err == (
        "cell 2, line 1 raised ZeroDivisionError: division by zero; the grader skipped the rest of cell 2\n"
        "    b = 1 / 0\n"
        "cell 3, line 1 raised SyntaxError: invalid syntax; the grader skipped cell 3\n"
        "    def f(:\n"
    )
    assert not any(name.startswith("_grader") for name in namespace)


def test_the_converted_files_own_code_sits_below_every_line_of_a_cell(tmp_path):
    # An error in the file's own lines (the import of the driver, its call) is never taken for a student's line.
    source, positions = notebooks.converted(_notebook(tmp_path, "x = 1\ny = 2", "z = 3"))
    own = [number for number, line in enumerate(source.splitlines(), start=1) if line.strip()][1:]
    assert own and all(positions.of(number) is None for number in own)
    assert min(own) > max(first + count for _, first, count in positions.cells)
    assert len(source.encode()) < 1000  # data and a call: the driver is grader.sandbox.cells


@pytest.mark.slow
def test_an_error_in_a_call_points_at_the_notebook_line(toy, tmp_path):
    path = _notebook(tmp_path, "import numpy as np", "def double(x):\n    scale = 2\n    return int(x) * scale // 0")
    result = grade(toy, Source("nb", path), with_plots=False)
    failure = next(t.failure for t in result.tests if t.name.startswith("test_toy.py::test_double[") and t.failure)
    assert failure.exception == "ZeroDivisionError: integer division or modulo by zero"
    # Line 7 of the converted file; the student sees the cell and its own line in that cell.
    assert (failure.cell, failure.line, failure.code) == (2, 3, "return int(x) * scale // 0")
    assert failure.message.endswith(
        "raised ZeroDivisionError: integer division or modulo by zero in cell 2, line 3 of your notebook."
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"cells": [{"cell_type": "code", "source": ["def f(:\\n"', "it is not valid JSON (line 1, column 56)"),
        ("[1, 2]", 'it has no list of "cells" (the grader reads notebook format 4, as Jupyter and Colab save)'),
        ('{"cells": [3]}', "cell 1 is not a JSON object"),
        ('{"cells": [{"cell_type": "code", "source": 7}]}', 'the "source" of cell 1 is not text'),
        (b"\xff\xfe{", "it is not UTF-8 text"),
    ],
)
def test_an_unreadable_notebook_is_a_syntax_error_with_a_clear_message(toy, tmp_path, content, problem):
    path = tmp_path / "broken.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    result = grade(toy, Source("broken", path), with_plots=False)
    assert result.status is Status.SYNTAX_ERROR
    assert result.score == 0
    assert result.status_message == (
        f"the grader could not read broken.ipynb as a notebook: {problem}. Save it again from Jupyter or Colab "
        "(File > Download > .ipynb) and submit that file."
    )
    assert all(test.outcome is not Outcome.PASSED for test in result.tests)


def test_a_notebook_over_the_size_limit_is_not_parsed(tmp_path, monkeypatch):
    monkeypatch.setattr(notebooks, "MAX_NOTEBOOK_BYTES", 2 * 1024 * 1024)
    path = tmp_path / "huge.ipynb"
    path.write_bytes(b" " * (3 * 1024 * 1024))
    with pytest.raises(notebooks.UnreadableNotebook, match="it is 3 MB, more than 2 MB"):
        notebooks.read_cells(path)


def test_the_converted_file_is_removed_after_grading(tmp_path):
    path = _notebook(tmp_path, "x = 1")
    with notebooks.python_file(path) as converted:
        assert converted != path and converted.read_text().startswith('"""A notebook submission converted')
    assert not converted.exists()
    (tmp_path / "plain.py").write_text("x = 1\n")
    with notebooks.python_file(tmp_path / "plain.py") as script:
        assert script != tmp_path / "plain.py" and script.read_text().startswith('"""A Python submission converted')
    assert not script.exists()
    (tmp_path / "latin.py").write_bytes(b"x = '\\xe9'\n\xff\n")  # not UTF-8 and no cookie: Python says so itself
    with notebooks.python_file(tmp_path / "latin.py") as same:
        assert same == tmp_path / "latin.py"


def test_discovery_finds_notebooks_as_files_and_in_submission_folders(tmp_path):
    shutil.copy(NOTEBOOKS / "correct.ipynb", tmp_path / "ada.ipynb")
    (tmp_path / "bob").mkdir()
    shutil.copy(NOTEBOOKS / "correct.ipynb", tmp_path / "bob" / "toy.ipynb")
    (tmp_path / "cy").mkdir()
    shutil.copy(NOTEBOOKS / "correct.py", tmp_path / "cy" / "toy.py")
    shutil.copy(NOTEBOOKS / "correct.ipynb", tmp_path / "cy" / "toy.ipynb")
    found = discover([tmp_path], "toy.py")
    assert [(s.student, s.path) for s in found] == [
        ("ada", tmp_path / "ada.ipynb"),
        ("bob", tmp_path / "bob" / "toy.ipynb"),
        ("cy", tmp_path / "cy" / "toy.py"),  # the Python file wins over a notebook beside it
    ]
