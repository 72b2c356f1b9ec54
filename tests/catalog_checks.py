"""Checks of a gettext catalog shared by the engine's tests and each assignment's."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from grader.i18n import catalog_path

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}|%%")


def placeholder_mismatches(locale_dir: Path, language: str) -> tuple[int, list[str]]:
    """Returns how many entries the catalog holds, and the msgids whose translation drops, adds or renames
    a placeholder (a translation must keep `%(n)s`, `{actual}` and `%%` exactly)."""
    with catalog_path(locale_dir, language).open("rb") as file:
        entries = [m for m in read_po(file, locale=language) if m.id]
    wrong = []
    for entry in entries:
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = sorted(PLACEHOLDER.findall(ids[-1]))
        if any(sorted(PLACEHOLDER.findall(string)) != wanted for string in strings):
            wrong.append(ids[0])
    return len(entries), wrong
