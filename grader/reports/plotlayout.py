"""Decides what a plot shows before anything is drawn: each panel's limits, legend corner and marks.

Everything here except the lines' own points becomes the plot's frame, which is drawn once and shared
by every plot with the same frame (see frames.py). So limits are chosen from a small set, the round
numbers matplotlib's own tick locator picks, rather than from each run's exact extremes: runs in about
the same range share one frame, and only their lines differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from matplotlib.ticker import MaxNLocator

from grader.i18n import Translator
from grader.results import DRAWABLE_MAX, Field, Panel, Plot, Series
from grader.text import N_

NO_DATA_TEXT = N_("no finite values to draw")
DIVERGENCE_NOTE = N_("→ %(value)s at %(xlabel)s %(step)s")
"""Where a run stops being finite, e.g. "→ inf at step 9"; the x axis's label names the step."""

MAX_DOTS = 200
"""Isolated points drawn as dots per series, at most: more (a cloud of them) are thinned to each share's
lowest and highest, so the cloud's extent stays. Grading already reduced a series to a few thousand points."""

MARGIN = 0.04
"""The share of each axis left empty beyond the rounded limits, so no line runs along the frame."""

LOG_TICKS = 8
"""A log axis's limits lie on a grid of decades with at most this many steps between them."""
LOG_STRIDES = (1, 2, 5, 10, 20, 50, 100, 200, 1000)
LOG_LIMIT = 300
"""Exponents beyond this overflow matplotlib's axis arithmetic (see DRAWABLE_MAX)."""

LegendCorner = Literal["upper right", "upper left", "lower right", "lower left", "center right"]

LEGEND_CORNERS: tuple[tuple[LegendCorner, tuple[float, float], tuple[float, float]], ...] = (
    ("upper right", (0.5, 1.0), (0.55, 1.0)),
    ("upper left", (0.0, 0.5), (0.55, 1.0)),
    ("lower right", (0.5, 1.0), (0.0, 0.45)),
    ("lower left", (0.0, 0.5), (0.0, 0.45)),
    ("center right", (0.5, 1.0), (0.3, 0.7)),
)
"""Where a legend may go, in order of preference, with the part of the axes (x range, y range as shares
of the axes) it may cover. The one covering the fewest points wins: matplotlib's "best" needs the lines
drawn, and a frame is drawn without them."""


@dataclass(frozen=True)
class Divergence:
    """The mark where a run stops being finite: an X at its last drawable point and a note beside it."""

    step: float
    """The mark's x: the step of a series panel's last drawable point, the x of a path's."""
    value: float
    note: str
    leftward: bool
    """Whether the note goes left of the X (toward the middle of the panel, so it stays inside)."""


@dataclass(frozen=True)
class SeriesFrame:
    """What the frame draws of one series: its legend entry and its marks, not its line."""

    label: str
    color: str
    is_reference: bool
    drawn: bool
    """False when no point can be drawn: the legend says so and there is no line to lay in."""
    dots: tuple[tuple[int, float], ...] = ()
    """Points (step, value) with no drawable neighbour: a line segment cannot show them, so the frame draws a
    dot; at most MAX_DOTS."""
    divergence: Divergence | None = None
    ends: tuple[tuple[float, float], ...] = ()
    """On a path panel, the path's first and last drawable points (x, y): marked as its start and end."""


@dataclass(frozen=True)
class PanelFrame:
    """One axes as the frame draws it."""

    ylabel: str
    log: bool
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    yticks: tuple[float, ...]
    """Where the y axis has its labelled ticks: on a log axis, the grid its limits lie on; () leaves
    them to matplotlib's locator (a linear axis, whose limits are that locator's own ticks)."""
    legend: LegendCorner | None
    """A corner from LEGEND_CORNERS, or None when nothing could be drawn (the panel says so instead)."""
    series: tuple[SeriesFrame, ...]
    xlabel: str = ""
    """A path panel's x axis's label; "" for the plot's."""
    background: Field | None = None
    """A path panel's contour, drawn behind its paths."""


@dataclass(frozen=True)
class FrameSpec:
    """Everything drawn of a plot except its lines: equal specs give equal frames, bytes included."""

    title: str
    xlabel: str
    no_data_text: str
    panels: tuple[PanelFrame, ...]


@dataclass(frozen=True)
class Line:
    """The points of one series to lay into a frame."""

    steps: np.ndarray
    """The x of each point: its step (row of the run, from 1)."""
    values: np.ndarray
    """The y of each point; nan where it cannot be drawn, which lifts the pen."""


@dataclass(frozen=True)
class Layout:
    """A plot split into its frame and its lines: per panel, per series, the line to lay in (None when it
    has no point to draw), in the order of the frame's series."""

    frame: FrameSpec
    lines: tuple[tuple[Line | None, ...], ...]


def layout(plot: Plot, words: Translator) -> Layout:
    """Returns the plot's frame and the lines to lay into it."""
    panels = []
    lines = []
    for panel in plot.panels:
        frame, values = _panel(panel, plot.xlabel, words)
        panels.append(frame)
        lines.append(values)
    spec = FrameSpec(plain(plot.title), plain(plot.xlabel), words.gettext(NO_DATA_TEXT), tuple(panels))
    return Layout(spec, tuple(lines))


