"""Returns what a sandbox limit that a student cannot see means for them: the true cause, in their words.

Two limits show up as something else. The process limit (RLIMIT_NPROC: a worker runs itself and one
child) makes starting a process or thread fail with an error that names no limit; and a call the
wall-clock backstop stopped used little CPU time, so "took longer than" would blame computing for waiting.
"""

from __future__ import annotations

import dataclasses

from grader.results import Failure
from grader.sandbox.limits import Limits
from grader.sandbox.strategies import WORKER_PROCESSES
from grader.text import N_, Text, text

WAITED = "wait"
"""The Reply limit of a call the wall-clock backstop stopped within its CPU limit."""

_REFUSED_START = ("BlockingIOError", "can't start new thread", "Resource temporarily unavailable")
"""What os.fork, subprocess, multiprocessing and threading raise when the process limit refuses them."""


def refused_by_process_limit(exception: str | None) -> bool:
    """Returns whether `exception` ("Type: message") is the process limit refusing a new process or thread."""
    return bool(exception) and any(sign in str(exception) for sign in _REFUSED_START)


def with_process_limit(failure: Failure) -> Failure:
    """Returns `failure` with the process limit named when that limit refused what its exception says."""
    if not refused_by_process_limit(failure.exception):
        return failure
    cause = text(
        N_(
            "Your code tried to start another process or thread, and the grader runs it with at most {count} "
            "processes and threads together (its process limit), so the system refused. Compute in your "
            "function itself, without multiprocessing, threads or subprocess."
        ),
        count=str(WORKER_PROCESSES),
    )
    sentence = text(N_("{failure} {cause}"), failure=failure.text or failure.message, cause=cause)
    return dataclasses.replace(failure, message=sentence.render(), text=sentence)


def waited_in_call(call: Text, limits: Limits) -> Text:
    """Returns why a call the wall-clock backstop stopped failed: it waited, and for how long."""
    return text(
        N_(
            "{call} waited more than {seconds} s without computing: the time limit counts computing ({cpu} s), "
            "and the grader stops a call that waits this long (time.sleep(), input(), a lock, another process). "
            "Remove the wait."
        ),
        call=call,
        seconds=f"{limits.wall_seconds:g}",
        cpu=f"{limits.call_seconds:g}",
    )


WAITED_LOADING = N_(
    "loading {file} waited more than {seconds} s without computing (time.sleep(), input(), a lock, another "
    "process): code at the top level of the file runs when it is loaded, so remove the wait, or move it under "
    'if __name__ == "__main__":.'
)
WAITED_IN_CELLS = (
    N_(
        "running your notebook's cells waited more than {seconds} s without computing (cell {cell} was running): "
        "remove time.sleep(), input() or whatever waits there."
    ),
    N_(
        "running your notebook's cells waited more than {seconds} s without computing: remove time.sleep(), "
        "input() or whatever waits."
    ),
)
