"""Returns the problems an assignment's settings have that reading them cannot see: its plots' columns and
backgrounds against what the reference returns, the packages its reference imports, and the catalogs of the
languages it declares.

`grader validate` runs these before grading, so a plot the settings get wrong is one problem naming
`plots[i].panels[j]`, never an internal error in every student's report.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from types import ModuleType
from typing import Any

import numpy as np

from grader.assignment import Assignment, PlotPanel, PlotRun, load_reference
from grader.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog_path


def plot_problems(assignment: Assignment) -> list[str]:
    """Returns one problem per plot panel the reference's runs cannot fill, naming it `plots[i].panels[j]`."""
    if not assignment.plots:
        return []
    try:
        reference = load_reference(assignment.reference_file)
    except Exception as error:  # noqa: BLE001 - the reference's own failure is reported by grading it
        return [f"the reference could not be imported to check the plots: {type(error).__name__}: {error}"]
    problems = []
    for i, plot in enumerate(assignment.plots):
        widths = [_columns(run, reference) for run in plot.runs]
        for k, (run, width) in enumerate(zip(plot.runs, widths, strict=True)):
            if isinstance(width, str):
                problems.append(f"plots[{i}].runs[{k}]: {run.function}{_shown_args(run)} on the reference {width}")
        known = [width for width in widths if isinstance(width, int)]
        for j, panel in enumerate(plot.panels):
            problems += [f"plots[{i}].panels[{j}]: {problem}" for problem in _panel_problems(panel, known, reference)]
    return problems


def _panel_problems(panel: PlotPanel, widths: list[int], reference: ModuleType) -> list[str]:
    problems = []
    columns = {"column": panel.column}
    if panel.kind == "path":
        if panel.xcolumn is None:
            problems.append('a path needs xcolumn, the column on the x axis (kind = "path")')
        else:
            columns["xcolumn"] = panel.xcolumn
    else:
        path_keys = ("xcolumn", "xlabel", "background", "xrange", "yrange")
        given = [key for key in path_keys if getattr(panel, key) is not None]
        if given:
            problems.append(f'{", ".join(given)} only apply to a path: add kind = "path", or remove them')
    for key, column in columns.items():
        short = [width for width in widths if not -width <= column < width]
        if short:
            problems.append(
                f"{key} = {column}, but the reference's result has {min(short)} column(s) (0 to {min(short) - 1})"
            )
    if panel.kind == "path" and panel.background is not None:
        if not callable(getattr(reference, panel.background, None)):
            problems.append(f"background = {panel.background!r}, but the reference defines no function of that name")
        if panel.xrange is None or panel.yrange is None:
            problems.append("a background needs xrange and yrange, e.g. xrange = [-3, 3]")
    if panel.kind == "path" and (panel.transform != "identity" or panel.yscale != "linear"):
        problems.append("a path is drawn as it is: transform and yscale apply to series panels only")
    return problems


def _columns(run: PlotRun, reference: ModuleType) -> int | str:
    """Returns how many columns the run's result has on the reference, or what went wrong."""
    function = getattr(reference, run.function, None)
    if not callable(function):
        return "does not exist: the reference defines no such function"

    def resolve(value: Any) -> Any:
        return getattr(reference, value[1:], value) if isinstance(value, str) and value.startswith("@") else value

    try:
        with np.errstate(all="ignore"):
            table = np.asarray(function(*map(resolve, run.args), **{k: resolve(v) for k, v in run.kwargs}))
    except Exception as error:  # noqa: BLE001 - the author's call, reported as a problem
        return f"raised {type(error).__name__}: {error}"
    if table.ndim != 2 or table.shape[0] == 0:
        return f"returned shape {table.shape}, not one row per step (a 2-D array)"
    return int(table.shape[1])


def _shown_args(run: PlotRun) -> str:
    return "(" + ", ".join([*map(repr, run.args), *(f"{k}={v!r}" for k, v in run.kwargs)]) + ")"


def package_problems(assignment: Assignment) -> list[str]:
    """Returns one problem per package the assignment declares, or module its reference imports, that the
    grading Python (the workers' too) does not have."""
    problems = []
    missing_declared = [name for name in assignment.packages if not _installed(name.replace("-", "_"))]
    if missing_declared:
        problems.append(
            f"packages {', '.join(missing_declared)} (assignment.toml) are not installed in {sys.executable}: "
            f"pip install {' '.join(missing_declared)}"
        )
    source = assignment.reference_file.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return problems  # grading the reference reports it
    for module in sorted(_imported(tree)):
        if not _installed(module):
            problems.append(
                f"the reference imports {module}, which is not installed in {sys.executable}: install it "
                f"and add it to packages = [...] under [assignment]"
            )
    return problems


def _imported(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def _installed(module: str) -> bool:
    if module in sys.stdlib_module_names or module in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def language_problems(assignment: Assignment) -> list[str]:
    """Returns one problem per language the assignment declares that no report can be written in, or whose
    catalog it does not ship (whether every entry is translated is the catalog test's to say)."""
    problems = []
    for language in assignment.languages:
        if language not in LANGUAGES:
            problems.append(
                f"languages names {language!r} (assignment.toml), in which no report can be written: "
                f"use some of {', '.join(LANGUAGES)}"
            )
        elif language != DEFAULT_LANGUAGE and not catalog_path(assignment.locale, language).is_file():
            problems.append(
                f"languages names {language!r} but {catalog_path(assignment.locale, language)} does not exist: "
                f"run python -m grader.course.catalogs update {assignment.name} and translate it, or leave "
                f"{language!r} out of languages"
            )
    return problems
