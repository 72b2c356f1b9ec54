"""Benchmark the trusted side of calls into a worker: time per call, round trips and test time per submission.

    python benchmarks/calls.py                  # 200 calls, 40 copies of the reference
    python benchmarks/calls.py --calls 50 --copies 5

It prints three figures:

- the time of one `Worker.call` on the reference's `derivative`, in a loop of N calls to a forked worker,
  and (when the worker takes batches) of the same N calls sent as one `Worker.calls` batch;
- the round trips (requests written to a worker) one submission costs when a copy of the reference is
  graded, counted from the trusted side;
- the mean duration of each grading phase ("tests", "plot data", ...) over copies of the reference
  graded in one stream.

Numbers go to the closing note, not into assertions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from grader.assignment import find_assignment
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.results import SubmissionResult
from grader.sandbox import protocol
from grader.sandbox.client import Worker
from grader.sandbox.launchers import ForkServerLauncher

PROJECT = Path(__file__).resolve().parent.parent


def time_calls(reference: Path, file_name: str, count: int, launcher: ForkServerLauncher) -> dict[str, float]:
    """Returns the microseconds one call takes, one request per call and (if available) in one batch."""
    assignment = find_assignment("gd1d", PROJECT / "assignments")
    timings = {}
    with Worker(reference, file_name, assignment.limits, launcher) as worker:
        assert worker.load().ok
        for _ in range(20):  # warm up: first calls pay for imports in the worker
            worker.call("derivative", [1.5], [])
        started = time.perf_counter()
        for _ in range(count):
            assert worker.call("derivative", [1.5], []).ok
        timings["one request per call"] = (time.perf_counter() - started) / count * 1e6
        if hasattr(worker, "calls"):
            requests = [("derivative", [1.5], [])] * count
            started = time.perf_counter()
            replies = worker.calls(requests)
            timings["one batch of all calls"] = (time.perf_counter() - started) / count * 1e6
            assert len(replies) == count and all(reply.ok for reply in replies)
    return timings


class _CountedRequests:
    """Counts the requests the trusted side writes to workers: each is one protocol.dumps."""

    def __init__(self) -> None:
        self.count = 0
        self._dumps = protocol.dumps

    def __enter__(self) -> _CountedRequests:
        def counted(message: dict) -> bytes:
            self.count += 1
            return self._dumps(message)

        protocol.dumps = counted
        return self

    def __exit__(self, *exc: object) -> None:
        protocol.dumps = self._dumps


def grade_copies(reference: Path, copies: int, launcher: ForkServerLauncher) -> tuple[float, dict[str, float]]:
    """Returns the requests per submission and the mean seconds of each phase over `copies` of the reference."""
    assignment = find_assignment("gd1d", PROJECT / "assignments")
    results: list[SubmissionResult] = []
    with tempfile.TemporaryDirectory() as folder:
        sources = []
        for number in range(copies):
            student = Path(folder) / f"student{number:03d}"
            student.mkdir()
            path = student / assignment.submission_file
            path.write_text(reference.read_text())
            sources.append(Source(student.name, path))
        with _CountedRequests() as requests:
            grade_stream(assignment, sources, results.append, launcher=launcher)
    assert all(result.score == result.max_score for result in results), "a copy of the reference lost points"
    timings = [dict(result.timings) for result in results]
    phases = {phase: statistics.mean(timing.get(phase, 0.0) for timing in timings) for phase in timings[0]}
    return requests.count / copies, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls in the timed loop (default 200)")
    parser.add_argument("--copies", type=int, default=40, help="copies of the reference to grade (default 40)")
    arguments = parser.parse_args()
    assignment = find_assignment("gd1d", PROJECT / "assignments")
    launcher = ForkServerLauncher()
    try:
        for way, microseconds in time_calls(
            assignment.reference_file, assignment.submission_file, arguments.calls, launcher
        ).items():
            print(f"per call, {way}: {microseconds:.0f} µs")
        requests, phases = grade_copies(assignment.reference_file, arguments.copies, launcher)
        print(f"requests to the worker per submission: {requests:.1f}")
        for phase, seconds in phases.items():
            print(f"mean {phase!r} phase per submission: {seconds * 1000:.1f} ms")
    finally:
        launcher.close()


if __name__ == "__main__":
    main()
