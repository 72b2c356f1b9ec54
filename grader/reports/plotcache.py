"""Returns a plot's SVG, drawing it only the first time its data is seen (a class shares many plots)."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from grader import __version__
from grader.files import write_atomically
from grader.results import Plot

if TYPE_CHECKING:
    from grader.reports.frames import FrameCache

_DRAWING_CODE = tuple(Path(__file__).with_name(name) for name in ("plots.py", "frames.py", "plotlayout.py"))

MEMORY_ENTRIES = 64
"""How many SVGs the cache keeps in memory (the most recently used): the plots a class shares stay (a
correct run's and the common mistakes', a few dozen), the ones a single student's mistake makes fall
out, so memory stays flat however large the class. A plot's SVG is 40-60 KB; the folder, when there is
one, keeps every plot."""


class SvgCache:
    """Plots with identical data render to identical bytes, so each distinct plot is drawn once.

    Correct submissions, and submissions making the same mistake, give the same plots: in a class most
    reports reuse a figure already drawn. With a directory, the cache is shared by every grading
    process and by later runs; its key covers the data, the grader's version and the drawing code.
    In memory it keeps only the `memory_entries` most recently used plots.
    """

    def __init__(self, directory: Path | None = None, memory_entries: int = MEMORY_ENTRIES):
        self.directory = directory
        self.memory_entries = memory_entries
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._salt = __version__.encode() + b"".join(hashlib.sha256(p.read_bytes()).digest() for p in _DRAWING_CODE)
        self._frames: FrameCache | None = None  # made with the first plot drawn (it needs matplotlib)
        self.seconds = 0.0
        """Time spent in svg() so far: looking up, reading and drawing plots."""

    def svg(self, plot: Plot) -> str:
        """Returns the plot drawn as inline SVG, from the cache when the same plot was drawn before."""
        started = time.monotonic()
        try:
            return self._svg(plot)
        finally:
            self.seconds += time.monotonic() - started

    def _svg(self, plot: Plot) -> str:
        from grader.reports.frames import FrameCache  # matplotlib is imported only when something is drawn
        from grader.reports.plots import render_svg

        key = hashlib.sha256(self._salt + repr(plot).encode()).hexdigest()
        if key in self._memory:
            self._memory.move_to_end(key)
            return self._memory[key]
        stored = self.directory / f"{key}.svg" if self.directory else None
        if stored is not None and stored.is_file():
            svg = stored.read_text(encoding="utf-8")
        else:
            if self._frames is None:
                frames = self.directory / "frames" if self.directory else None
                self._frames = FrameCache(frames, self._salt, max(1, self.memory_entries // 4))
            svg = render_svg(plot, self._frames)
            if stored is not None:
                write_atomically(stored, svg)
        self._memory[key] = svg
        if len(self._memory) > self.memory_entries:
            self._memory.popitem(last=False)  # the least recently used
        return svg

    @property
    def in_memory(self) -> int:
        """Returns how many plots the cache holds in memory.

        Not __len__: an empty cache would be falsy, and `svg_cache or SvgCache()` would drop it."""
        return len(self._memory)
