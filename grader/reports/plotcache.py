"""Returns a plot's SVG, drawing it only the first time its data is seen (a class shares many plots)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from grader import __version__
from grader.files import write_atomically
from grader.results import Plot

_DRAWING_CODE = Path(__file__).with_name("plots.py")


class SvgCache:
    """Plots with identical data render to identical bytes, so each distinct plot is drawn once.

    Correct submissions, and submissions making the same mistake, give the same plots: in a class most
    reports reuse a figure already drawn. With a directory, the cache is shared by every grading
    process and by later runs; its key covers the data, the grader's version and the drawing code.
    """

    def __init__(self, directory: Path | None = None):
        self.directory = directory
        self._memory: dict[str, str] = {}
        self._salt = __version__.encode() + hashlib.sha256(_DRAWING_CODE.read_bytes()).digest()

    def svg(self, plot: Plot) -> str:
        """Returns the plot drawn as inline SVG, from the cache when the same plot was drawn before."""
        from grader.reports.plots import render_svg  # matplotlib is imported only when something is drawn

        key = hashlib.sha256(self._salt + repr(plot).encode()).hexdigest()
        if key in self._memory:
            return self._memory[key]
        stored = self.directory / f"{key}.svg" if self.directory else None
        if stored is not None and stored.is_file():
            svg = stored.read_text(encoding="utf-8")
        else:
            svg = render_svg(plot)
            if stored is not None:
                write_atomically(stored, svg)
        self._memory[key] = svg
        return svg


