"""Returns a plot's SVG, drawing it only the first time its data is seen (a class shares many plots)."""

from __future__ import annotations

import hashlib
import os
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
one, keeps every plot within its bounds (STORED_BYTES, FOLDER_BYTES)."""

STORED_BYTES = 512 * 1024
"""A drawn plot or frame larger than this is not written to the folder: plots a class shares are 40-60 KB
(grading reduced every line to at most 2,000 points, about 300 KB for 8 full lines), so a larger one is one
student's own. So one submission adds at most 2 × STORED_BYTES per plot of the assignment to the folder."""

FOLDER_BYTES = 512 * 1024 * 1024
"""The folder is not written to past this size, counted over everything in it (earlier runs' plots too):
plots are then drawn as they are needed and kept in memory only. A class of 1,000 distinct students needs
about 250 MB."""

RECOUNT_BYTES = 8 * 1024 * 1024
"""The folder's size is counted again each time this cache has written this much to it: the grading
processes share the folder, so together they write at most this much each past FOLDER_BYTES."""


class SvgCache:
    """Plots with identical data render to identical bytes, so each distinct plot is drawn once.

    Correct submissions, and submissions making the same mistake, give the same plots: in a class most
    reports reuse a figure already drawn. With a directory, the cache is shared by every grading
    process and by later runs; its key covers the data, the grader's version and the drawing code.
    In memory it keeps only the `memory_entries` most recently used plots; in the folder, plots and
    frames of at most `stored_bytes` each, while the folder holds less than `folder_bytes`.
    """

    def __init__(
        self,
        directory: Path | None = None,
        memory_entries: int = MEMORY_ENTRIES,
        *,
        stored_bytes: int = STORED_BYTES,
        folder_bytes: int = FOLDER_BYTES,
    ):
        self.directory = directory
        self.memory_entries = memory_entries
        self.stored_bytes, self.folder_bytes = stored_bytes, folder_bytes
        self._folder_size: int | None = None  # counted at the first write, then again every RECOUNT_BYTES
        self._written_since_count = 0
        self._memory: OrderedDict[str, str] = OrderedDict()
        self._salt = __version__.encode() + b"".join(hashlib.sha256(p.read_bytes()).digest() for p in _DRAWING_CODE)
        self._frames: FrameCache | None = None  # made with the first plot drawn (it needs matplotlib)
        self.seconds = 0.0
        """Time spent in svg() so far: looking up, reading and drawing plots."""

    @staticmethod
    def ready_to_draw() -> None:
        """Imports what drawing needs (matplotlib) now: done before forking grading processes, its pages are
        then shared by all of them instead of copied into each."""
        import grader.reports.frames
        import grader.reports.plots  # noqa: F401

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
                self._frames = FrameCache(frames, self._salt, max(1, self.memory_entries // 4), self.store)
            svg = render_svg(plot, self._frames)
            if stored is not None:
                self.store(stored, svg)
        self._memory[key] = svg
        if len(self._memory) > self.memory_entries:
            self._memory.popitem(last=False)  # the least recently used
        return svg

    def store(self, path: Path, text: str) -> bool:
        """Writes a drawn plot or frame to the folder when it and the folder are within their bounds; returns
        whether it did."""
        size = len(text.encode())
        if self.directory is None or size > self.stored_bytes:
            return False
        if self._folder_size is None or self._written_since_count >= RECOUNT_BYTES:
            self._folder_size, self._written_since_count = folder_size(self.directory), 0
        if self._folder_size + size > self.folder_bytes:
            return False
        write_atomically(path, text)
        self._folder_size += size
        self._written_since_count += size
        return True

    @property
    def in_memory(self) -> int:
        """Returns how many plots the cache holds in memory.

        Not __len__: an empty cache would be falsy, and `svg_cache or SvgCache()` would drop it."""
        return len(self._memory)


def folder_size(folder: Path) -> int:
    """Returns the bytes of the regular files in `folder` and its sub-folders (0 when it does not exist yet)."""
    total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:  # removed meanwhile by another process's atomic write
                continue
    return total
