"""Returns the pairs of submissions whose code is alike, and writes similarity.csv and similarity.html.

Reads text only: nothing of a submission runs. Each submission becomes a set of fingerprints (hashes of
runs of its normalised tokens, see grader.exports.fingerprints: names, comments and layout never count,
reordered functions keep every run); the starter's runs are boilerplate and dropped. A notebook, or a
script in `# %%` cells, is compared on its code cells.

A run most of the class wrote (`return base_lr`) says little; one only two students share says much. So
each run weighs log((N + 1) / students holding it), and a pair's similarity is the larger of the two
shares of weight one submission finds in the other. Every pair is scored, in one sparse product: no
candidate step that could lose a pair. Everything is ordered by student id and hashed stably, so the
same submissions give byte-identical files in any process.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.defaults import SIMILARITY_FLOOR
from grader.exports.fingerprints import fingerprints, kept_names
from grader.exports.gradebook import spreadsheet_text
from grader.files import write_atomically
from grader.grading.notebooks import UnreadableNotebook, is_notebook, read_cells, script_cells
from grader.grading.outcomes import Source
from grader.reports.similarity import PairView, render_similarity, segments

DEFAULT_FLOOR = SIMILARITY_FLOOR
MAX_BYTES = 1024 * 1024
"""A submission longer than this is read up to here: enough for any exercise, bounded for a hostile one."""
SMALL_SHARE = 0.5
"""A submission with less weight of its own than SMALL_SHARE x the class's median is measured against
that much: a file holding only a line or two most students wrote is not "all copied"."""
BLOCK = 256
"""Rows of the pair matrix computed at a time: bounds memory at BLOCK x N numbers."""
CSV_COLUMNS = ("student_a", "student_b", "similarity", "similarity_a", "similarity_b", "matched_characters")


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions with code in common."""

    student_a: str
    student_b: str
    similarity: float
    """The larger of similarity_a and similarity_b: a short copy inside a long file still ranks high."""
    similarity_a: float
    """Share of student_a's (non-starter) code, by weight, that is also in student_b's."""
    similarity_b: float
    matched: int
    """Characters of student_a's text inside matched runs."""
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
    """Pairs scored: every pair of compared submissions."""
    starter_only: tuple[str, ...] = ()
    """Students whose submission holds nothing beyond the starter (and unreadable ones): never listed."""


@dataclass(frozen=True)
class Fingerprinted:
    """One submission's text and its fingerprints (the starter's removed), each with where it is."""

    code: str
    spans: dict[int, list[tuple[int, int]]]


def submission_code(path: Path) -> str:
    """Returns the text compared for a submission: a file's text, or its code cells in order."""
    if is_notebook(path):
        try:
            return "\n\n".join("\n".join(cell.lines) for cell in read_cells(path))
        except UnreadableNotebook:
            return ""
    with path.open("rb") as file:
        text = file.read(MAX_BYTES).decode("utf-8", errors="replace")
    cells = script_cells(text)
    return "\n\n".join("\n".join(cell.lines) for cell in cells) if cells else text


@dataclass(frozen=True)
class Starter:
    """What the starter tells about every submission: its fingerprints, and names none can change."""

    boilerplate: frozenset[int] = frozenset()
    kept: frozenset[str] = frozenset()


def fingerprinted(code: str, starter: Starter = Starter()) -> Fingerprinted:
    """Returns `code`'s fingerprints without the starter's."""
    spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for value, start, end in fingerprints(code, starter.kept):
        if value not in starter.boilerplate:
            spans[value].append((start, end))
    return Fingerprinted(code, dict(spans))


def read_starter(starter: Path | None) -> Starter:
    """Returns the starter's names and every fingerprint of it: the boilerplate no submission is judged on."""
    if starter is None or not starter.is_file():
        return Starter()
    code = submission_code(starter)
    kept = kept_names(code)
    return Starter(frozenset(value for value, _, _ in fingerprints(code, kept)), kept)


