"""Returns the submissions a Gradescope "Export Submissions" lists in its submission_metadata.yml.

The export holds one folder per submission (`submission_<id>/`) and a YAML file mapping each folder
to its submitters (`:submitters:` with `:name:`, `:sid:`, `:email:`) and its time (`:created_at:`).
Keys keep Ruby's leading colon. A group submission names several submitters: each is graded alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

METADATA_NAME = "submission_metadata.yml"
MAX_METADATA_BYTES = 20 * 1024 * 1024
_FOLDER = re.compile(r"submission_\d+")


@dataclass(frozen=True)
class Submitter:
    """One student of a submission: the id Gradescope's roster knows them by, and their name."""

    id: str
    name: str


@dataclass(frozen=True)
class ExportedSubmission:
    """One folder of the export and whose it is."""

    folder: str
    """The folder's name under the export's root; "" when the metadata names an unusable one."""
    submitters: tuple[Submitter, ...]
    created_at: datetime | None


@dataclass
class Export:
    """What the metadata file says, and what in it could not be used (lines for the summary)."""

    submissions: list[ExportedSubmission] = field(default_factory=list)
    id_column: str = "SID"
    """The roster column the ids come from: SID, or Email when some student has no SID."""
    problems: list[str] = field(default_factory=list)


def read_export(path: Path) -> Export:
    """Returns the export's submissions; a metadata file that cannot be read gives none and a problem."""
    export = Export()
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise ValueError("larger than 20 MB")
        metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:
        export.problems.append(f"cannot read {path.name} ({type(error).__name__}): no submission taken from it")
        return export
    if not isinstance(metadata, dict):
        export.problems.append(f"{path.name} is not a mapping of submission folders: no submission taken from it")
        return export
    use_email = any(not _text(s, ":sid") for record in metadata.values() for s in _submitters(record))
    export.id_column = "Email" if use_email else "SID"
    for folder, record in sorted(metadata.items(), key=lambda item: str(item[0])):
        folder = str(folder)
        submitters = tuple(
            Submitter(_text(s, ":email") if use_email else _text(s, ":sid"), _text(s, ":name"))
            for s in _submitters(record)
        )
        usable = tuple(s for s in submitters if s.id)
        if not usable:
            export.problems.append(f"{folder} in {path.name} names no student: skipped")
            continue
        name = folder if _FOLDER.fullmatch(folder) else ""
        if not name:
            export.problems.append(f"{folder!r} in {path.name} is not a submission folder's name: graded as missing")
        created = record.get(":created_at") if isinstance(record, dict) else None
        export.submissions.append(ExportedSubmission(name, usable, _time(created)))
    return export


def _submitters(record: Any) -> list[dict[str, Any]]:
    found = record.get(":submitters") if isinstance(record, dict) else None
    return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []


def _text(submitter: dict[str, Any], key: str) -> str:
    value = submitter.get(key)
    return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def _time(value: Any) -> datetime | None:
    """Returns the submission time with its offset; None when absent or without one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(re.sub(r"\s+([-+]\d\d:?\d\d)$", r"\1", value.strip()))
        except ValueError:
            return None
    return value if isinstance(value, datetime) and value.tzinfo is not None else None
