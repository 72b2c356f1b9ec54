"""Draws a plot's frame with matplotlib: axes, ticks, labels, legend, marks, everything but the lines.

A frame is drawn once and reused by every plot with the same FrameSpec. Each line is drawn in the
frame as a two-point stand-in with a known id, so matplotlib writes its style, dashes and clipping;
the frame keeps the SVG split around the stand-in's points, and a plot lays its own points there,
mapped through the same axes transforms matplotlib used.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator
from matplotlib.transforms import Transform

from grader.reports.plotlayout import FrameSpec, PanelFrame, SeriesFrame

FIGURE_SIZE = (9.0, 3.2)
"""Inches; wide and short so two or three panels sit side by side in a report."""

POINTS_PER_INCH = 72
"""SVG's unit: at this dpi, matplotlib's display coordinates are the SVG's own (with y flipped)."""

# No date and no matplotlib version in the file, so the same data gives the same bytes anywhere.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

_STAND_IN_ID = "gd-line-{panel}-{series}"
_STAND_IN = re.compile(r'<g id="gd-line-(\d+)-(\d+)">\s*<path d="[^"]*"')


@dataclass(frozen=True)
class Frame:
    """A frame's SVG in pieces: pieces[0], line 0's path data, pieces[1], line 1's, ..., pieces[-1]."""

    pieces: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]
    """(panel, series) of the line whose path data goes after each piece but the last."""
    transforms: tuple[Transform, ...]
    """Per panel, data to SVG coordinates (matplotlib's own transform of that axes, frozen)."""
    height: float
    """The SVG's height in points: display y is measured up from the bottom, SVG y down from the top."""

    def svg(self, lines: tuple[tuple[np.ndarray | None, ...], ...]) -> str:
        """Returns the frame with each line's points laid in."""
        out = [self.pieces[0]]
        for (panel, series), piece in zip(self.slots, self.pieces[1:], strict=True):
            values = lines[panel][series]
            assert values is not None, "a frame has a slot only for a series with points to draw"
            out.append(self._path(panel, values))
            out.append(piece)
        return "".join(out)

    def _path(self, panel: int, values: np.ndarray) -> str:
        points = np.column_stack([np.arange(1, len(values) + 1, dtype=np.float64), values])
        shown = ~np.isnan(values)
        xy = np.full_like(points, np.nan)
        xy[shown] = self.transforms[panel].transform(points[shown])
        commands = []
        pen_down = False
        for (x, y), visible in zip(xy, shown, strict=True):
            if visible:
                commands.append(f"{'L' if pen_down else 'M'} {_number(x)} {_number(self.height - y)}")
            pen_down = bool(visible)
        return " \n".join(commands) + " \n"


def draw_frame(spec: FrameSpec, salt: str) -> Frame:
    """Returns the frame drawn; `salt` makes matplotlib's element ids reproducible."""
    # Drawing starts from matplotlib's default style, so a local matplotlibrc cannot change the bytes.
    # Text stays text ("none"): searchable and small.
    with (
        matplotlib.style.context("default"),
        matplotlib.rc_context(
            {
                "svg.fonttype": "none",
                "svg.hashsalt": salt,
                "svg.image_inline": True,
                "text.usetex": False,
                "axes.unicode_minus": True,
                "font.size": 9.0,
            }
        ),
    ):
        # Fixed margins rather than a layout engine: constrained layout redraws the figure several times.
        figure = Figure(figsize=FIGURE_SIZE, dpi=POINTS_PER_INCH)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.86, wspace=0.28)
        axes_row = figure.subplots(1, max(1, len(spec.panels)), squeeze=False)[0]
        if spec.panels:
            for index, (axes, panel) in enumerate(zip(axes_row, spec.panels, strict=True)):
                _draw_panel(axes, index, panel, spec)
        else:
            _say_no_data(axes_row[0], spec.no_data_text)
        figure.suptitle(spec.title, fontsize=11)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_METADATA)
        transforms = tuple(axes.transData.frozen() for axes in axes_row[: len(spec.panels)])
        height = figure.bbox.height
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # an XML header or DOCTYPE is not allowed inside HTML
    return _split(svg, transforms, height)


def _draw_panel(axes: Axes, index: int, panel: PanelFrame, spec: FrameSpec) -> None:
    axes.set_autoscale_on(False)
    for number, series in enumerate(panel.series):
        _draw_series(axes, panel, series, _STAND_IN_ID.format(panel=index, series=number))
    axes.set_xlabel(spec.xlabel)
    axes.set_ylabel(panel.ylabel)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if panel.legend is None:
        _say_no_data(axes, spec.no_data_text)
        return
    if panel.log:
        axes.set_yscale("log")
        # Over 70 decades, minor ticks are thousands of invisible marks that take most of the drawing time.
        axes.yaxis.set_major_locator(LogLocator(numticks=8))
        axes.yaxis.set_minor_locator(NullLocator())
        # "1e70" as plain text: matplotlib's default "10^70" goes through its slow mathtext parser.
        axes.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    axes.set_xlim(*panel.xlim)
    axes.set_ylim(*panel.ylim)
    axes.grid(True, linewidth=0.4, alpha=0.5)
    axes.legend(fontsize=7, loc=panel.legend, framealpha=0.85)


def _draw_series(axes: Axes, panel: PanelFrame, series: SeriesFrame, stand_in_id: str) -> None:
    if not series.drawn:
        axes.plot([], [], color=series.color, label=series.label)
        return
    style = {"linestyle": "--", "linewidth": 1.2} if series.is_reference else {"linewidth": 2.0}
    # The stand-in: two points inside the axes, replaced by the series' own when a plot is laid in.
    x = [sum(panel.xlim) / 2, panel.xlim[1]]
    y = [math.sqrt(panel.ylim[0] * panel.ylim[1]) if panel.log else sum(panel.ylim) / 2] * 2
    axes.plot(x, y, color=series.color, label=series.label, gid=stand_in_id, **style)
    if series.dots:
        steps, values = zip(*series.dots, strict=True)
        axes.plot(steps, values, color=series.color, marker="o", markersize=3, linestyle="none")
    if series.divergence is not None:
        mark = series.divergence
        axes.plot([mark.step], [mark.value], marker="X", markersize=8, color=series.color, linestyle="none")
        axes.annotate(
            mark.note,
            (mark.step, mark.value),
            xytext=(-6 if mark.leftward else 6, -6),
            textcoords="offset points",
            ha="right" if mark.leftward else "left",
            va="top",
            fontsize=8,
            color="#1f2328",
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": series.color},
        )


def _split(svg: str, transforms: tuple[Transform, ...], height: float) -> Frame:
    pieces = []
    slots = []
    start = 0
    for found in _STAND_IN.finditer(svg):
        cut = found.end() - 1  # just before the closing quote of d="..."
        opening = svg.rindex('d="', found.start(), found.end()) + len('d="')
        pieces.append(svg[start:opening])
        slots.append((int(found.group(1)), int(found.group(2))))
        start = cut
    pieces.append(svg[start:])
    return Frame(tuple(pieces), tuple(slots), transforms, height)


def _power_of_ten(value: float, _position: int) -> str:
    return f"1e{round(math.log10(value))}" if value > 0 else ""


def _say_no_data(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=10, color="#57606a")
    axes.set_xticks([])
    axes.set_yticks([])


def _number(value: float) -> str:
    """Returns a coordinate as matplotlib writes one: at most six decimals, no trailing zeros."""
    return f"{value:.6f}".rstrip("0").rstrip(".")
