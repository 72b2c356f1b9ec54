"""Benchmark batch grading: `grader grade -j JOBS` against the naive way, on N generated submissions.

    python benchmarks/batch.py --n 200                    # a class shaped like a real one (--class real)
    python benchmarks/batch.py --n 1000 --rss-n 5000      # and peak memory at a second N, to see it stay flat
    python benchmarks/batch.py --n 1000 --class copies    # the older figure: copies of a few files
    python benchmarks/batch.py --n 20 --sample 5          # a smoke run (CI runs one so this cannot rot)

It generates N submissions for the assignment. `--class real` (the default, see real_class.py) writes
a class shaped like a real one: correct files in assorted styles, common mistakes, mistakes of each
student's own whose plots no one else shares, and notebooks and scripts that plot with matplotlib at
the top level. `--class copies` writes copies of the reference with cosmetic changes, mutants made
from the assignment's example mistakes, and a few that hang, crash or do not parse. It grades them
end to end with the grader CLI (scores, results.json, both reports with plots, gradebook), then runs
the naive baseline on a sample of the same set: a fresh `python -m pytest` with pytest-json-report per
submission, with the hidden tests importing the file in-process. It prints submissions per second,
median and p95 time per submission, peak memory, the ratio to the baseline measured in the same run,
where the grader's time goes per submission, and the floor: a fork of a warm process plus ten calls.
Numbers go to the closing note, not into assertions.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from real_class import generate_real, python_twin

PROJECT = Path(__file__).resolve().parent.parent
HANGS = "while True:\n    pass\n"
CRASHES = "import os\nos._exit(3)\n"


def generate(assignment: Path, reference: Path, count: int, folder: Path, seed: int) -> dict[str, int]:
    """Writes `count` submissions into `folder`; returns how many of each kind."""
    chooser = random.Random(seed)
    examples = assignment / "examples"
    correct = reference.read_text()
    mistakes = [
        p.read_text()
        for p in sorted(examples.glob("*.py"))
        if p.stem not in ("correct", "loops_at_import", "os_exit_at_import")
    ]
    kinds: dict[str, int] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        if index < 2:
            kind, text = "hangs at import", HANGS
        elif index < 4:
            kind, text = "crashes at import", CRASHES
        elif chooser.random() < 0.45:
            kind, text = "correct", correct
        else:
            kind, text = "example mistake or broken", chooser.choice(mistakes)
        kinds[kind] = kinds.get(kind, 0) + 1
        # A comment and a renamed helper make every file's bytes (and so its fingerprint) unique.
        (folder / f"student{index:04d}.py").write_text(f"# submission {index}\n_unused_{index} = {index}\n{text}")
    return kinds


class PeakMemory:
    """Samples the memory of a process tree: the grader's own processes, and the whole tree (bubblewrap, fork
    servers, workers included), each as resident set size and as proportional set size (PSS: a page shared by
    k processes counts 1/k in each, so what a fork server shares with its workers counts once)."""

    def __init__(self, root: int):
        self.root = root
        self.grader_peak = 0
        self.total_peak = 0
        self.grader_pss_peak = 0
        self.total_pss_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            grader, total, grader_pss, total_pss = 0, 0, 0, 0
            # The grader's processes are the command itself and the grading processes it forks (same command
            # line, read each time: just after Popen it may not have exec'd yet); everything else below it is
            # the workers' side: bwrap, fork servers, workers, and a worker that is exiting (its command line
            # already reads empty).
            self.command = _cmdline(self.root)
            for pid in _tree(self.root):
                rss, pss = _memory(pid)
                total, total_pss = total + rss, total_pss + pss
                if _cmdline(pid) == self.command:
                    grader, grader_pss = grader + rss, grader_pss + pss
            self.grader_peak = max(self.grader_peak, grader)
            self.total_peak = max(self.total_peak, total)
            self.grader_pss_peak = max(self.grader_pss_peak, grader_pss)
            self.total_pss_peak = max(self.total_pss_peak, total_pss)
            self._stop.wait(0.05)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, queue = [root], [root]
    while queue:
        for child in children.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _memory(pid: int) -> tuple[int, int]:
    """Returns a process's resident and proportional set sizes in bytes (0, 0 once it has gone)."""
    sizes = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("Rss", "Pss"):
                sizes[name] = int(value.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return sizes.get("Rss", 0), sizes.get("Pss", 0)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def run_grader(folder: Path, assignment: Path, out: Path, jobs: int) -> dict[str, object]:
    command = [sys.executable, "-m", "grader", "grade", str(folder), "-a", str(assignment), "-o", str(out),
               "-j", str(jobs), "--force", "--timings"]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    stdout, stderr = process.communicate()
    wall = time.monotonic() - started
    memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"grader failed ({process.returncode}):\n{stdout}\n{stderr}")
    with (out / "timings.csv").open() as file:
        rows = list(csv.DictReader(file))
    return {
        "wall": wall,
        "count": len(rows),
        "per_submission": [float(r["total"]) for r in rows],
        "phases": {
            phase: (statistics.fmean(float(r[phase]) for r in rows), statistics.median(float(r[phase]) for r in rows))
            for phase in rows[0]
            if phase not in ("student", "status", "total")
        },
        "grader_peak": memory.grader_peak,
        "total_peak": memory.total_peak,
        "grader_pss_peak": memory.grader_pss_peak,
        "total_pss_peak": memory.total_pss_peak,
        "summary": stdout.strip(),
    }


