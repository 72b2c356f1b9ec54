"""Runs grading in N forked grading processes that share one queue of sources; the parent only collects.

Each grading process runs `work` once: typically one pytest session (grade_stream) over the sources it
takes from the shared queue, putting one small picklable item per source on the results queue. The
parent calls `emit` with each item as it arrives. Batches (grader.batch) and the audit (grader.course)
both grade this way; what a process does with each result is theirs to say.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import queue
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from grader.grading.outcomes import Source

Item = TypeVar("Item")

Work = Callable[[Iterator[Source], Callable[[Any], None]], None]
"""What one grading process does: takes sources from the iterator, puts one item per source."""


def in_processes(
    sources: Sequence[Source],
    jobs: int,
    work: Work,
    emit: Callable[[Item], None],
    student_of: Callable[[Item], str],
) -> set[str]:
    """Returns the students whose item came back, after calling `emit` on each item in the parent.

    A grading process that dies takes its current source with it: the caller decides what a source
    missing from the returned set gets. On KeyboardInterrupt every grading process is stopped (each
    kills its own workers) and the interrupt propagates.
    """
    context = multiprocessing.get_context("fork")  # the parent is trusted; forking it costs no re-import
    # What the parent holds goes to the collector's permanent generation: a collection in a grading process then
    # never walks (and so never copies, page by page) the memory it shares with the parent and its siblings.
    gc.freeze()  # and for good: the parent's own objects of this time live to its end anyway
    tasks: Any = context.Queue()
    results: Any = context.Queue()
    for source in sources:
        tasks.put(source)
    for _ in range(jobs):
        tasks.put(None)
    processes = [
        context.Process(target=_grading_process, args=(work, tasks, results), daemon=True) for _ in range(jobs)
    ]
    for process in processes:
        process.start()
    finished: set[str] = set()
    try:
        while len(finished) < len(sources):
            try:
                item = results.get(timeout=0.2)
            except queue.Empty:
                if any(p.is_alive() for p in processes):
                    continue
                try:
                    item = results.get(timeout=0.5)  # a last result may still be in the pipe
                except queue.Empty:
                    break
            finished.add(student_of(item))
            emit(item)
    except KeyboardInterrupt:
        _stop(processes)
        raise
    for process in processes:
        process.join()
    return finished


def _grading_process(work: Work, tasks: Any, results: Any) -> None:
    def sources() -> Iterator[Source]:
        while (source := tasks.get()) is not None:
            yield source

    try:
        work(sources(), results.put)
    except KeyboardInterrupt:
        pass  # the worker is already killed; the parent reports the interruption
    finally:
        results.close()
        results.join_thread()


def _stop(processes: list[Any]) -> None:
    for process in processes:
        if process.is_alive() and process.pid:
            os.kill(process.pid, signal.SIGINT)  # SIGINT: each process kills its own worker and fork server
    deadline = time.monotonic() + 5
    for process in processes:
        process.join(max(deadline - time.monotonic(), 0))
        if process.is_alive():
            process.kill()
            process.join()
