"""Shows how far a long command got, on stderr: a bar on a terminal, a plain heartbeat line anywhere else.

On a terminal tqdm draws the bar: it fits the terminal's width (also when the window is resized), and its
rate and time left count only what this run did, not the results kept from an earlier one (`initial`).
Anywhere else (a Slurm log, CI, a pipe) a redrawn bar would leave carriage returns in the log, so a plain
line goes out at most every HEARTBEAT_SECONDS while the count moves, and one at the end of a long run.
The library reports progress through a callback, on_progress(finished, total); it never imports this.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

from tqdm import tqdm

HEARTBEAT_SECONDS = 30.0
"""Least time between two lines where stderr is not a terminal."""

LINE = "{desc}: {n_fmt}/{total_fmt} ({percentage:.0f}%) after {elapsed}, {rate_noinv_fmt}, about {remaining} left"
"""A heartbeat line, e.g. "grading: 120/400 (30%) after 01:00, 1.50 submissions/s, about 03:07 left"."""


class Progress:
    """The callback on_progress(finished, total) of a long command, shown on stderr.

    The first report starts the count: what is finished by then was finished before this run (a resumed
    batch's kept results), so it fills the bar but does not count towards the rate. The total may grow as
    the command finds more work (an audit's replays)."""

    def __init__(
        self,
        what: str,
        unit: str,
        *,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.what, self.unit = what, f" {unit}"
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.every = HEARTBEAT_SECONDS if every is None else every
        self.clock = clock
        self.bar: tqdm | None = None
        self.started: float | None = None
        self.initial = self.finished = self.total = 0
        self.shown: tuple[int, float] | None = None
        """The count and time of the last heartbeat line."""

    def __call__(self, finished: int, total: int) -> None:
        if self.started is None:
            self.started, self.initial = self.clock(), finished
            if self.terminal:
                self.bar = tqdm(
                    total=total, initial=finished, desc=self.what, unit=self.unit, file=self.stream, dynamic_ncols=True
                )
        elif self.bar is not None:
            self.bar.total = total
            self.bar.update(finished - self.bar.n)
        self.finished, self.total = finished, total
        last = self.shown[1] if self.shown else self.started
        if self.bar is None and self.clock() - last >= self.every and finished > self.initial:
            self._line()

    def close(self) -> None:
        """Ends the bar, or prints the last line where heartbeats were printed or due."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        elif self.started is not None and (self.shown or self.clock() - self.started >= self.every):
            if self.shown is None or self.shown[0] != self.finished:
                self._line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _line(self) -> None:
        now = self.clock()
        elapsed = now - (self.started if self.started is not None else now)
        line = tqdm.format_meter(
            self.finished, self.total, elapsed, prefix=self.what, unit=self.unit, bar_format=LINE, initial=self.initial
        )
        self.stream.write(line + "\n")
        self.stream.flush()
        self.shown = (self.finished, now)
