"""Writes files safely: whole or not at all, zips that are the same for the same files, clean file lists; and
where the grader keeps what it can build again (the user's cache)."""

from __future__ import annotations

import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

JUNK_FOLDERS = frozenset({"__MACOSX", "__pycache__"})
"""Folders that are no one's work: macOS's resource forks in zips, Python's caches."""

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
"""Every zip entry's date: the same files give the same zip, byte for byte."""


def write_atomically(path: Path, text: str) -> None:
    """Writes through a temporary file and a rename, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)


def write_zip(archive: Path, entries: dict[str, Path], executables: Iterable[str] = ()) -> None:
    """Writes a zip of `entries` (name in the zip → file), same bytes for the same files.

    The names in `executables`, and files whose mode has an execute bit, unzip as executable.
    """
    executables = set(executables)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            executable = name in executables or entries[name].stat().st_mode & 0o111
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, entries[name].read_bytes())


def is_junk(name: str) -> bool:
    """Returns whether a file or folder of this name is no one's work: a dot-file, a resource fork, a cache.

    The one rule for every place that lists a student's or an author's files (archives, exports, bundles).
    """
    return name.startswith(".") or name in JUNK_FOLDERS or name.endswith((".pyc", ".pyo"))


def has_junk(parts: Iterable[str]) -> bool:
    """Returns whether any part of a relative path is junk (see is_junk): then the whole path is."""
    return any(is_junk(part) for part in parts)


def files_under(folder: Path) -> Iterable[Path]:
    """Returns the files a bundle may take from `folder`: no caches, no hidden files."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and not has_junk(path.relative_to(folder).parts))


def user_cache(name: str) -> Path:
    """Returns gd-autograder's folder `name` in the user's cache ($XDG_CACHE_HOME, else ~/.cache): what the
    grader built once and can build again, kept between runs. Not created here."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gd-autograder" / name
