"""Plot data a submission chooses bounds nothing on the trusted side (issue 24, finding 3): lines are reduced
to what a plot shows as soon as the values come back, and the plot cache is bounded per plot and per folder.

The figures are measured here, in subprocesses that grade and write reports as a batch does: an honest
submission's peak memory is the baseline each attack is held to, so the bounds do not depend on the machine
or its load (no time is asserted). Before: 2.8 million points every other one nan took the grading process
to 2.6 GB and 82 s, with 316 MB of plot cache; 2 million noisy points to 771 MB and 18 s, with 33 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.grading.decimation import BUCKETS, MAX_POINTS, reduced_line
from grader.reports.plotcache import STORED_BYTES

UNTRUSTED = Path(__file__).parent / "fixtures" / "untrusted"
TOY = Path(__file__).parent / "fixtures" / "toy"

MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from grader.assignment import load_assignment
    from grader.grading.grade import grade
    from grader.grading.outcomes import Source
    from grader.reports.plotcache import SvgCache, folder_size
    from grader.reports.student import write_reports

    toy, submission, out = load_assignment(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
    result = grade(toy, Source("student", submission))
    write_reports(result, toy.title, out / "student", SvgCache(out / "cache"))
    print(json.dumps({
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cache_bytes": folder_size(out / "cache"),
        "report_bytes": sum(p.stat().st_size for p in (out / "student").iterdir()),
        "points": [len(s.values) for plot in result.plots for panel in plot.panels for s in panel.series],
        "status": result.status.value,
        "score": result.score,
    }))
    """
)


def measured(submission: Path, out: Path) -> dict:
    """Returns what grading `submission` and writing its reports cost, measured in a process of its own."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(TOY), str(submission), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def honest(tmp_path_factory) -> dict:
    return measured(TOY / "reference_toy.py", tmp_path_factory.mktemp("honest"))


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["plots_millions_of_isolated_points", "plots_the_largest_table_allowed"])
def test_a_plot_bomb_costs_about_what_an_honest_plot_does(attack, honest, tmp_path):
    found = measured(UNTRUSTED / f"{attack}.py", tmp_path)
    assert (found["status"], found["score"]) == ("graded", 5.0)  # steps() is graded by no test: only drawn
    assert max(found["points"]) <= MAX_POINTS
    # The reply itself (16 MB at most, held once as it came) and one chunk of it in float64 are all it adds.
    assert found["peak_mb"] < honest["peak_mb"] + 150, (found, honest)
    assert found["cache_bytes"] <= 2 * STORED_BYTES
    assert found["report_bytes"] < 1_000_000


def line(values: np.ndarray, *, log: bool = False) -> tuple[np.ndarray, np.ndarray]:
    steps, kept = reduced_line(lambda start, stop: values[start:stop].astype(np.float64), len(values), log=log)
    return np.asarray(steps), np.asarray(kept)


def test_a_line_that_fits_is_kept_whole():
    values = np.linspace(0.0, 1.0, MAX_POINTS)
    steps, kept = line(values)
    assert steps.size == 0 and np.array_equal(kept, values)


def test_a_long_line_keeps_its_envelope_its_ends_and_its_rows():
    values = np.sin(np.arange(1_000_000) / 1000.0) * np.arange(1_000_000)
    values[123_457] = 5e6  # one spike, far above the rest
    steps, kept = line(values)
    assert len(steps) <= MAX_POINTS and steps[0] == 1 and steps[-1] == len(values)
    assert np.all(np.diff(steps) > 0)
    assert np.array_equal(kept, values[steps - 1])  # each point at its own row
    assert kept.max() == 5e6 and 123_458 in steps and kept.min() == values.min()
    width = -(-len(values) // BUCKETS)
    for bucket in range(0, len(values), width * 37):  # every bucket's range is the run's own there
        inside = (steps - 1 >= bucket) & (steps - 1 < bucket + width)
        assert kept[inside].max() == values[bucket : bucket + width].max()


def test_nan_runs_collapse_to_their_ends_and_the_line_breaks_where_the_run_does():
    values = np.arange(1_000_000, dtype=np.float64)
    values[200_000:700_000] = np.nan
    steps, kept = line(values)
    hidden = steps[np.isnan(kept)]
    assert list(hidden) == [200_001, 700_000]


def test_the_divergence_keeps_its_step_and_the_last_drawable_point_before_it():
    values = np.geomspace(1.0, 1e200, 3_000_000)
    values[1_234_566] = -5.0  # not drawable on a log axis, but finite: not where it diverges
    values[1_234_567:] = np.inf
    steps, kept = line(values, log=True)
    first_bad = int(np.flatnonzero(~np.isfinite(kept))[0])
    assert steps[first_bad] == 1_234_568
    assert steps[first_bad - 1] == 1_234_567 and kept[first_bad - 1] == -5.0
    assert steps[first_bad - 2] == 1_234_566 and kept[first_bad - 2] == values[1_234_565]


def test_isolated_points_become_a_bounded_number_of_points():
    values = np.sin(np.arange(2_800_000) / 50_000.0).astype(np.float16)
    values[1::2] = np.nan
    steps, kept = line(values)
    assert len(steps) <= MAX_POINTS
    finite = kept[np.isfinite(kept)]
    assert finite.min() == pytest.approx(-1.0, abs=1e-3) and finite.max() == pytest.approx(1.0, abs=1e-3)


REDUCE_LARGEST = textwrap.dedent(
    """
    import json, resource
    import numpy as np
    from grader.grading.decimation import reduced_line

    values = np.random.default_rng(1).integers(-100, 100, 16 * 2**20, dtype=np.int8)  # 16 MB: the budget
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    steps, kept = reduced_line(lambda a, b: values[a:b].astype(np.float64), len(values), log=False)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(json.dumps({"grown_mb": grown, "points": len(kept), "low": min(kept), "high": max(kept)}))
    """
)


def test_the_largest_line_the_protocol_allows_is_reduced_in_bounded_memory():
    done = subprocess.run([sys.executable, "-c", REDUCE_LARGEST], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert found["points"] <= MAX_POINTS and (found["low"], found["high"]) == (-100, 99)
    assert found["grown_mb"] < 64, found  # converting it whole to float64 would take 128 MB
