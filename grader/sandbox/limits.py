"""The limits and environment every worker gets, whichever way it was started."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission, from the assignment's [limits] table."""

    call_seconds: float
    """Wall-clock limit for loading the submission and for each call into it."""
    total_seconds: float
    """Wall-clock limit for all loads and calls of one submission together."""
    memory_mb: int
    """Address-space limit of the worker process."""
    output_kb: int
    """How much of what the submission prints is kept."""

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 1024 * 1024

    @property
    def cpu_seconds(self) -> int:
        """The kernel's CPU-time backstop: past the wall-clock budget, so it only catches what escaped it."""
        return int(self.total_seconds) + 2


def worker_environment(home: str) -> dict[str, str]:
    """Returns a worker's whole environment: an allow-list, nothing inherited from the grader."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }
