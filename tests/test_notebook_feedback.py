"""A notebook's student reads positions in their notebook ("cell 4, line 3"), never in the file the grader made.

The notebooks are written here from cell lists, the way a course's students write them: markdown between
code cells, `%timeit` and `%%time` magics, a help line (`np.linspace?`), a print that ends without a
newline, a warning, an error inside a function the hidden tests call, a top-level loop that never ends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.assignment import Assignment, load_assignment
from grader.grading import notebooks
from grader.grading.feedback import load_status
from grader.grading.grade import grade, grade_stream
from grader.grading.outcomes import Source
from grader.i18n import translator
from grader.reports.student import build_context, render_check, render_html, render_markdown
from grader.reports.summary import SummaryEntry, build_summary, render_summary
from grader.results import Status, SubmissionResult
from grader.sandbox.client import Reply

GD1D = Path(__file__).parent.parent / "assignments" / "gd1d"

SCHEDULES_AND_DESCENT = """\
def fixed_lr(base_lr, epoch, n_epochs, grad):
    return base_lr


def time_decay_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * (1 - (epoch + 1) / n_epochs)


def gradient_lr(base_lr, epoch, n_epochs, grad):
    return base_lr * abs(grad)


def gradient_descent(x0, learning_rate, n_epochs, schedule=fixed_lr):
    x = np.float64(x0)
    history = np.zeros((n_epochs, 3))
    for epoch in range(n_epochs):
        grad = derivative(x)
        lr = schedule(learning_rate, epoch, n_epochs, grad)
        x = x - lr * grad
        history[epoch] = (x, grad, lr)
    return history


def random_start(rng):
    return float(rng.choice(np.linspace(-2, 2, 2001)))
