"""The codec of a student's results.json: the one place that writes its text and reads it back.

results.json is the whole result for programs (an LMS, a course's scripts) and what later runs read back:
a rerun decides from it what to grade again, `grader merge` what to copy and check, the class summary what
to count. It is one of a student's three reports, bounded with them (student.py writes all three), so its
codec sits with the reports; grader/batch/store.py is the only module that reads it from OUT.
RESULTS_FORMAT versions the layout: a reader refuses a format it does not know rather than guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.i18n import DEFAULT_LANGUAGE
from grader.reports.summary import SummaryEntry
from grader.results import RESULTS_NAME, Outcome, Status, SubmissionResult

RESULTS_FORMAT = 1
"""The version of results.json's layout: raise it when a key changes meaning or goes away."""

FORMAT_KEY = "format_version"
"""The key that holds RESULTS_FORMAT; a file without it was written before it was recorded, in format 1."""


@dataclass(frozen=True, slots=True)
class StoredResult:
    """What a later run reads back from a student's results.json; the rest of the file is for people and programs."""

    entry: SummaryEntry
    """The student, score and status, and what the class summary counts: tests' outcomes, named mistakes,
    missing functions, and the language the reports beside it are in."""
    late: bool = False
    """The LMS marked the submission late, or it came past the due time."""
    name: str = ""
    """The student's name as the LMS download gave it."""
    fingerprint: str = ""
    """Equal to the fingerprint of a new grading when that grading would give the same result."""
    graded_at: str = ""
    """When it was graded (UTC, ISO 8601): of two results for one student, the later one is kept."""
    grader_version: str = ""
    assignment: str = ""
    """The assignment's name."""
    assignment_digest: str = ""
    """The assignment's digest when graded: results of two digests do not belong in one gradebook."""

    @property
    def student(self) -> str:
        return self.entry.student

    @property
    def score(self) -> float:
        return self.entry.score

    @property
    def max_score(self) -> float:
        return self.entry.max_score

    @property
    def status(self) -> str:
        """The status's value, e.g. "graded"."""
        return self.entry.status

    @property
    def language(self) -> str:
        return self.entry.language


def encode_result(result: SubmissionResult, language: str = DEFAULT_LANGUAGE) -> str:
    """Returns results.json's text for `result`, whose reports are written in `language`."""
    # "language": the reports beside it are in it, so a rerun in another language rewrites them.
    stored = result.to_json_dict() | {"language": language, FORMAT_KEY: RESULTS_FORMAT}
    # allow_nan=False: NaN is not JSON; a NaN score is a grader bug and must fail loudly here.
    return json.dumps(stored, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def decode_result(text: str) -> StoredResult:
    """Returns what a results.json's text holds; raises ValueError saying why it is not a results.json this
    grader reads (not JSON, another format, a key missing or of the wrong type)."""
    try:
        stored = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not JSON ({error})") from None
    if not isinstance(stored, dict):
        raise ValueError("not a JSON object")
    version = stored.get(FORMAT_KEY, 1)
    if type(version) is not int or version != RESULTS_FORMAT:
        raise ValueError(f"format {version!r}, not {RESULTS_FORMAT}: written by another version of the grader")
    try:
        return _decoded(stored)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"a key is missing or malformed ({type(error).__name__}: {error})") from None


def read_result(folder: Path) -> StoredResult | None:
    """Returns the result in folder/results.json; None when there is none, or only a link (the grader writes
    the file itself, last: without it the student was not finished). Raises ValueError when it is unreadable."""
    path = folder / RESULTS_NAME
    if path.is_symlink() or not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot be read ({error})") from None
    return decode_result(text)


def _decoded(stored: dict[str, Any]) -> StoredResult:
    entry = SummaryEntry(
        student=_string(stored["student"]),
        score=float(stored["score"]),
        max_score=float(stored["max_score"]),
        status=Status(stored["status"]).value,
        outcomes=tuple((_string(t["name"]), Outcome(t["outcome"]).value) for t in stored.get("tests", [])),
        diagnoses=tuple(_string(d["id"]) for d in stored.get("diagnoses", [])),
        language=_string(stored.get("language", DEFAULT_LANGUAGE)),
        missing=tuple(_string(m["name"]) for m in stored.get("missing_functions", [])),
    )
    return StoredResult(
        entry,
        late=stored.get("late") is True,
        name=_string(stored.get("name") or ""),
        fingerprint=_string(stored.get("fingerprint") or ""),
        graded_at=_string(stored.get("graded_at") or ""),
        grader_version=_string(stored.get("grader_version") or ""),
        assignment=_string(stored.get("assignment") or ""),
        assignment_digest=_string(stored.get("assignment_digest") or ""),
    )


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value