def compare_class(
    sources: Sequence[Source],
    starter: Path | None,
    floor: float = DEFAULT_FLOOR,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
) -> ClassComparison:
    """Returns the pairs of `sources` whose similarity is at least `floor`, highest first.

    `on_progress` gets (steps done, steps in all): one step per submission read, then one per block of
    BLOCK submissions scored against the whole class."""
    given = read_starter(starter)
    found: dict[str, Fingerprinted] = {}
    starter_only = []
    ordered = sorted(sources, key=lambda s: s.student)
    blocks = max(math.ceil(len(ordered) / BLOCK), 1)
    on_progress(0, len(ordered) + blocks)
    for done, source in enumerate(ordered, start=1):
        if source.path is not None and source.path.is_file():
            submission = fingerprinted(submission_code(source.path), given)
            if submission.spans:
                found[source.student] = submission
            else:
                starter_only.append(source.student)
        on_progress(done, len(ordered) + blocks)
    students = sorted(found)
    scored = scored_pairs([set(found[student].spans) for student in students], floor)
    on_progress(len(ordered) + blocks, len(ordered) + blocks)
    pairs = [_pair(students[i], found[students[i]], students[j], found[students[j]], share_i, share_j)
             for i, j, share_i, share_j in scored]  # fmt: skip
    pairs.sort(key=lambda p: (-p.similarity, p.student_a, p.student_b))
    code = {student: found[student].code for student in students}
    pair_count = len(students) * (len(students) - 1) // 2
    return ClassComparison(tuple(pairs), code, len(students), pair_count, tuple(starter_only))


def scored_pairs(holdings: Sequence[set[int]], floor: float) -> list[tuple[int, int, float, float]]:
    """Returns (i, j, share of i in j, share of j in i) for every pair i < j whose larger share is at least
    `floor`; a share is the weight of i's fingerprints that j holds too, over i's own weight."""
    from scipy import sparse  # type: ignore[import-untyped]

    if len(holdings) < 2:
        return []
    columns: dict[int, int] = {}
    rows, cols = [], []
    for row, held in enumerate(holdings):
        for value in sorted(held):
            rows.append(row)
            cols.append(columns.setdefault(value, len(columns)))
    held_by = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(holdings), len(columns)))
    holders = np.asarray(held_by.sum(axis=0)).ravel()
    weights = np.log((len(holdings) + 1) / holders)
    weighted = held_by @ sparse.diags(weights)
    own = np.asarray(weighted.sum(axis=1)).ravel()
    own = np.maximum(own, SMALL_SHARE * float(np.median(own)))
    transposed = held_by.T.tocsc()
    found = []
    for first in range(0, len(holdings), BLOCK):
        shared = (weighted[first : first + BLOCK] @ transposed).toarray()
        for offset, row in enumerate(shared):
            i = first + offset
            later = np.arange(i + 1, len(holdings))
            share_i = row[i + 1 :] / own[i]
            share_j = row[i + 1 :] / own[i + 1 :]
            for j in later[np.maximum(share_i, share_j) >= floor]:
                found.append((i, int(j), float(share_i[j - i - 1]), float(share_j[j - i - 1])))
    return found


def _pair(a: str, first: Fingerprinted, b: str, second: Fingerprinted, share_a: float, share_b: float) -> SimilarPair:
    common = first.spans.keys() & second.spans.keys()
    slices_a = _merged(span for value in common for span in first.spans[value])
    slices_b = _merged(span for value in common for span in second.spans[value])
    share_a, share_b = min(share_a, 1.0), min(share_b, 1.0)
    return SimilarPair(
        a, b, round(max(share_a, share_b), 4), round(share_a, 4), round(share_b, 4),
        sum(end - start for start, end in slices_a), slices_a, slices_b,
    )  # fmt: skip


def _merged(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Returns character ranges that overlap or touch merged into one, in order."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def write_similarity(found: ClassComparison, out: Path, title: str, shown: int = 100) -> None:
    """Writes OUT/similarity.csv (every pair over the floor) and OUT/similarity.html (the first `shown`).

    Ids are a student's own text: one that a spreadsheet would run as a formula is written as text, and
    lines end in CRLF (RFC 4180), so the writer quotes any id holding a carriage return or a line break
    and neither can start a row of its own in a spreadsheet."""
    out.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for pair in found.pairs:
        writer.writerow(
            [spreadsheet_text(pair.student_a), spreadsheet_text(pair.student_b), f"{pair.similarity:.4f}",
             f"{pair.similarity_a:.4f}", f"{pair.similarity_b:.4f}", pair.matched]
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
