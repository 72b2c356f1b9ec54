"""Returns a report's plots as inline SVG text, drawn so diverging runs (inf, nan, 1e70) stay readable.

A plot is its frame (axes, ticks, labels, legend, marks; see frames.py) with its lines laid in. Frames
are drawn by matplotlib, once per distinct frame; laying lines into a drawn frame costs about as much as
writing their points, so a plot no one else has costs little more than its data.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from xml.sax.saxutils import escape, quoteattr

from grader.i18n import translator
from grader.reports.frames import Frame, draw_frame
from grader.reports.plotlayout import FrameSpec, layout
from grader.results import Plot

FRAMES_KEPT = 64
"""How many drawn frames stay in memory (the most recently used); a frame is tens of kilobytes."""

_frames: OrderedDict[FrameSpec, Frame] = OrderedDict()


def render_svg(plot: Plot) -> str:
    """Returns `plot` as an <svg> element (no XML header) with a <title> and an aria-label."""
    words = translator(plot.language)  # the plot's own words; its data's texts come translated
    split = layout(plot, words)
    return _accessible(_frame(split.frame, plot.title).svg(split.lines), plot)


def _frame(spec: FrameSpec, title: str) -> Frame:
    frame = _frames.get(spec)
    if frame is not None:
        _frames.move_to_end(spec)
        return frame
    # The salt makes element ids reproducible; taking it from the title keeps two plots' ids in one page apart.
    frame = draw_frame(spec, salt=f"gd-autograder:{title}")
    _frames[spec] = frame
    if len(_frames) > FRAMES_KEPT:
        _frames.popitem(last=False)
    return frame


def forget_frames() -> None:
    """Drops every drawn frame, so the next plots are drawn from the start."""
    _frames.clear()


def _accessible(svg: str, plot: Plot) -> str:
    label = f"{plot.title}. {plot.description}" if plot.description else plot.title
    opening = re.match(r"<svg\b[^>]*>", svg)
    assert opening is not None, "matplotlib wrote an SVG without an <svg> tag"
    tag = opening.group(0)[:-1] + f' role="img" aria-label={quoteattr(label)}>'
    return tag + f"\n <title>{escape(label)}</title>" + svg[opening.end() :]