"""

DERIVATIVE_RAISES_IN_CELL_4 = [
    "# Lab 3: gradient descent in one dimension\nf(x) = 3x² − 3x + 4",
    "import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline",
    "## The loss",
    "def loss(x):\n    return 3 * x**2 - 3 * x + 4\n\nnp.linspace?",
    "%timeit loss(0.5)\nprint('loss at the minimum:', loss(0.5), end=', ')\nbig = np.float64(1e308) * 10",
    "## Its derivative (the slope at x)",
    "def derivative(x):\n    slope = 6 * x\n    return slope - 3 / zero_point",
    SCHEDULES_AND_DESCENT,
    "history = gradient_descent(2.0, 0.01, 5)\nprint(history[-1])",
]
"""Code cell 4 (the fourth code cell; markdown cells are not counted) names an undefined variable on line 3."""

LOOPS_FOREVER_IN_CELL_3 = [
    "## Setup",
    "import numpy as np",
    "%%time\ndef loss(x):\n    return 3 * x**2 - 3 * x + 4",
    "## Let it run until it converges\n(it never does)",
    "x = 2.0\nwhile True:\n    x = x - 0.01 * (6 * x - 3)",
    "print('never reached')",
]


def write_notebook(folder: Path, name: str, cells: list[str]) -> Path:
    """Returns a Jupyter notebook (format 4) of `cells`: those starting with '#' are markdown, the rest code."""
    made = [
        {"cell_type": "markdown", "metadata": {}, "source": cell.splitlines(True)}
        if cell.startswith("#")
        else {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": cell.splitlines(True),
        }
        for cell in cells
    ]
    path = folder / name / "gradient_descent.ipynb"
    path.parent.mkdir()
    path.write_text(json.dumps({"cells": made, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


@pytest.fixture(scope="module")
def gd1d() -> Assignment:
    return load_assignment(GD1D)


@pytest.fixture(scope="module")
def graded(gd1d, tmp_path_factory) -> dict[str, SubmissionResult]:
    folder = tmp_path_factory.mktemp("notebooks")
    sources = [
        Source("derivative_raises_in_cell_4", write_notebook(folder, "a", DERIVATIVE_RAISES_IN_CELL_4)),
        Source("loops_forever_in_cell_3", write_notebook(folder, "b", LOOPS_FOREVER_IN_CELL_3)),
    ]
    results: list[SubmissionResult] = []
    grade_stream(gd1d, sources, results.append, with_plots=False)
    return {result.student: result for result in results}


def _everything_a_student_reads(result: SubmissionResult) -> str:
    failures = [test.failure for test in result.tests if test.failure] + [result.failure]
    return "\n".join(
        [result.status_message, result.output] + [f"{f.message} {f.code}" for f in failures if f is not None]
    )


@pytest.mark.slow
def test_a_call_that_raises_names_the_cell_and_its_line(graded):
    result = graded["derivative_raises_in_cell_4"]
    assert result.status is Status.GRADED
    failures = [test.failure for test in result.tests if test.failure and test.failure.kind == "error"]
    assert failures, "the hidden tests call derivative, which raises"
    for failure in failures:
        assert (failure.cell, failure.line, failure.code) == (4, 3, "return slope - 3 / zero_point")
        assert failure.message.endswith(
            "raised NameError: name 'zero_point' is not defined in cell 4, line 3 of your notebook."
        )


@pytest.mark.slow
def test_the_output_names_cells_and_each_message_starts_on_its_own_line(graded):
    output = graded["derivative_raises_in_cell_4"].output
    # The print ended with ", ": the warning that follows it still starts a line of its own.
    assert output.startswith(
        "loss at the minimum: 3.25, \n"
        "cell 3, line 3: RuntimeWarning: overflow encountered in scalar multiply\n"
        "    big = np.float64(1e308) * 10\n"
    )
    # Cell 9 of the notebook is its sixth code cell; the error is in the function cell 4 defines.
    assert (
        "cell 4, line 3 raised NameError: name 'zero_point' is not defined; the grader skipped the rest of cell 6\n"
        "    return slope - 3 / zero_point\n" in output
    )


@pytest.mark.slow
def test_nothing_names_the_converted_file_or_a_worker_path(graded):
    for result in graded.values():
        read = _everything_a_student_reads(result)
        for leak in ("gradient_descent.py", "/submission", "grader-notebook-", ".py:", "__main__", "of your file"):
            assert leak not in read, (result.student, leak)


@pytest.mark.slow
def test_a_top_level_loop_names_the_cell_that_was_running(graded):
    result = graded["loops_forever_in_cell_3"]
    assert result.status is Status.TIMEOUT
    assert result.status_message == (
        "running your notebook's cells took longer than 2 s (cell 3 was running): move long work into "
        "functions, or remove it."
    )
    assert result.failure is not None and result.failure.cell == 3
    assert result.score == 0


@pytest.mark.slow
def test_reports_label_the_line_by_its_cell_and_name_numpy(graded):
    result = graded["derivative_raises_in_cell_4"]
    check = render_check(build_context(result, "Gradient descent", with_svgs=False))
    assert "    cell 4, line 3:\n               return slope - 3 / zero_point\n" in check
    assert check.endswith(f"Your code ran with NumPy {result.numpy_version}.\n")
    assert result.numpy_version
    markdown = render_markdown(build_context(result, "Gradient descent", with_svgs=False))
    assert "**Cell 4, line 3 of your notebook:**" in markdown
    assert "Line 3 of your file" not in markdown
    html = render_html(build_context(result, "Gradient descent", with_svgs=False))
    assert "Cell 4, line 3 of your notebook" in html
    vietnamese = render_check(build_context(result, "Gradient descent", with_svgs=False, language="vi"))
    assert "ô 4, dòng 3:" in vietnamese and f"Mã của bạn đã chạy với NumPy {result.numpy_version}." in vietnamese


def test_the_running_cell_is_an_untrusted_note_checked_against_the_notebook(gd1d, tmp_path):
    _, positions = notebooks.converted(write_notebook(tmp_path, "c", LOOPS_FOREVER_IN_CELL_3))
    assert positions.of(1) is None  # the "# %% code cell 1" header line is no line of the student's
    assert positions.of(2) == (1, 1)
    for note, named in (("3", "(cell 3 was running)"), ("99", ""), ("2; rm -rf", ""), ("", ""), ("-1", "")):
        status, failure = load_status(Reply(ok=False, limit="time", progress=note), gd1d, positions)
        assert status is Status.TIMEOUT and failure is not None
        assert (named in failure.message) if named else "was running" not in failure.message, note


@pytest.mark.slow
def test_a_python_file_keeps_its_own_wording(gd1d, tmp_path):
    path = tmp_path / "gradient_descent.py"
    path.write_text("import time\nwhile True:\n    pass\n")
    result = grade(gd1d, Source("py", path), with_plots=False)
    assert result.status is Status.TIMEOUT
    assert result.status_message.startswith("loading gradient_descent.py took longer than 2 s.")


@pytest.mark.slow
def test_a_flood_of_progress_notes_is_a_broken_reply_not_a_hang(toy, tmp_path):
    path = tmp_path / "toy.py"
    # The driver takes the hook out of the module before the file runs; hostile code can still reach it.
    path.write_text("import sys\nhook = sys._getframe(2).f_locals['progress']\nfor i in range(20_000):\n    hook(i)\n")
    result = grade(toy, Source("flood", path), with_plots=False)
    assert result.status is Status.CRASHED
    assert "more than 10000 progress notes before one reply" in result.status_message


def test_the_summary_counts_submissions_missing_functions():
    def entry(student: str, status: str, missing: tuple[str, ...]) -> SummaryEntry:
        return SummaryEntry(student, 0.0, 10.0, status, (), (), missing=missing)

    entries = [
        entry("ana", "missing_functions", ("loss", "derivative", "gradient_descent")),
        entry("binh", "graded", ("derivative",)),
        entry("chi", "graded", ()),
    ]
    summary = build_summary(entries, "Gradient descent", {}, translator())
    assert summary.define_none == 1
    assert [(m.name, m.students) for m in summary.missing_functions] == [
        ("derivative", ("ana", "binh")),
        ("loss", ("ana",)),
        ("gradient_descent", ("ana",)),
    ]
    markdown = render_summary(summary, "summary.md.j2", translator())
    assert "## Functions not found" in markdown
    assert "1 submission defines none of the functions to write: nothing of it could be graded." in markdown
    assert "| `derivative` | 2 | ana, binh |" in markdown
    html = render_summary(summary, "summary.html.j2", translator())
    assert '<a href="binh/report.html">binh</a>' in html
    vietnamese = render_summary(summary, "summary.md.j2", translator("vi"))
    assert "1 bài nộp không định nghĩa hàm nào trong các hàm cần viết" in vietnamese
    assert "Functions not found" not in render_summary(
        build_summary([entry("chi", "graded", ())], "Gradient descent", {}, translator()), "summary.md.j2", translator()
    )
