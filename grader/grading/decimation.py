"""Returns a plot line reduced to the points a plot can show, read in chunks: a run's length costs nothing.

A submission chooses how many rows its runs return (up to the protocol's 16 MB per array: 16 million
int8 rows, 2.8 million float16 rows every other one nan). Everything after grading (the result, the SVG,
the plot cache) holds what this module keeps: a line of at most MAX_POINTS rows whole, a longer one as
at most 4 points per bucket of rows, each at its own row, so what a plot shows of it stays true:

- the envelope: each bucket's smallest and largest drawable value, so a run that oscillates or grows
  shows its whole range;
- the gaps: each bucket's first and last row that cannot be drawn (nan, inf, overflow, or not positive on
  a log axis), so the line breaks where the run's does; runs of such rows collapse to their two ends;
- the divergence: the first row that is not finite (or overflows) and the last drawable row before it, so
  the mark "→ inf at step 9" names the run's own step;
- the first and last rows, so the x axis spans the whole run.

Points keep their rows (Series.steps) rather than being spaced evenly: the smallest and largest value of
a bucket lie anywhere in it, and a step named on the plot must be the row the student's run produced.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader.results import DRAWABLE_MAX

MAX_POINTS = 2_000
"""A line of at most this many rows is kept whole; a longer one is reduced to at most this many points.
A report's panel is about 250 points wide: a few points per unit of width is already past what it shows."""

BUCKETS = 400
"""How many buckets of rows a longer line is cut into; each keeps at most 4 rows (4 × 400 + 4 ≤ MAX_POINTS)."""

CHUNK_ROWS = 1 << 20
"""Rows converted to float64 at a time: 8 MB, whatever the run's length."""

Reader = Callable[[int, int], np.ndarray]
"""Returns the float64 values of rows [start, stop) of one line, as the plot draws them (transformed)."""


def reduced_line(read: Reader, rows: int, *, log: bool) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Returns (steps, values) of a line of `rows` rows: steps () and every value when it fits in MAX_POINTS,
    else the rows kept (counted from 1) and their values."""
    if rows <= MAX_POINTS:
        return (), tuple(float(v) for v in read(0, rows))
    width = -(-rows // BUCKETS)
    chunk = width * max(1, CHUNK_ROWS // width)
    kept_rows: list[np.ndarray] = []
    kept_values: list[np.ndarray] = []
    divergence = _Divergence()
    for start in range(0, rows, chunk):
        values = read(start, min(start + chunk, rows))
        in_range, drawable = _classes(values, log=log)
        divergence.see(start, values, in_range, drawable)
        local = _bucket_picks(values, drawable, width)
        if start == 0:
            local = np.r_[0, local]
        if start + chunk >= rows:
            local = np.r_[local, len(values) - 1]
        kept_rows.append(local + start)
        kept_values.append(values[local])
    chosen, values = _merged(kept_rows, kept_values, divergence)
    chosen, values = _gaps_collapsed(chosen, values, log=log, keep=divergence.first_bad)
    return tuple(int(row) + 1 for row in chosen), tuple(float(v) for v in values)


def _classes(values: np.ndarray, *, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """Returns which values are in range (finite, not overflowing) and which a plot can draw."""
    with np.errstate(invalid="ignore"):
        in_range = np.isfinite(values) & (np.abs(values) <= DRAWABLE_MAX)
        drawable = in_range & (values > 0) if log else in_range
    return in_range, drawable


class _Divergence:
    """The first row out of range and the last drawable row before it, with their values, found chunk by chunk."""

    def __init__(self) -> None:
        self.first_bad: int | None = None
        self.points: dict[int, float] = {}
        self._last_good: tuple[int, float] | None = None

    def see(self, start: int, values: np.ndarray, in_range: np.ndarray, drawable: np.ndarray) -> None:
        if self.first_bad is not None:
            return
        bad = np.flatnonzero(~in_range)
        end = int(bad[0]) if bad.size else len(values)
        good = np.flatnonzero(drawable[:end])
        if good.size:
            self._last_good = (start + int(good[-1]), float(values[good[-1]]))
        if bad.size:
            self.first_bad = start + end
            self.points = {self.first_bad: float(values[end])}
            if self._last_good is not None:
                self.points[self._last_good[0]] = self._last_good[1]


def _bucket_picks(values: np.ndarray, drawable: np.ndarray, width: int) -> np.ndarray:
    """Returns the rows (in the chunk) each bucket of `width` rows keeps: its drawable minimum and maximum,
    its first and last row that cannot be drawn."""
    count = len(values)
    buckets = -(-count // width)
    padding = buckets * width - count
    grid = np.r_[values, np.zeros(padding)].reshape(buckets, width)
    shown = np.r_[drawable, np.zeros(padding, dtype=bool)].reshape(buckets, width)
    hidden = np.r_[~drawable, np.zeros(padding, dtype=bool)].reshape(buckets, width)
    offsets = np.arange(buckets) * width
    picks = []
    any_shown, any_hidden = shown.any(axis=1), hidden.any(axis=1)
    picks.append((np.where(shown, grid, np.inf).argmin(axis=1) + offsets)[any_shown])
    picks.append((np.where(shown, grid, -np.inf).argmax(axis=1) + offsets)[any_shown])
    picks.append((hidden.argmax(axis=1) + offsets)[any_hidden])
    picks.append((width - 1 - hidden[:, ::-1].argmax(axis=1) + offsets)[any_hidden])
    return np.concatenate(picks)


def _merged(
    kept_rows: list[np.ndarray], kept_values: list[np.ndarray], divergence: _Divergence
) -> tuple[np.ndarray, np.ndarray]:
    """Returns the kept rows and the divergence's in order, each once, with their values."""
    rows = np.concatenate([*kept_rows, np.fromiter(divergence.points, dtype=np.int64)])
    values = np.concatenate([*kept_values, np.fromiter(divergence.points.values(), dtype=np.float64)])
    order = np.argsort(rows, kind="stable")
    rows, values = rows[order], values[order]
    first = np.r_[True, rows[1:] != rows[:-1]]
    return rows[first], values[first]


