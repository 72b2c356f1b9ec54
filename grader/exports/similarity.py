"""Returns the pairs of submissions whose code is alike, and writes similarity.csv and similarity.html.

Reads text only: nothing of a submission runs. copydetect tokenises each submission (names become V,
F, O; comments and layout are dropped), hashes its k-grams and keeps a winnowed set (the algorithm of
MOSS); k-grams of the starter are boilerplate and never count. A notebook is compared on its code cells.

copydetect compares every pair, which grows with the square of the class. Here MinHash LSH Ensemble
(datasketch; it estimates containment, the share copydetect's similarity is) first picks the pairs alike
enough to be worth comparing, and copydetect compares only those.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from copydetect import CodeFingerprint  # type: ignore[import-untyped]

from grader.defaults import SIMILARITY_FLOOR
from grader.files import write_atomically
from grader.grading.notebooks import UnreadableNotebook, is_notebook, read_cells
from grader.grading.outcomes import Source
from grader.reports.similarity import PairView, render_similarity, segments

DEFAULT_FLOOR = SIMILARITY_FLOOR
KGRAM = 25
"""Characters of filtered code per k-gram (copydetect's noise threshold): shorter matches never count."""
WINDOW = 6
"""Winnowing window (copydetect's default): any match of KGRAM + WINDOW - 1 characters is found."""
NUM_PERM = 64
"""MinHash permutations: 64 keeps the candidate step fast and small; the compare step is exact."""
NUM_PARTS = 16
"""LSH Ensemble partitions by set size: more partitions, fewer false candidates between unequal sizes."""
LSH_MARGIN = 0.7
"""The candidate step asks for a share of LSH_MARGIN x the floor: MinHash estimates it, so a margin keeps
a pair over the floor from being missed (the recall is measured in benchmarks/similarity.py)."""
MAX_BYTES = 1024 * 1024
"""A submission longer than this is read up to here: enough for any exercise, bounded for a hostile one."""
CSV_COLUMNS = ("student_a", "student_b", "similarity", "similarity_a", "similarity_b", "matched_characters")


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions with code in common."""

    student_a: str
    student_b: str
    similarity: float
    """The larger of similarity_a and similarity_b: a short copy inside a long file still ranks high."""
    similarity_a: float
    """Share of student_a's (non-starter) code that is also in student_b's."""
    similarity_b: float
    matched: int
    """Characters of filtered code matched, in student_a's submission."""
    slices_a: tuple[tuple[int, int], ...]
    """(start, end) character ranges of the matched code in student_a's text."""
    slices_b: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class ClassComparison:
    """Every pair over the floor, highest first, and the code each student's text was compared on."""

    pairs: tuple[SimilarPair, ...]
    code: dict[str, str]
    compared: int
    """Submissions that had code beyond the starter."""
    candidates: int
    """Pairs the candidate step proposed, each compared by copydetect."""
    starter_only: tuple[str, ...] = ()
    """Students whose submission holds nothing beyond the starter (and unreadable ones): never listed."""


def submission_code(path: Path) -> str:
    """Returns the text compared for a submission: a file's text, or a notebook's code cells in order."""
    if is_notebook(path):
        try:
            return "\n\n".join("\n".join(cell.lines) for cell in read_cells(path))
        except UnreadableNotebook:
            return ""
    with path.open("rb") as file:
        return file.read(MAX_BYTES).decode("utf-8", errors="replace")


def fingerprint_code(code: str, boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    """Returns copydetect's fingerprint of Python `code`, without the boilerplate's k-grams."""
    # copydetect and datasketch are imported where used: with matplotlib and SciPy they cost seconds, and
    # every `grader` command (a student's `grader check` too) imports this module through the CLI.
    from copydetect import CodeFingerprint  # type: ignore[import-untyped]

    return CodeFingerprint("submission.py", KGRAM, WINDOW, boilerplate, fp=io.StringIO(code))


def starter_hashes(starter: Path | None) -> np.ndarray:
    """Returns every k-gram hash of the starter (window 1: all of them), the boilerplate to drop."""
    if starter is None or not starter.is_file():
        return np.array([], dtype=np.int64)
    from copydetect import CodeFingerprint

    whole = CodeFingerprint("starter.py", KGRAM, 1, fp=io.StringIO(submission_code(starter)))
    return np.array(sorted(whole.hashes), dtype=np.int64)


def compare_class(
    sources: Sequence[Source],
    starter: Path | None,
    floor: float = DEFAULT_FLOOR,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> ClassComparison:
    """Returns the pairs of `sources` whose similarity is at least `floor`, highest first.

    `on_progress` gets (steps done, steps in all): one step per submission read, then one per candidate
    pair compared (their number is known once every submission is read)."""
    boilerplate = starter_hashes(starter)
    fingerprints: dict[str, CodeFingerprint] = {}
    starter_only = []
    on_progress(0, len(sources))
    for done, source in enumerate(sorted(sources, key=lambda s: s.student), start=1):
        if source.path is not None and source.path.is_file():
            fingerprint = fingerprint_code(submission_code(source.path), boilerplate)
            if fingerprint.hashes:
                fingerprints[source.student] = fingerprint
            else:
                starter_only.append(source.student)
        on_progress(done, len(sources))
    candidates = candidate_pairs({student: fp.hashes for student, fp in fingerprints.items()}, floor)
    pairs = []
    steps = len(sources) + len(candidates)
    for done, (a, b) in enumerate(candidates, start=len(sources) + 1):
        # LSH's estimate may be generous: a pair whose exact share of fingerprints is far below the floor is not one.
        if _shared_share(fingerprints[a].hashes, fingerprints[b].hashes) >= floor * LSH_MARGIN:
            pair = compare_pair(a, fingerprints[a], b, fingerprints[b])
            if pair is not None and pair.similarity >= floor:
                pairs.append(pair)
        on_progress(done, steps)
    pairs.sort(key=lambda p: (-p.similarity, p.student_a, p.student_b))
    code = {student: fp.raw_code for student, fp in fingerprints.items()}
    return ClassComparison(tuple(pairs), code, len(fingerprints), len(candidates), tuple(starter_only))


def candidate_pairs(hashes: dict[str, set[int]], floor: float = DEFAULT_FLOOR) -> list[tuple[str, str]]:
    """Returns the pairs (a < b) worth comparing, sorted: LSH Ensemble finds, for each submission, those
    that contain about `floor` or more of its fingerprints (copydetect's similarity is such a share)."""
    from datasketch import MinHash, MinHashLSHEnsemble  # type: ignore[import-untyped]

    sketches = {}
    for student, found in hashes.items():
        # The values are already hashes: their low 32 bits feed MinHash without hashing them again.
        sketch = MinHash(num_perm=NUM_PERM, hashfunc=_low_bits)
        sketch.update_batch([int(value) for value in found])
        sketches[student] = sketch
    if len(sketches) < 2:
        return []
    index = MinHashLSHEnsemble(threshold=max(floor * LSH_MARGIN, 0.05), num_perm=NUM_PERM, num_part=NUM_PARTS)
    index.index((student, sketch, len(hashes[student])) for student, sketch in sketches.items())
    pairs: set[tuple[str, str]] = set()
    for student, sketch in sketches.items():
        found_in = index.query(sketch, len(hashes[student]))
        pairs.update((min(student, other), max(student, other)) for other in found_in if other != student)
    return sorted(pairs)


def _shared_share(a: set[int], b: set[int]) -> float:
    """Returns the larger share of either fingerprint set found in the other: cheap, close to copydetect's."""
    return len(a & b) / min(len(a), len(b))


def _low_bits(value: int) -> int:
    return value & 0xFFFFFFFF


def compare_pair(a: str, fp_a: CodeFingerprint, b: str, fp_b: CodeFingerprint) -> SimilarPair | None:
    """Returns copydetect's comparison of two fingerprints, or None when they share nothing."""
    from copydetect import compare_files

    matched, (share_a, share_b), (slices_a, slices_b) = compare_files(fp_a, fp_b)
    if matched == 0:
        return None
    return SimilarPair(
        a,
        b,
        round(float(max(share_a, share_b)), 4),
        round(float(share_a), 4),
        round(float(share_b), 4),
        int(matched),
        _ranges(slices_a),
        _ranges(slices_b),
    )


def _ranges(slices: np.ndarray) -> tuple[tuple[int, int], ...]:
    return tuple((int(start), int(end)) for start, end in zip(slices[0], slices[1], strict=True))


def write_similarity(found: ClassComparison, out: Path, title: str, shown: int = 100) -> None:
    """Writes OUT/similarity.csv (every pair over the floor) and OUT/similarity.html (the first `shown`)."""
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for pair in found.pairs:
        writer.writerow(
            [pair.student_a, pair.student_b, f"{pair.similarity:.4f}", f"{pair.similarity_a:.4f}",
             f"{pair.similarity_b:.4f}", pair.matched]
        )  # fmt: skip
    write_atomically(out / "similarity.csv", buffer.getvalue())
    views = [
        PairView(
            p.student_a,
            p.student_b,
            p.similarity,
            segments(found.code[p.student_a], p.slices_a),
            segments(found.code[p.student_b], p.slices_b),
        )
        for p in found.pairs[:shown]
    ]
    html = render_similarity(title, views, len(found.pairs), found.compared, found.starter_only)
    write_atomically(out / "similarity.html", html)
