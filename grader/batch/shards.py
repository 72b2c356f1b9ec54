"""Splits a class into N shards by a stable hash of the student id, so N machines can grade it apart.

The shard of a student depends on the id alone: not on the order of the submissions, the machine, the
Python version or PYTHONHASHSEED. Every student falls in exactly one shard, so the shards' outputs
merge into the gradebook a single run would write (see merge.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from grader.errors import GraderError
from grader.grading.outcomes import Source

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`, counted from 1 as people say it: "1/3" is the first of three."""

    index: int
    count: int

    def holds(self, student: str) -> bool:
        """Returns whether this shard grades `student`."""
        return shard_of(student, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(spec: str) -> Shard:
    """Returns the shard written as "K/N" (1 <= K <= N); raises GraderError for anything else."""
    match = _SHARD.fullmatch(spec)
    if match is None:
        raise GraderError(
            f"--shard {spec!r} is not K/N",
            "write the shard as K/N, counted from 1, e.g. --shard 1/3 (from a 0-based index I: $((I+1))/N)",
        )
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise GraderError(
            f"--shard {spec}: shard {index} of {count} does not exist",
            f"shards count from 1 to N, e.g. 1/{max(count, 1)} to {max(count, 1)}/{max(count, 1)}"
            " (from a 0-based index I: $((I+1))/N)",
        )
    return Shard(index, count)


def shard_of(student: str, count: int) -> int:
    """Returns the shard (1 to `count`) that grades `student`: the first 8 bytes of SHA-256 of the id, modulo."""
    digest = hashlib.sha256(student.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def in_shard(sources: Iterable[Source], shard: Shard | None) -> list[Source]:
    """Returns the sources whose student falls in `shard`, in their order; all of them without a shard."""
    return [source for source in sources if shard is None or shard.holds(source.student)]


def students_in_shard(students: Iterable[str], shard: Shard | None) -> list[str]:
    """Returns the students (e.g. a roster's missing ones) that fall in `shard`, in their order."""
    return [student for student in students if shard is None or shard.holds(student)]
