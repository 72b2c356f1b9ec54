"""Returns similarity.html: the pairs of submissions most alike, their matched code side by side.

Data in, text out: the pairs are found in grader.exports.similarity. Student code is untrusted text;
the template's autoescape turns every character of it into text, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.reports.templating import environment


@dataclass(frozen=True)
class Segment:
    """A run of a submission's text, matched in the other submission of the pair or not."""

    text: str
    matched: bool


@dataclass(frozen=True)
class PairView:
    """One pair as the report shows it."""

    student_a: str
    student_b: str
    similarity: float
    code_a: tuple[Segment, ...]
    code_b: tuple[Segment, ...]

    @property
    def percent(self) -> str:
        return f"{self.similarity * 100:.0f}%"


def segments(code: str, ranges: Sequence[tuple[int, int]]) -> tuple[Segment, ...]:
    """Returns `code` cut into segments, those inside `ranges` (character offsets) marked as matched."""
    found: list[Segment] = []
    at = 0
    for start, end in sorted(ranges):
        start, end = max(start, at), min(end, len(code))
        if start >= end:
            continue
        if start > at:
            found.append(Segment(code[at:start], False))
        found.append(Segment(code[start:end], True))
        at = end
    if at < len(code):
        found.append(Segment(code[at:], False))
    return tuple(found)


def render_similarity(
    title: str, pairs: Sequence[PairView], total: int, compared: int, starter_only: Sequence[str]
) -> str:
    """Returns similarity.html for the first `pairs` of `total` listed in similarity.csv."""
    template = environment(translator(DEFAULT_LANGUAGE)).get_template("similarity.html.j2")
    return template.render(title=title, pairs=pairs, total=total, compared=compared, starter_only=list(starter_only))
