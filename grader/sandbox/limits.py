"""The limits and environment every worker gets, whichever way it was started."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission, from the assignment's [limits] table."""

    call_seconds: float
    """CPU-time limit (the worker's processes together) for loading the submission and for each call into it."""
    total_seconds: float
    """CPU-time limit for all loads and calls of one submission together."""
    memory_mb: int
    """Address-space limit of each of the worker's processes (at most WORKER_PROCESSES of them)."""
    output_kb: int
    """How much of what the submission prints is kept."""
    disk_mb: int = 64
    """What the worker may write: the size of its tmpfs (its folder, /tmp, /dev/shm) and of any one file."""

    @property
    def memory_bytes(self) -> int:
        return self.memory_mb * 1024 * 1024

    @property
    def disk_bytes(self) -> int:
        return self.disk_mb * 1024 * 1024

    @property
    def cpu_seconds(self) -> int:
        """The kernel's CPU-time backstop (per process): past the total budget, so it only catches what escaped it."""
        return int(self.total_seconds) + 2

    @property
    def wall_seconds(self) -> float:
        """The wall-clock backstop per call, for sleeps and hangs that use no CPU: several times the CPU limit."""
        return WALL_CLOCK_FACTOR * self.call_seconds

    @property
    def total_wall_seconds(self) -> float:
        """The wall-clock budget of all loads and calls together, so sleeping cannot stretch a batch without bound.

        As many times the CPU budget as a call's backstop is its CPU limit: only the time from each request to
        its reply counts, so code within its CPU budget runs out of it only where the machine gives its calls
        less than a quarter of a core on average, a load the calls' own backstops already allow no more than.
        """
        return WALL_CLOCK_FACTOR * self.total_seconds


WALL_CLOCK_FACTOR = 4
"""How many times a call's CPU limit it may take in wall-clock time: room for a loaded machine, none for sleeping."""


FONTS_CONF = Path(__file__).resolve().parent / "fonts.conf"
"""The fontconfig configuration workers read, beside the worker's own code, so every level can see it."""


def worker_environment(home: str) -> dict[str, str]:
    """Returns a worker's whole environment: an allow-list, nothing inherited from the grader.

    Every value that names `home` names the worker's own folder, wherever the worker finds it (inside.py).
    """
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        # matplotlib keeps its font cache in a folder of the worker's own, and fontconfig reads the grader's
        # configuration, not the machine's (absent inside bubblewrap on a host without /etc/fonts): a
        # submission that imports matplotlib prints nothing the student did not write.
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "FONTCONFIG_FILE": str(FONTS_CONF),
        "XDG_CACHE_HOME": f"{home}/.cache",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONHASHSEED": "0",
    }
