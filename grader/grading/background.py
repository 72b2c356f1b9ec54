"""Returns a path panel's background: a function of the reference on a grid, computed in the trusted process.

The function is the assignment's own (`background = "name"` in a [[plots.panels]] table), so it runs here
beside the reference, never in a worker. Every student's plot has the same background: it is computed once
per process and becomes part of the plot's frame, drawn once (reports/frames.py).
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from grader.assignment import PlotPanel
from grader.results import Field

_computed: dict[tuple[str, PlotPanel], Field | None] = {}


def background_field(panel: PlotPanel, reference: ModuleType) -> Field | None:
    """Returns the panel's background: the reference's function on a `grid` × `grid` meshgrid over the ranges;
    None when the reference has no such function or the panel no ranges (`grader validate` names the panel:
    a student's plot is drawn without it rather than not at all).

    The function is called once on the two 2-D arrays; one that takes only numbers (it raised, or gave back
    something of another shape) is called once per point. Values that are not finite are left out of the
    contour (nan)."""
    key = (getattr(reference, "__file__", None) or reference.__name__, panel)
    if key not in _computed:
        _computed[key] = _field(panel, reference)
    return _computed[key]


def _field(panel: PlotPanel, reference: ModuleType) -> Field | None:
    function = getattr(reference, panel.background or "", None)
    if not callable(function) or panel.xrange is None or panel.yrange is None:
        return None
    xs = np.linspace(*panel.xrange, panel.grid)
    ys = np.linspace(*panel.yrange, panel.grid)
    grid_x, grid_y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        try:
            values = np.asarray(function(grid_x, grid_y), dtype=np.float64)
        except Exception:  # noqa: BLE001 - a function of numbers only: called point by point below
            values = np.empty(0)
        if values.shape != grid_x.shape:
            values = np.array(
                [[float(function(float(x), float(y))) for x in xs] for y in ys],
                dtype=np.float64,
            )
    values = np.where(np.isfinite(values), values, np.nan)
    return Field(
        xrange=panel.xrange,
        yrange=panel.yrange,
        values=tuple(tuple(float(v) for v in row) for row in values),
        levels=panel.levels,
    )
