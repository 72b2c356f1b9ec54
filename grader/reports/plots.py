"""Returns a report's plots as inline SVG text, drawn so diverging runs (inf, nan, 1e70) stay readable.

A plot is its frame (axes, ticks, labels, legend, marks; see frames.py) with its lines laid in. Frames
are drawn by matplotlib, once per distinct frame; laying lines into a drawn frame costs about as much as
writing their points, so a plot no one else has costs little more than its data.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from grader.i18n import translator
from grader.reports.frames import FrameCache
from grader.reports.plotlayout import layout
from grader.results import Plot

_frames = FrameCache()
"""Frames for callers that bring no cache of their own (a single report, `grader check`)."""


def render_svg(plot: Plot, frames: FrameCache | None = None) -> str:
    """Returns `plot` as an <svg> element (no XML header) with a <title> and an aria-label."""
    words = translator(plot.language)  # the plot's own words; its data's texts come translated
    split = layout(plot, words)
    frame = (frames or _frames).frame(split.frame)
    return _accessible(frame.svg(split.lines), plot)


def forget_frames() -> None:
    """Drops the frames drawn for callers without a cache, so the next plots are drawn from the start."""
    _frames.forget()


def _accessible(svg: str, plot: Plot) -> str:
    label = f"{plot.title}. {plot.description}" if plot.description else plot.title
    opening = re.match(r"<svg\b[^>]*>", svg)
    assert opening is not None, "matplotlib wrote an SVG without an <svg> tag"
    tag = opening.group(0)[:-1] + f' role="img" aria-label={quoteattr(label)}>'
    return tag + f"\n <title>{escape(label)}</title>" + svg[opening.end() :]