def _gaps_collapsed(
    rows: np.ndarray, values: np.ndarray, *, log: bool, keep: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Returns the points without those inside a run of points that cannot be drawn (only its ends stay), nor
    the run's last row or the first row out of range."""
    _, drawable = _classes(values, log=log)
    hidden = ~drawable
    inside = hidden & np.r_[False, hidden[:-1]] & np.r_[hidden[1:], False]
    inside[-1] = False
    if keep is not None:
        inside &= rows != keep
    return rows[~inside], values[~inside]


def reduced_path(
    read_x: Reader, read_y: Reader, rows: int
) -> tuple[tuple[int, ...], tuple[float, ...], tuple[float, ...]]:
    """Returns (steps, xs, ys) of a path of `rows` rows (one point per row, x and y each a column): steps () and
    every point when it fits in MAX_POINTS, else the rows kept (counted from 1) and their points.

    A longer path keeps, per bucket of rows, the rows of its smallest and largest x and y and its first and
    last point that cannot be drawn, in row order, so the path's extent and its gaps stay; and, as a line
    does, its first and last rows, the first row out of range and the last drawable row before it.
    """
    if rows <= MAX_POINTS:
        return (), tuple(float(v) for v in read_x(0, rows)), tuple(float(v) for v in read_y(0, rows))
    width = -(-rows // (BUCKETS // 2))  # two columns' picks per bucket: half as many buckets
    chunk = width * max(1, CHUNK_ROWS // width)
    kept: list[np.ndarray] = []
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    first_bad: int | None = None
    last_good: tuple[int, float, float] | None = None
    for start in range(0, rows, chunk):
        x, y = read_x(start, min(start + chunk, rows)), read_y(start, min(start + chunk, rows))
        in_range = _classes(x, log=False)[0] & _classes(y, log=False)[0]
        hidden = np.where(in_range, 0.0, np.nan)  # a path's point is drawn when both its values are
        local = np.concatenate([_bucket_picks(x + hidden, in_range, width), _bucket_picks(y + hidden, in_range, width)])
        if first_bad is None:
            bad = np.flatnonzero(~in_range)
            good = np.flatnonzero(in_range[: int(bad[0]) if bad.size else len(x)])
            if good.size:
                last_good = (start + int(good[-1]), float(x[good[-1]]), float(y[good[-1]]))
            if bad.size:
                first_bad = start + int(bad[0])
                local = np.r_[local, int(bad[0])]
                if last_good is not None:  # perhaps in an earlier chunk: kept as it was seen
                    kept.append(np.array([last_good[0]]))
                    xs.append(np.array([last_good[1]]))
                    ys.append(np.array([last_good[2]]))
        if start == 0:
            local = np.r_[0, local]
        if start + chunk >= rows:
            local = np.r_[local, len(x) - 1]
        local = np.unique(local.astype(np.int64))
        kept.append(local + start)
        xs.append(x[local])
        ys.append(y[local])
    rows_kept, order = np.unique(np.concatenate(kept), return_index=True)
    x_kept, y_kept = np.concatenate(xs)[order], np.concatenate(ys)[order]
    drawn = np.where(_classes(x_kept, log=False)[0] & _classes(y_kept, log=False)[0], 1.0, np.nan)
    kept_rows, _ = _gaps_collapsed(rows_kept, drawn, log=False, keep=first_bad)
    chosen = np.isin(rows_kept, kept_rows)
    return (
        tuple(int(row) + 1 for row in rows_kept[chosen]),
        tuple(float(v) for v in x_kept[chosen]),
        tuple(float(v) for v in y_kept[chosen]),
    )
