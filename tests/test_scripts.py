"""Python files graded like notebooks (issue 22): `# %%` scripts cell by cell, IPython stand-ins in any file,
a failed import that does not take the rest of its cell, and a plain file that keeps what it defined before
its top level failed. The gd1d fixtures are written in the course's style (tests/fixtures/submissions/gd1d).
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from grader.assignment import load_assignment
from grader.grading import notebooks
from grader.grading.grade import grade, grade_stream
from grader.grading.outcomes import Source
from grader.reports.student import build_context, render_markdown
from grader.results import Status, SubmissionResult

GD1D = Path(__file__).parent.parent / "assignments" / "gd1d"
FIXTURES = Path(__file__).parent / "fixtures" / "submissions" / "gd1d"
GRADED = (
    "lr_challenge_cells.py",
    "lr_challenge_cells.ipynb",
    "ipython_display_at_top.py",
    "unused_sympy_import.py",
    "unused_sympy_import.ipynb",
    "top_level_fails_after_api.py",
)
NUMPY_2 = "raised ValueError: setting an array element with a sequence."


@functools.cache
def graded() -> dict[str, SubmissionResult]:
    results: list[SubmissionResult] = []
    grade_stream(load_assignment(GD1D), [Source(n, FIXTURES / n) for n in GRADED], results.append, with_plots=False)
    return {result.student: result for result in results}


def _scores(result: SubmissionResult) -> list[tuple[str, float]]:
    return [(test.name, test.score) for test in result.tests]


@pytest.mark.slow
def test_a_cell_script_scores_what_its_notebook_scores_past_a_numpy_2_error_in_a_demo_cell():
    script, notebook = graded()["lr_challenge_cells.py"], graded()["lr_challenge_cells.ipynb"]
    assert (script.status, script.score) == (notebook.status, notebook.score) == (Status.GRADED, 100)
    assert _scores(script) == _scores(notebook)
    # The same line: the script names its own line, the notebook its cell and the line in that cell.
    text = (FIXTURES / "lr_challenge_cells.py").read_text(encoding="utf-8")
    line = next(n for n, code in enumerate(text.splitlines(), start=1) if code.strip() == "modelparams[i,0] = localmin")
    cell = next(c for c in notebooks.script_cells(text) if c.first_line and 0 <= line - c.first_line < len(c.lines))
    skipped = f"line {line} {NUMPY_2}; the grader skipped the rest of the cell at lines {cell.first_line}-"
    assert skipped in script.output
    assert f"cell {cell.number}, line {line - cell.first_line + 1} {NUMPY_2}" in notebook.output


@pytest.mark.slow
def test_the_ipython_display_lines_cost_nothing_in_a_python_file():
    result = graded()["ipython_display_at_top.py"]
    assert (result.status, result.score) == (Status.GRADED, 100)
    assert "raised" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", ["unused_sympy_import.py", "unused_sympy_import.ipynb"])
def test_an_unused_failing_import_costs_nothing_and_is_named(name):
    result = graded()[name]
    assert (result.status, result.score) == (Status.GRADED, 100)
    went_on = "raised ModuleNotFoundError: No module named 'sympy'; the grader went on with the next line."
    assert went_on in result.output
    assert "if your functions use sym, they fail with NameError" in result.output


@pytest.mark.slow
def test_a_plain_file_keeps_what_it_defined_before_its_top_level_failed():
    result = graded()["top_level_fails_after_api.py"]
    assert (result.status, result.score) == (Status.GRADED, 100)
    assert result.status_message.startswith(
        f"running the top level of top_level_fails_after_api.py {NUMPY_2} at line 46; the grader kept what the file "
        "defined above that line (derivative, fixed_lr, time_decay_lr, gradient_lr, gradient_descent) and graded it"
    )
    assert result.failure is not None
    assert (result.failure.line, result.failure.code) == (46, "modelparams[i, 0] = localmin")
    report = render_markdown(build_context(result, "gd1d", with_svgs=False))
    # As for a notebook's cell, the report's printed output says where the file stopped and what was kept.
    assert "line 46 raised ValueError" in report and "skipped the rest of the file, as Python stops there" in report


def _toy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "toy.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plain_file_failing_before_any_function_is_still_an_import_error(toy, tmp_path):
    path = _toy_file(tmp_path, "import numpy as np\nx = np.undefined_name\n\ndef double(x):\n    return 2 * x\n")
    result = grade(toy, Source("early", path), with_plots=False)
    assert result.status is Status.IMPORT_ERROR
    assert result.status_message == (
        "running the top level of toy.py raised AttributeError: module 'numpy' has no attribute 'undefined_name' "
        "at line 2."
    )


def test_functions_after_the_failure_of_a_plain_file_are_not_defined(toy, tmp_path):
    path = _toy_file(
        tmp_path,
        "import numpy as np\n\ndef double(x):\n    return np.asarray(x, dtype=float) * 2\n\n"
        "print(double(3)[5])\n\ndef steps(n):\n    return np.arange(2.0 * n).reshape(n, 2)\n",
    )
    result = grade(toy, Source("half", path), with_plots=False)
    assert result.status is Status.GRADED
    assert "line 6 raised IndexError" in result.output and "skipped the rest of the file" in result.output
    passed = {test.name.split("[")[0] for test in result.tests if test.score > 0}
    assert any(name.startswith("test_toy.py::test_double") for name in passed)
    assert not any("steps" in name for name in passed)


def test_a_syntax_error_in_a_plain_file_still_runs_nothing(toy, tmp_path):
    path = _toy_file(tmp_path, "import sympy\n\ndef double(x):\n    return 2 * x\n\ndef steps(n:\n    pass\n")
    result = grade(toy, Source("syntax", path), with_plots=False)
    assert result.status is Status.SYNTAX_ERROR
    assert (result.failure.line, result.failure.code) == (6, "def steps(n:")  # type: ignore[union-attr]
    assert result.output == ""


def test_a_syntax_error_in_one_cell_of_a_script_skips_that_cell_only(toy, tmp_path):
    path = _toy_file(
        tmp_path,
        "import numpy as np\n\n# %%\ndef double(x):\n    return np.asarray(x, dtype=float) * 2\n\n"
        "# %%\ndef steps(n:\n    pass\n",
    )
    result = grade(toy, Source("cells", path), with_plots=False)
    assert result.status is Status.GRADED and result.score > 0
    assert "line 8 raised SyntaxError: " in result.output
    assert "; the grader skipped the cell at lines 8-9\n" in result.output


def test_a_name_whose_import_failed_is_named_when_a_function_needs_it(toy, tmp_path):
    path = _toy_file(
        tmp_path,
        "import sympy as sym\nimport numpy as np\n\n\ndef double(x):\n    return sym.Integer(2) * np.asarray(x)\n",
    )
    result = grade(toy, Source("needs", path), with_plots=False)
    failure = next(t.failure for t in result.tests if t.name.startswith("test_toy.py::test_double") and t.failure)
    assert failure.exception == "NameError: name 'sym' is not defined"
    assert failure.message.endswith(
        "sym is not defined because importing sympy failed when your file was loaded: sympy is not installed "
        "where the grader runs your code. Write this function with numpy and the standard library."
    )


def test_the_driver_keeps_future_imports_and_reports_a_failed_import_in_the_middle_of_a_cell(tmp_path, capfd):
    from grader.sandbox import cells

    text = "from __future__ import annotations\nimport no_such_module\ndef f(x: Undefined) -> int:\n    return 1\n"
    module = tmp_path / "converted.py"
    module.write_text(notebooks.converted_script(text))
    namespace = {"__file__": str(module), "__name__": "converted"}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    assert namespace["f"].__annotations__ == {"x": "Undefined", "return": "int"}  # not evaluated: the future kept
    assert "line 2 raised ModuleNotFoundError: No module named 'no_such_module'" in capfd.readouterr().err
    assert cells.last_run == {
        "raised": None,
        "imports": [["no_such_module", 2, ["no_such_module"]]],
        "defined": {"f": [1]},  # issue 22: which cells define each function, for redefinitions across cells
    }
