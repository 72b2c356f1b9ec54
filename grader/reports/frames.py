"""Draws a plot's frame with matplotlib: axes, ticks, labels, legend, marks, everything but the lines.

A frame is drawn once and reused by every plot with the same FrameSpec. Each line is drawn in the
frame as a two-point stand-in with a known id, so matplotlib writes its style, dashes and clipping;
the frame keeps the SVG split around the stand-in's points, and a plot lays its own points there,
mapped through the same axes transforms matplotlib used.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from grader.files import write_atomically
from grader.reports.plotlayout import FrameSpec, Line, PanelFrame, SeriesFrame
from grader.results import Field

FIGURE_SIZE = (9.0, 3.2)
"""Inches; wide and short so two or three panels sit side by side in a report."""

FRAMES_KEPT = 64
"""How many drawn frames a cache keeps in memory (the most recently used); a frame is tens of kilobytes."""

POINTS_PER_INCH = 72
"""SVG's unit: at this dpi, matplotlib's display coordinates are the SVG's own (with y flipped)."""

# No date and no matplotlib version in the file, so the same data gives the same bytes anywhere.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

_STAND_IN_ID = "gd-line-{panel}-{series}"
_STAND_IN = re.compile(r'<g id="gd-line-(\d+)-(\d+)">\s*<path d="[^"]*"')


@dataclass(frozen=True)
class Scale:
    """One panel's map from data to SVG coordinates, read off matplotlib's transform for that axes:
    x_svg = x_scale·step + x_offset, y_svg = y_scale·y + y_offset, with log10(y) for y on a log axis."""

    x_scale: float
    x_offset: float
    y_scale: float
    y_offset: float
    log: bool

    def points(self, steps: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Returns (x, y) in SVG coordinates for values[i] at steps[i]; nan rows where a value is nan."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ys = np.log10(values) if self.log else values
        return np.column_stack([steps * self.x_scale + self.x_offset, ys * self.y_scale + self.y_offset])


@dataclass(frozen=True)
class Frame:
    """A frame's SVG in pieces: pieces[0], line 0's path data, pieces[1], line 1's, ..., pieces[-1]."""

    pieces: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]
    """(panel, series) of the line whose path data goes after each piece but the last."""
    scales: tuple[Scale, ...]

    def svg(self, lines: tuple[tuple[Line | None, ...], ...]) -> str:
        """Returns the frame with each line's points laid in."""
        out = [self.pieces[0]]
        for (panel, series), piece in zip(self.slots, self.pieces[1:], strict=True):
            line = lines[panel][series]
            assert line is not None, "a frame has a slot only for a series with points to draw"
            out.append(_path(self.scales[panel].points(line.steps, line.values)))
            out.append(piece)
        return "".join(out)

    def to_json(self) -> str:
        return json.dumps({"pieces": self.pieces, "slots": self.slots, "scales": [astuple(s) for s in self.scales]})

    @classmethod
    def from_json(cls, stored: str) -> Frame:
        data = json.loads(stored)
        slots = tuple((int(panel), int(series)) for panel, series in data["slots"])
        return cls(tuple(data["pieces"]), slots, tuple(Scale(*scale) for scale in data["scales"]))


class FrameCache:
    """Drawn frames by spec: the `kept` most recently used in memory and, with a directory, all of them on
    disk, shared by every grading process and later runs (`salt` names the drawing code's version);
    `store` writes a frame there (the plot cache's, which bounds what the folder holds)."""

    def __init__(
        self,
        directory: Path | None = None,
        salt: bytes = b"",
        kept: int = FRAMES_KEPT,
        store: Callable[[Path, str], object] = write_atomically,
    ):
        self.directory, self.salt, self.kept, self.store = directory, salt, kept, store
        self._memory: OrderedDict[FrameSpec, Frame] = OrderedDict()

    def frame(self, spec: FrameSpec) -> Frame:
        """Returns the frame for `spec`, drawing it only when neither memory nor the directory has it."""
        frame = self._memory.get(spec)
        if frame is not None:
            self._memory.move_to_end(spec)
            return frame
        stored = (
            self.directory / f"{hashlib.sha256(self.salt + repr(spec).encode()).hexdigest()}.json"
            if self.directory
            else None
        )
        if stored is not None and stored.is_file():
            frame = Frame.from_json(stored.read_text(encoding="utf-8"))
        else:
            # The salt makes element ids reproducible; from the title, so two plots' ids in one page differ.
            frame = draw_frame(spec, salt=f"gd-autograder:{spec.title}")
            if stored is not None:
                self.store(stored, frame.to_json())
        self._memory[spec] = frame
        if len(self._memory) > self.kept:
            self._memory.popitem(last=False)  # the least recently used
        return frame

    def forget(self) -> None:
        """Drops the frames held in memory."""
        self._memory.clear()

    @property
    def in_memory(self) -> int:
        return len(self._memory)


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
        height = figure.bbox.height
        scales = tuple(
            _scale(axes, panel, height) for axes, panel in zip(axes_row[: len(spec.panels)], spec.panels, strict=True)
        )
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # an XML header or DOCTYPE is not allowed inside HTML
    return _split(svg, scales)