def run_naive(files: list[Path], assignment: Path, reference: Path, jobs: int, seed: int) -> dict[str, object]:
    hidden = assignment / "tests" / "hidden"
    environment = dict(os.environ, MPLBACKEND="Agg", NAIVE_REFERENCE=str(reference), NAIVE_SEED=str(seed),
                       PYTHONPATH=os.pathsep.join([str(PROJECT / "benchmarks"), str(PROJECT)]))  # fmt: skip

    def one(path: Path) -> float:
        report = Path(tempfile.mkstemp(suffix=".json")[1])
        command = [sys.executable, "-m", "pytest", str(hidden), "-q", "-p", "naive_fixtures", "-p",
                   "no:cacheprovider", "--json-report", f"--json-report-file={report}", "-c", os.devnull,
                   "--rootdir", str(hidden)]  # fmt: skip
        started = time.monotonic()
        try:
            subprocess.run(command, env=environment | {"NAIVE_SUBMISSION": str(path)}, capture_output=True,
                           timeout=30)  # fmt: skip
        except subprocess.TimeoutExpired:
            pass
        elapsed = time.monotonic() - started
        report.unlink(missing_ok=True)
        return elapsed

    started = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        times = list(pool.map(one, files))
    return {"wall": time.monotonic() - started, "count": len(files), "per_submission": times}


def describe(name: str, run: dict[str, object], n_for_rate: int) -> list[str]:
    times = sorted(run["per_submission"])  # type: ignore[arg-type]
    rate = run["count"] / run["wall"]  # type: ignore[operator]
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    return [name, str(run["count"]), f"{run['wall']:.1f}", f"{rate:.1f}", f"{1000 * statistics.median(times):.0f}",
            f"{1000 * p95:.0f}", f"{1000 / rate:.0f}"]  # fmt: skip


