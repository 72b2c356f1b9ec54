"""Path panels: one column against another over a field of the reference, start and end marked, reduced as
lines are; and `grader validate` names a panel the reference cannot fill as plots[i].panels[j]."""

from __future__ import annotations

import dataclasses
import shutil
import types
from pathlib import Path

import numpy as np

from grader.assignment import PlotPanel, PlotRun, PlotSpec, load_assignment
from grader.course.preflight import plot_problems
from grader.grading.decimation import MAX_POINTS, reduced_path
from grader.grading.plotdata import build_plot
from grader.reports.plots import render_svg

TOY = Path(__file__).parent / "fixtures" / "toy"


def peaks(x, y):
    return (1 - x) ** 2 * np.exp(-(x**2) - (y + 1) ** 2) - np.exp(-(x**2) - y**2)


def spiral(n):
    t = np.linspace(0, 6, n)
    return np.column_stack([np.cos(t) * (1 - t / 7), np.sin(t) * (1 - t / 7), t])


REFERENCE = types.SimpleNamespace(__name__="path_reference", peaks=peaks, spiral=spiral)
PANEL = PlotPanel(
    "y", 1, "identity", 0.0, "linear", kind="path", xcolumn=0, xlabel="x", background="peaks",
    xrange=(-2.0, 2.0), yrange=(-2.0, 2.0), grid=31, levels=8,
)  # fmt: skip
SPEC = PlotSpec("A path", "The path over peaks.", (PlotRun("run", "tab:blue", "spiral", (50,), ()),), (PANEL,))


def test_a_path_panel_draws_its_background_ends_and_labels():
    plot = build_plot(SPEC, REFERENCE, None)  # type: ignore[arg-type]
    panel = plot.panels[0]
    assert panel.kind == "path" and panel.xlabel == "x"
    assert panel.background is not None and len(panel.background.values) == 31
    assert panel.series[0].xs[0] == 1.0 and len(panel.series[0].xs) == 50
    svg = render_svg(plot)
    assert svg.count("<path") > 20  # contour lines beside the path
    assert ">x<" in svg or "x</text>" in svg


def test_a_long_path_is_reduced_to_a_bounded_number_of_points_keeping_its_ends_and_divergence():
    table = spiral(1_000_000)
    table[700_000:, 0] = np.inf
    steps, xs, ys = reduced_path(lambda a, b: table[a:b, 0], lambda a, b: table[a:b, 1], len(table))
    assert len(steps) <= MAX_POINTS
    assert steps[0] == 1 and steps[-1] == 1_000_000
    assert 700_001 in steps and 700_000 in steps  # the first row out of range, the last drawable before it
    assert list(steps) == sorted(set(steps)) and len(xs) == len(ys) == len(steps)


def test_validate_names_a_column_out_of_range_and_a_missing_background(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    toy = load_assignment(folder)
    bad = dataclasses.replace(toy.plots[0].panels[0], kind="path", xcolumn=7, background="nope", xrange=(0.0, 1.0))
    toy = dataclasses.replace(toy, plots=(dataclasses.replace(toy.plots[0], panels=(bad,)),))
    problems = plot_problems(toy)
    assert any(p.startswith("plots[0].panels[0]: xcolumn = 7, but the reference's result has") for p in problems)
    assert "plots[0].panels[0]: background = 'nope', but the reference defines no function of that name" in problems
    assert "plots[0].panels[0]: a background needs xrange and yrange, e.g. xrange = [-3, 3]" in problems
    assert plot_problems(load_assignment(folder)) == []
