"""Benchmark what plot data a submission chooses costs the trusted side: each plot bomb against an honest one.

    python benchmarks/plot_bombs.py             # the toy assignment's two plot bombs and its reference
    python benchmarks/plot_bombs.py --tree /tmp/before/tree    # the same with another checkout's grader

Each submission is graded and its reports written (plot cache in a fresh folder) in a process of its own,
through the real grading path (a worker at the strongest isolation). It prints the grading process's peak
memory, the wall-clock time, the plot cache's bytes and the points kept per line, and each figure as a
ratio to the honest submission's. Numbers go to the closing note, not into assertions (tests/test_plot_bombs.py
holds the bounds). Issue 24, before the reduction: 2.8 M points every other one nan, 2.6 GB, 82 s, 316 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
TOY = PROJECT / "tests" / "fixtures" / "toy"
SUBMISSIONS = {
    "honest (the reference)": TOY / "reference_toy.py",
    "2.8 M points, every other nan": PROJECT / "tests/fixtures/untrusted/plots_millions_of_isolated_points.py",
    "2 M noisy points (16 MB)": PROJECT / "tests/fixtures/untrusted/plots_the_largest_table_allowed.py",
}

MEASURE = textwrap.dedent(
    """
    import json, os, resource, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[4])
    from grader.assignment import load_assignment
    from grader.grading.grade import grade
    from grader.grading.outcomes import Source
    from grader.reports.plotcache import SvgCache
    from grader.reports.student import write_reports

    toy, submission, out = load_assignment(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
    result = grade(toy, Source("student", submission))
    write_reports(result, toy.title, out / "student", SvgCache(out / "cache"))
    files = [Path(root, name) for root, _, names in os.walk(out / "cache") for name in names]
    print(json.dumps({
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cache_kb": sum(f.stat().st_size for f in files) / 1024,
        "points": max(len(s.values) for plot in result.plots for panel in plot.panels for s in panel.series),
    }))
    """
)


def measure(submission: Path, tree: Path) -> dict:
    """Returns the peak memory, seconds, cache size and most points of a line for grading `submission`."""
    with tempfile.TemporaryDirectory() as out:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, str(TOY), str(submission), out, str(tree)],
            capture_output=True,
            text=True,
            check=True,
            cwd=tree,
        )
        found = json.loads(done.stdout.splitlines()[-1])
    return found | {"seconds": time.monotonic() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, default=PROJECT, help="the checkout whose grader grades")
    options = parser.parse_args()
    rows = {name: measure(path, options.tree.resolve()) for name, path in SUBMISSIONS.items()}
    honest = rows["honest (the reference)"]
    print(f"{'submission':>31} {'peak MB':>8} {'x':>5} {'s':>6} {'x':>5} {'cache KB':>9} {'x':>6} {'points':>8}")
    for name, row in rows.items():
        ratios = {key: row[key] / honest[key] for key in ("peak_mb", "seconds", "cache_kb")}
        print(
            f"{name:>31} {row['peak_mb']:8.0f} {ratios['peak_mb']:5.1f} {row['seconds']:6.1f} {ratios['seconds']:5.1f} "
            f"{row['cache_kb']:9.0f} {ratios['cache_kb']:6.1f} {row['points']:8d}"
        )


if __name__ == "__main__":
    main()
