"""Benchmark drawing a class's report plots: a figure drawn whole for every plot, against frames.

    python benchmarks/plots.py --n 200        # the plots of 200 submissions of a real-shaped class
    python benchmarks/plots.py --n 6          # a smoke run (CI runs one so this cannot rot)

It grades a class shaped like a real one (real_class.py) in this process, without drawing, to get
each report's plot data, then draws every distinct plot two ways, each from a cold start:
- baseline: matplotlib draws each plot's whole figure (a frame per plot, never reused), as the grader
  did before frames;
- frames: the grader's way (plots.render_svg with one FrameCache), each frame drawn once and the
  lines laid in.
It prints milliseconds per plot (mean and median), the frames drawn, and the ratio. Numbers go to the
closing note, not into assertions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from real_class import generate_real

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from grader.assignment import find_assignment  # noqa: E402 - the project goes on the path first
from grader.grading.grade import grade_stream  # noqa: E402
from grader.grading.outcomes import Source  # noqa: E402
from grader.i18n import translator  # noqa: E402
from grader.reports import frames  # noqa: E402
from grader.reports.plotlayout import layout  # noqa: E402
from grader.reports.plots import render_svg  # noqa: E402
from grader.results import Plot  # noqa: E402


def class_plots(count: int, seed: int) -> list[Plot]:
    """Returns the distinct plots of `count` graded submissions of a real-shaped class."""
    assignment = find_assignment("gd1d", PROJECT / "assignments")
    with tempfile.TemporaryDirectory() as folder:
        generate_real(assignment.root, assignment.reference_file, count, Path(folder), seed)
        sources = [Source(path.stem, path) for path in sorted(Path(folder).iterdir())]
        results: list = []
        grade_stream(assignment, sources, results.append)
    distinct = {repr(plot): plot for result in results for plot in result.plots}
    return list(distinct.values())


def each_plot_whole(plots: list[Plot]) -> list[float]:
    """Returns seconds per plot when every plot's figure is drawn by matplotlib from nothing."""
    times = []
    for plot in plots:
        started = time.perf_counter()
        split = layout(plot, translator(plot.language))
        frames.draw_frame(split.frame, salt=plot.title).svg(split.lines)
        times.append(time.perf_counter() - started)
    return times


def with_frames(plots: list[Plot]) -> tuple[list[float], int]:
    """Returns seconds per plot the grader's way, and how many frames it drew."""
    cache = frames.FrameCache()
    drawn = []
    original = frames.draw_frame

    def counting(spec: frames.FrameSpec, salt: str) -> frames.Frame:
        drawn.append(spec)
        return original(spec, salt)

    frames.draw_frame = counting  # type: ignore[assignment]
    try:
        times = []
        for plot in plots:
            started = time.perf_counter()
            render_svg(plot, cache)
            times.append(time.perf_counter() - started)
    finally:
        frames.draw_frame = original  # type: ignore[assignment]
    return times, len(drawn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="submissions whose plots are drawn")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    plots = class_plots(options.n, options.seed)
    whole = each_plot_whole(plots)
    framed, frames_drawn = with_frames(plots)
    print(f"{len(plots)} distinct plots from {options.n} submissions of a real-shaped class")
    print(f"{'way':>30} {'ms/plot mean':>13} {'median':>8} {'total s':>8}")
    for name, times in (("matplotlib, a figure per plot", whole), (f"frames ({frames_drawn} drawn)", framed)):
        mean, median = 1000 * statistics.fmean(times), 1000 * statistics.median(times)
        print(f"{name:>30} {mean:13.1f} {median:8.1f} {sum(times):8.2f}")
    print(f"frames are {sum(whole) / sum(framed):.1f}x as fast over the class")


if __name__ == "__main__":
    main()
