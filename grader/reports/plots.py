"""Returns a report's plots as inline SVG text, drawn so diverging runs (inf, nan, 1e70) stay readable."""

from __future__ import annotations

import io
import math
import re
from xml.sax.saxutils import escape, quoteattr

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from grader.i18n import Translator, translator
from grader.results import Panel, Plot, Series
from grader.text import N_

FIGURE_SIZE = (9.0, 3.2)
"""Inches; wide and short so two or three panels sit side by side in a report."""

NO_DATA_TEXT = N_("no finite values to draw")
DIVERGENCE_NOTE = N_("→ %(value)s at %(xlabel)s %(step)s")
"""Where a run stops being finite, e.g. "→ inf at step 9"; the x axis's label names the step."""

DRAWABLE_MAX = 1e300
"""Larger magnitudes overflow matplotlib's axis arithmetic; they are marked like inf, as "overflow"."""

# No date and no matplotlib version in the file, so the same data gives the same bytes anywhere.
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def render_svg(plot: Plot) -> str:
    """Returns `plot` as an <svg> element (no XML header) with a <title> and an aria-label."""
    # Drawing starts from matplotlib's default style, so a local matplotlibrc cannot change the bytes.
    # Text stays text ("none"): searchable and small. The salt makes element ids reproducible; taking
    # it from the title keeps the ids of two plots in one page apart.
    with (
        matplotlib.style.context("default"),
        matplotlib.rc_context(
            {
                "svg.fonttype": "none",
                "svg.hashsalt": f"gd-autograder:{plot.title}",
                "svg.image_inline": True,
                "text.usetex": False,
                "axes.unicode_minus": True,
                "font.size": 9.0,
            }
        ),
    ):
        # Fixed margins rather than a layout engine: constrained layout redraws the figure several times.
        figure = Figure(figsize=FIGURE_SIZE)
        figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.86, wspace=0.28)
        words = translator(plot.language)  # the plot's own words; its data's texts come translated
        axes_row = figure.subplots(1, max(1, len(plot.panels)), squeeze=False)[0]
        if plot.panels:
            for axes, panel in zip(axes_row, plot.panels, strict=True):
                _draw_panel(axes, panel, plot.xlabel, words)
        else:
            _say_no_data(axes_row[0], words)
        figure.suptitle(_plain(plot.title), fontsize=11)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata=_METADATA)
    return _accessible(_strip_prologue(buffer.getvalue()), plot)


def _draw_panel(axes: Axes, panel: Panel, xlabel: str, words: Translator) -> None:
    log = panel.yscale == "log"
    drawn_any = False
    for series in panel.series:
        drawn_any |= _draw_series(axes, series, xlabel, words, log=log)
    axes.set_xlabel(_plain(xlabel))
    axes.set_ylabel(_plain(panel.ylabel))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not drawn_any:
        _say_no_data(axes, words)
        return
    if log:
        axes.set_yscale("log")
        # Over 70 decades, minor ticks are thousands of invisible marks that take most of the drawing time.
        axes.yaxis.set_major_locator(LogLocator(numticks=8))
        axes.yaxis.set_minor_locator(NullLocator())
        # "1e70" as plain text: matplotlib's default "10^70" goes through its slow mathtext parser.
        axes.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
    axes.grid(True, linewidth=0.4, alpha=0.5)
    axes.legend(fontsize=7, loc="best", framealpha=0.85)


def _draw_series(axes: Axes, series: Series, xlabel: str, words: Translator, *, log: bool) -> bool:
    """Returns whether any point of `series` could be drawn; marks where it stops being finite."""
    values = np.asarray(series.values, dtype=np.float64)
    steps = np.arange(1, len(values) + 1)
    in_range = np.isfinite(values) & (np.abs(values) <= DRAWABLE_MAX)
    drawable = in_range & ((values > 0) if log else True)
    whose = words.gettext("reference") if series.is_reference else words.gettext("yours")
    label = _plain(f"{series.label} ({whose})")
    if not drawable.any():
        # Still listed in the legend, so a student sees the run exists and why it has no line.
        axes.plot([], [], color=series.color, label=f"{label}: {words.gettext(NO_DATA_TEXT)}")
        return False
    style = {"linestyle": "--", "linewidth": 1.2} if series.is_reference else {"linewidth": 2.0}
    axes.plot(steps, np.where(drawable, values, np.nan), color=series.color, label=label, **style)
    # A point with no drawable neighbour makes no line segment; a dot keeps it visible.
    neighbours = np.r_[False, drawable[:-1]] | np.r_[drawable[1:], False]
    alone = drawable & ~neighbours
    if alone.any():
        axes.plot(steps[alone], values[alone], color=series.color, marker="o", markersize=3, linestyle="none")
    _mark_divergence(axes, series.color, values, steps, drawable, in_range, xlabel, words)
    return True


def _mark_divergence(
    axes: Axes,
    color: str,
    values: np.ndarray,
    steps: np.ndarray,
    drawable: np.ndarray,
    in_range: np.ndarray,
    xlabel: str,
    words: Translator,
) -> None:
    out_of_range = np.flatnonzero(~in_range)
    if not len(out_of_range):
        return
    first_bad = int(out_of_range[0])
    before = np.flatnonzero(drawable[:first_bad])
    if not len(before):
        return
    last_good = int(before[-1])
    axes.plot([steps[last_good]], [values[last_good]], marker="X", markersize=8, color=color, linestyle="none")
    # Text goes toward the middle of the panel so it stays inside the axes.
    leftward = last_good >= (len(values) - 1) / 2
    axes.annotate(
        _plain(
            words.gettext(DIVERGENCE_NOTE)
            % {"value": _word_for(float(values[first_bad]), words), "xlabel": xlabel, "step": steps[first_bad]}
        ),
        (steps[last_good], values[last_good]),
        xytext=(-6 if leftward else 6, -6),
        textcoords="offset points",
        ha="right" if leftward else "left",
        va="top",
        fontsize=8,
        color="#1f2328",
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": color},
    )


def _power_of_ten(value: float, _position: int) -> str:
    return f"1e{round(math.log10(value))}" if value > 0 else ""


def _word_for(value: float, words: Translator) -> str:
    """Returns how a value that cannot be drawn is named on the plot."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return words.gettext("overflow")


def _say_no_data(axes: Axes, words: Translator) -> None:
    text = words.gettext(NO_DATA_TEXT)
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", fontsize=10, color="#57606a")
    axes.set_xticks([])
    axes.set_yticks([])


def _plain(text: str) -> str:
    """Returns `text` with "$" escaped, so matplotlib draws it as written instead of as a formula."""
    return text.replace("$", r"\$")


def _strip_prologue(svg: str) -> str:
    """Returns the text from the <svg> tag on: an XML header or DOCTYPE is not allowed inside HTML."""
    return svg[svg.index("<svg") :]


def _accessible(svg: str, plot: Plot) -> str:
    label = f"{plot.title}. {plot.description}" if plot.description else plot.title
    opening = re.match(r"<svg\b[^>]*>", svg)
    assert opening is not None, "matplotlib wrote an SVG without an <svg> tag"
    tag = opening.group(0)[:-1] + f' role="img" aria-label={quoteattr(label)}>'
    return tag + f"\n <title>{escape(label)}</title>" + svg[opening.end() :]