def _panel(panel: Panel, xlabel: str, words: Translator) -> tuple[PanelFrame, tuple[Line | None, ...]]:
    if panel.kind == "path":
        return _path_panel(panel, xlabel, words)
    log = panel.yscale == "log"
    series_frames = []
    lines: list[Line | None] = []
    for series in panel.series:
        frame, line = _series(series, xlabel, words, log=log)
        series_frames.append(frame)
        lines.append(line)
    drawn = [line for line in lines if line is not None]
    steps = max((series.length for series in panel.series), default=1)
    xlim = _padded(1.0, float(max(steps, 2)), log=False)
    if not drawn:
        return PanelFrame(plain(panel.ylabel), log, xlim, (0.0, 1.0), (), None, tuple(series_frames)), tuple(lines)
    finite = np.concatenate([line.values[~np.isnan(line.values)] for line in drawn])
    low, high, yticks = (_decades if log else _round_numbers)(float(finite.min()), float(finite.max()))
    ylim = _padded(low, high, log=log)
    legend = _emptiest_corner(drawn, xlim, ylim, log=log)
    panel_frame = PanelFrame(plain(panel.ylabel), log, xlim, ylim, yticks, legend, tuple(series_frames))
    return panel_frame, tuple(lines)


def _series(series: Series, xlabel: str, words: Translator, *, log: bool) -> tuple[SeriesFrame, Line | None]:
    values = np.asarray(series.values, dtype=np.float64)
    steps = np.asarray(series.steps or range(1, len(values) + 1), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        in_range = np.isfinite(values) & (np.abs(values) <= DRAWABLE_MAX)
        drawable = in_range & ((values > 0) if log else True)
    whose = words.gettext("reference") if series.is_reference else words.gettext("yours")
    label = plain(f"{series.label} ({whose})")
    if not drawable.any():
        # Still listed in the legend, so a student sees the run exists and why it has no line.
        no_data = f"{label}: {words.gettext(NO_DATA_TEXT)}"
        return SeriesFrame(no_data, series.color, series.is_reference, drawn=False), None
    neighbours = np.r_[False, drawable[:-1]] | np.r_[drawable[1:], False]
    isolated = _thinned(np.flatnonzero(drawable & ~neighbours), values)
    dots = tuple((int(steps[i]), float(values[i])) for i in isolated)
    divergence = _divergence(values, steps, drawable, in_range, xlabel, words)
    frame = SeriesFrame(label, series.color, series.is_reference, True, dots, divergence)
    return frame, Line(steps.astype(np.float64), np.where(drawable, values, np.nan))


def _path_panel(panel: Panel, xlabel: str, words: Translator) -> tuple[PanelFrame, tuple[Line | None, ...]]:
    """Returns a path panel's frame: limits around its paths and background, each path's ends marked."""
    frames_and_lines = [_path_series(series, xlabel, words) for series in panel.series]
    series_frames = tuple(frame for frame, _ in frames_and_lines)
    lines = tuple(line for _, line in frames_and_lines)
    drawn = [line for line in lines if line is not None]
    shown = (plain(panel.ylabel), False)
    if not drawn:
        return PanelFrame(*shown, (0.0, 1.0), (0.0, 1.0), (), None, series_frames, plain(panel.xlabel)), lines
    field = panel.background
    limits = []
    for axis, extent in ((0, field.xrange if field else None), (1, field.yrange if field else None)):
        finite = np.concatenate([(line.steps if axis == 0 else line.values) for line in drawn])
        finite = finite[~np.isnan(finite)]
        ends = [*extent] if extent else []
        low, high, _ = _round_numbers(float(min(finite.min(), *ends)), float(max(finite.max(), *ends)))
        limits.append(_padded(low, high, log=False))
    legend = _emptiest_corner(drawn, limits[0], limits[1], log=False)
    frame = PanelFrame(*shown, limits[0], limits[1], (), legend, series_frames, plain(panel.xlabel), field)
    return frame, lines


def _path_series(series: Series, xlabel: str, words: Translator) -> tuple[SeriesFrame, Line | None]:
    xs = np.asarray(series.xs, dtype=np.float64)
    ys = np.asarray(series.values, dtype=np.float64)
    steps = np.asarray(series.steps or range(1, len(ys) + 1), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        drawable = np.isfinite(xs) & np.isfinite(ys) & (np.abs(xs) <= DRAWABLE_MAX) & (np.abs(ys) <= DRAWABLE_MAX)
    whose = words.gettext("reference") if series.is_reference else words.gettext("yours")
    label = plain(f"{series.label} ({whose})")
    if not drawable.any():
        no_data = f"{label}: {words.gettext(NO_DATA_TEXT)}"
        return SeriesFrame(no_data, series.color, series.is_reference, drawn=False), None
    kept = np.flatnonzero(drawable)
    ends = tuple((float(xs[i]), float(ys[i])) for i in (kept[0], kept[-1]))
    divergence = None
    if not drawable.all() and kept[-1] < len(ys) - 1:  # the path leaves the drawable plane for good
        bad = int(kept[-1]) + 1
        value = ys[bad] if not np.isfinite(ys[bad]) or abs(ys[bad]) > DRAWABLE_MAX else xs[bad]
        note = words.gettext(DIVERGENCE_NOTE) % {
            "value": _word_for(float(value), words),
            "xlabel": xlabel,
            "step": int(steps[bad]),
        }
        last_x, last_y = ends[1]
        leftward = bool(last_x >= float(np.median(xs[kept])))
        divergence = Divergence(last_x, last_y, plain(note), leftward)
    frame = SeriesFrame(label, series.color, series.is_reference, True, (), divergence, ends)
    return frame, Line(xs, np.where(drawable, ys, np.nan))


def _thinned(isolated: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Returns at most MAX_DOTS of the isolated points, in order: all when few; else, of each of
    MAX_DOTS / 2 shares, its lowest and highest."""
    if len(isolated) <= MAX_DOTS:
        return isolated
    shares = np.array_split(isolated, MAX_DOTS // 2)
    picks = {int(s[np.argmin(values[s])]) for s in shares} | {int(s[np.argmax(values[s])]) for s in shares}
    return np.array(sorted(picks), dtype=np.int64)


def _divergence(
    values: np.ndarray,
    steps: np.ndarray,
    drawable: np.ndarray,
    in_range: np.ndarray,
    xlabel: str,
    words: Translator,
) -> Divergence | None:
    out_of_range = np.flatnonzero(~in_range)
    if not len(out_of_range):
        return None
    first_bad = int(out_of_range[0])
    before = np.flatnonzero(drawable[:first_bad])
    if not len(before):
        return None
    last_good = int(before[-1])
    note = words.gettext(DIVERGENCE_NOTE) % {
        "value": _word_for(float(values[first_bad]), words),
        "xlabel": xlabel,
        "step": int(steps[first_bad]),
    }
    leftward = steps[last_good] - 1 >= (steps[-1] - 1) / 2
    return Divergence(int(steps[last_good]), float(values[last_good]), plain(note), bool(leftward))


def _round_numbers(low: float, high: float) -> tuple[float, float, tuple[float, ...]]:
    """Returns the outermost ticks matplotlib's locator puts around [low, high], and no ticks of its own:
    the frame's locator finds these again."""
    if high - low <= abs(high) * 1e-12:  # a flat line: a range around it, as matplotlib would choose
        spread = abs(high) * 0.1 or 1.0
        low, high = low - spread, high + spread
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    return float(ticks[0]), float(ticks[-1]), ()


def _decades(low: float, high: float) -> tuple[float, float, tuple[float, ...]]:
    """Returns powers of ten around [low, high], on a grid of every decade, or of every few when the run
    spans many (runs that diverge at about the same speed share a frame), and the grid's ticks."""
    bottom, top = math.floor(math.log10(low)), math.ceil(math.log10(high))
    stride = next(s for s in LOG_STRIDES if top - bottom <= LOG_TICKS * s)
    bottom, top = max((bottom // stride) * stride, -LOG_LIMIT), min(-(-top // stride) * stride, LOG_LIMIT)
    top = max(top, bottom + 1)
    ticks = tuple(10.0**exponent for exponent in range(bottom, top + 1, stride))
    return 10.0**bottom, 10.0**top, ticks


def _padded(low: float, high: float, *, log: bool) -> tuple[float, float]:
    if log:
        bottom, top = math.log10(low), math.log10(high)
        pad = (top - bottom) * MARGIN
        return 10.0 ** (bottom - pad), 10.0 ** (top + pad)
    pad = (high - low) * MARGIN
    return low - pad, high + pad


def _emptiest_corner(
    lines: list[Line], xlim: tuple[float, float], ylim: tuple[float, float], *, log: bool
) -> LegendCorner:
    """Returns the legend corner that covers the fewest of the lines' points."""
    xs = np.concatenate([(line.steps - xlim[0]) / (xlim[1] - xlim[0]) for line in lines])
    ys = np.concatenate([line.values for line in lines])
    if log:
        with np.errstate(invalid="ignore", divide="ignore"):
            ys = (np.log10(ys) - math.log10(ylim[0])) / (math.log10(ylim[1]) - math.log10(ylim[0]))
    else:
        ys = (ys - ylim[0]) / (ylim[1] - ylim[0])
    shown = ~np.isnan(ys)
    xs, ys = xs[shown], ys[shown]

    def covered(corner: tuple[LegendCorner, tuple[float, float], tuple[float, float]]) -> int:
        _, (left, right), (bottom, top) = corner
        return int(np.count_nonzero((xs >= left) & (xs <= right) & (ys >= bottom) & (ys <= top)))

    return min(LEGEND_CORNERS, key=covered)[0]  # min keeps the first of equals: the order is the preference


def _word_for(value: float, words: Translator) -> str:
    """Returns how a value that cannot be drawn is named on the plot."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return words.gettext("overflow")


def plain(text: str) -> str:
    """Returns `text` with "$" escaped, so matplotlib draws it as written instead of as a formula."""
    return text.replace("$", r"\$")