def floor(reference: Path, repeats: int = 40) -> float:
    """Returns the median seconds to fork this warm process and make ten calls of the reference in the child.

    No grader can go below this per submission: the cost of a process of one's own plus the work itself.
    """
    import numpy  # noqa: F401 - warm, as the zygote is

    spec = importlib.util.spec_from_file_location("floor_reference", reference)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    call = getattr(module, "gradient_descent", None) or (lambda *args: sum(range(1000)))
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                for _call in range(10):
                    call(2.0, 0.01, 100)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def write_class(kind: str, assignment: Path, reference: Path, count: int, folder: Path, seed: int) -> dict[str, int]:
    if kind == "copies":
        return generate(assignment, reference, count, folder, seed)
    return generate_real(assignment, reference, count, folder, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="submissions to generate and grade")
    parser.add_argument("--sample", type=int, default=100, help="of those, how many the naive baseline runs")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--assignment", type=Path, default=PROJECT / "assignments" / "gd1d")
    parser.add_argument("--class", dest="kind", choices=("real", "copies"), default="real",
                        help="real: shaped like a real class (default); copies: copies of a few files")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="the class generated, and the naive sample")
    parser.add_argument("--rss-n", type=int, default=0, help="also grade a class of this size, for peak memory")
    arguments = parser.parse_args()

    sys.path.insert(0, str(PROJECT))
    from grader.assignment import load_assignment

    assignment = load_assignment(arguments.assignment)
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as scratch:
        folder = Path(scratch) / "submissions"
        kinds = write_class(arguments.kind, assignment.root, assignment.reference_file, arguments.n, folder,
                            arguments.seed)  # fmt: skip
        counts = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items()))
        print(f"{arguments.n} submissions ({arguments.kind}): {counts}")
        grader = run_grader(folder, assignment.root, Path(scratch) / "out", arguments.jobs)
        print(grader["summary"])
        # The naive way has no per-call time limit: a hanging file would cost it its whole timeout, so
        # its sample leaves the generated hangs out (flattering the baseline, not the grader).
        candidates = [p for p in sorted(folder.glob("*.*")) if HANGS not in p.read_text()]
        sample = random.Random(arguments.seed).sample(candidates, min(arguments.sample, len(candidates)))
        sample = [python_twin(path) for path in sample]
        naive = run_naive(sample, assignment.root, assignment.reference_file, arguments.jobs, assignment.seed)
        peaks = [(arguments.n, grader)]
        if arguments.rss_n:
            second = Path(scratch) / "second"
            write_class(arguments.kind, assignment.root, assignment.reference_file, arguments.rss_n, second,
                        arguments.seed + 1)  # fmt: skip
            peaks.append((arguments.rss_n, run_grader(second, assignment.root, Path(scratch) / "out2", arguments.jobs)))
    report(arguments, grader, naive, peaks, floor(assignment.reference_file))


def report(arguments: argparse.Namespace, grader: dict, naive: dict, peaks: list, floor_seconds: float) -> None:
    header = ["approach", "submissions", "wall s", "subs/s", "median ms", "p95 ms", "s per 1000"]
    rows = [describe(f"grader grade -j {arguments.jobs}", grader, arguments.n),
            describe(f"naive pytest+json-report, {arguments.jobs} at once", naive, arguments.n)]  # fmt: skip
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, *rows]:
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)))
    ratio = (grader["count"] / grader["wall"]) / (naive["count"] / naive["wall"])
    print(f"\ngrader is {ratio:.1f}x the naive baseline's throughput")
    print(f"floor: a fork of a warm process plus ten calls takes {1000 * floor_seconds:.1f} ms "
          f"({1000 * floor_seconds / arguments.jobs:.1f} ms a submission with {arguments.jobs} at once)")  # fmt: skip
    for n, run in peaks:
        mb = {key: run[key] / 2**20 for key in ("total_pss_peak", "total_peak", "grader_pss_peak", "grader_peak")}
        print(f"peak memory at N={n}: whole tree (grader, fork servers, workers) PSS {mb['total_pss_peak']:.0f} MB "
              f"(RSS {mb['total_peak']:.0f} MB); grader processes alone PSS {mb['grader_pss_peak']:.0f} MB "
              f"(RSS {mb['grader_peak']:.0f} MB); {run['wall']:.1f} s")  # fmt: skip
    print("\nwhere a grading process spends its time per submission (mean, median):")
    for phase, (mean, median) in sorted(grader["phases"].items(), key=lambda item: -item[1][0]):
        print(f"  {phase:16s} {1000 * mean:7.1f} ms {1000 * median:7.1f} ms")
    figures = {"grader_subs_per_s": grader["count"] / grader["wall"], "ratio": ratio, "floor_ms": 1000 * floor_seconds,
               "grader_peak_mb": {n: run["grader_peak"] / 2**20 for n, run in peaks},
               "tree_pss_peak_mb": {n: run["total_pss_peak"] / 2**20 for n, run in peaks}}  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