def _draw_panel(axes: Axes, index: int, panel: PanelFrame, spec: FrameSpec) -> None:
    axes.set_autoscale_on(False)
    if panel.background is not None:
        _draw_background(axes, panel.background)
    for number, series in enumerate(panel.series):
        _draw_series(axes, panel, series, _STAND_IN_ID.format(panel=index, series=number))
    axes.set_xlabel(panel.xlabel or spec.xlabel)
    axes.set_ylabel(panel.ylabel)
    if not panel.xlabel:  # a series panel's x is a step; a path's is a value
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if panel.legend is None:
        _say_no_data(axes, spec.no_data_text)
        return
    if panel.log:
        axes.set_yscale("log")
        # Over 70 decades, minor ticks are thousands of invisible marks that take most of the drawing time.
        axes.yaxis.set_major_locator(FixedLocator(panel.yticks))
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
    for (end_x, end_y), marker in zip(series.ends, ("o", "s"), strict=False):  # a path's start and end
        face = "white" if series.is_reference else series.color
        axes.plot(
            [end_x], [end_y], marker=marker, markersize=6, color=series.color, markerfacecolor=face, linestyle="none"
        )
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


def _draw_background(axes: Axes, field: Field) -> None:
    """Draws a path panel's background as thin contour lines behind the paths, darker where it is higher."""
    values = np.array(field.values, dtype=np.float64)
    rows, columns = values.shape
    xs, ys = np.linspace(*field.xrange, columns), np.linspace(*field.yrange, rows)
    if np.isfinite(values).any() and np.nanmax(values) > np.nanmin(values):
        # Lines only: filled contours triple the SVG (about 130 KB more) and say little more.
        axes.contour(xs, ys, values, levels=field.levels, cmap="Greys", linewidths=0.6, alpha=0.8, zorder=0)


def _scale(axes: Axes, panel: PanelFrame, height: float) -> Scale:
    """Returns the panel's data-to-SVG map, from two points through matplotlib's own transform."""
    if panel.legend is None:  # nothing drawn, so no line to lay in
        return Scale(1.0, 0.0, 1.0, 0.0, log=False)
    (x0, y0), (x1, y1) = axes.transData.transform([(panel.xlim[0], panel.ylim[0]), (panel.xlim[1], panel.ylim[1])])
    if panel.log:
        low, high = math.log10(panel.ylim[0]), math.log10(panel.ylim[1])
    else:
        low, high = panel.ylim
    x_scale = (x1 - x0) / (panel.xlim[1] - panel.xlim[0])
    y_scale = (y1 - y0) / (high - low)  # display y grows upward, SVG y downward: flipped below
    x_offset, y_offset = x0 - x_scale * panel.xlim[0], height - (y0 - y_scale * low)
    return Scale(float(x_scale), float(x_offset), float(-y_scale), float(y_offset), panel.log)


def _split(svg: str, scales: tuple[Scale, ...]) -> Frame:
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
    return Frame(tuple(pieces), tuple(slots), scales)


def _power_of_ten(value: float, _position: int) -> str:
    return f"1e{round(math.log10(value))}" if value > 0 else ""


def _say_no_data(axes: Axes, text: str) -> None:
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=10, color="#57606a")
    axes.set_xticks([])
    axes.set_yticks([])


def _path(points: np.ndarray) -> str:
    """Returns SVG path data through the points, lifting the pen over nan rows, to 0.01 pt."""
    shown = ~np.isnan(points[:, 1])
    starts = shown & ~np.r_[False, shown[:-1]]
    commands = np.where(starts, "M", "L")[shown].tolist()
    coordinates = np.round(points[shown], 2).tolist()
    return "".join(f"{c} {x:g} {y:g} \n" for c, (x, y) in zip(commands, coordinates, strict=True))
