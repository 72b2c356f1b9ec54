"""Returns what unpacking an archive refused, after writing its regular files into a private folder.

An archive a course downloads from its LMS, or one a student uploaded, is untrusted input: an entry may
name a path outside the folder (`../`, `/etc/x`, `C:\\x`), be a link or a device, or decompress to far
more than it weighs (a zip bomb). Each such entry is refused with a reason and the rest goes on; only
regular files are ever written, never a link, and bytes are counted as they are written, not taken from
the archive's own header. `__MACOSX/` and dot-files are skipped silently: they are no one's work.
"""

from __future__ import annotations

import functools
import os
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from grader.files import has_junk

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")
"""The archives `grade` unpacks: what LMSs download (zip) and what people make by hand (tar.gz)."""

CHUNK = 1024 * 1024

Opener = Callable[[], "IO[bytes] | None"]
"""Opens one entry's data for reading: called only for an entry that will be written."""


@dataclass(frozen=True)
class ArchiveLimits:
    """How much one archive may unpack to: past a limit, entries are refused, never written."""

    files: int = 20_000
    """Regular files written, at most."""
    file_bytes: int = 50 * 1024 * 1024
    """Bytes of one file, at most (counted while decompressing)."""
    total_bytes: int = 1024 * 1024 * 1024
    """Bytes of all files, at most."""
    entries: int = 40_000
    """Entries of any kind (folders and links too) read, at most: past it the archive is read no further, so
    three million folders cost neither minutes of mkdir nor tarfile's growing list of members."""


DEFAULT_LIMITS = ArchiveLimits()
OWN_ARCHIVE_LIMITS = ArchiveLimits(files=500, file_bytes=20 * 1024 * 1024, total_bytes=50 * 1024 * 1024, entries=1000)
"""A student's own archive inside a download: one submission, so far less room."""


@dataclass(frozen=True)
class Refusal:
    """An entry of an archive that was not written, and why, in words for the class summary."""

    entry: str
    """The entry's name as the archive spells it (shown escaped by the caller)."""
    reason: str


class UnreadableArchive(Exception):
    """The archive as a whole cannot be read (not a zip or tar.gz, truncated, encrypted)."""


def is_archive(path: Path) -> bool:
    """Returns whether `path` is named like an archive `grade` unpacks."""
    return path.name.casefold().endswith(ARCHIVE_SUFFIXES)


def extract(archive: Path, into: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[Refusal]:
    """Returns the refused entries after writing the archive's regular files under `into` (created, empty).

    Raises UnreadableArchive when the archive cannot be read at all.
    """
    into.mkdir(mode=0o700, parents=True, exist_ok=False)
    writer = _Writer(into.resolve(), limits)
    try:
        if archive.name.casefold().endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                for count, info in enumerate(bundle.infolist(), start=1):
                    if _too_many(count, limits, writer):
                        break
                    writer.take(member_name(info), _zip_kind(info), functools.partial(bundle.open, info))
        else:
            with tarfile.open(archive, "r:gz") as bundle:
                for count, member in enumerate(bundle, start=1):  # streamed: data read before the next header
                    if _too_many(count, limits, writer):
                        break
                    writer.take(member.name, _tar_kind(member), functools.partial(bundle.extractfile, member))
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise UnreadableArchive(f"{type(error).__name__}: {error}") from None
    return writer.refused


def _too_many(count: int, limits: ArchiveLimits, writer: _Writer) -> bool:
    """Returns whether entry number `count` is past the limit on entries, refusing the rest of the archive then."""
    if count <= limits.entries:
        return False
    writer.refused.append(Refusal("…", f"more than {limits.entries} entries: the rest of the archive is not read"))
    return True


UTF8_NAME_FLAG = 0x800
"""General purpose bit 11 of a zip entry: its name is UTF-8. Without it zipfile reads the name as cp437."""


def member_name(info: zipfile.ZipInfo) -> str:
    """Returns a zip entry's name as its writer meant it: UTF-8 when its bytes are UTF-8, else cp437.

    Canvas's zips (rubyzip) write UTF-8 names without the UTF-8 flag, so zipfile, following the format,
    decodes `nguyễn` as cp437 (`nguyß╗àn`). zipfile's `metadata_encoding` sets one encoding for the whole
    archive and fails on any other name; per entry, the raw bytes are tried as UTF-8 first, then kept as
    cp437, which decodes any bytes. The raw name (orig_filename, before zipfile cuts it at a NUL) is used,
    so that a NUL in a name is refused, never silently cut.
    """
    name = info.orig_filename
    if info.flag_bits & UTF8_NAME_FLAG:
        return name
    try:
        return name.encode("cp437").decode("utf-8")
    except UnicodeError:
        return name


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16  # Unix mode when a Unix tool made the zip; no file type bits otherwise
    if info.is_dir():
        return "folder"
    if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
        return "link" if stat.S_ISLNK(mode) else "special file"
    return "file"


def _tar_kind(member: tarfile.TarInfo) -> str:
    if member.isdir():
        return "folder"
    if member.issym() or member.islnk():
        return "link"
    return "file" if member.isreg() else "special file"


_ENTRY_ERRORS = (zipfile.BadZipFile, tarfile.TarError, EOFError, RuntimeError, NotImplementedError, zlib.error)
"""What reading one entry may raise: corrupt data, a password, a compression Python lacks."""


class _Writer:
    """Writes entries one by one under a root, counting files and bytes against the limits."""

    def __init__(self, root: Path, limits: ArchiveLimits):
        self.root = root
        self.limits = limits
        self.files = 0
        self.bytes = 0
        self.refused: list[Refusal] = []
        self.full = False

    def take(self, name: str, kind: str, open_entry: Opener) -> None:
        parts = _safe_parts(name)
        if isinstance(parts, str):
            self.refused.append(Refusal(name, parts))
            return
        if not parts or has_junk(parts):
            return
        if kind == "folder":  # kept when empty: a Moodle participant's empty folder is a submitter with no file
            if not self.full and (problem := self._make_folders(self.root.joinpath(*parts))):
                self.refused.append(Refusal(name, problem))
            return
        if kind != "file":
            self.refused.append(Refusal(name, f"a {kind}: only regular files are unpacked"))
            return
        if self.full:
            self.refused.append(Refusal(name, "the archive's size or file-count limit was reached before it"))
            return
        if self.files >= self.limits.files:
            self.full = True
            self.refused.append(Refusal(name, f"more than {self.limits.files} files: the rest are not unpacked"))
            return
        problem = self._write(parts, open_entry)
        if problem:
            self.refused.append(Refusal(name, problem))

    def _make_folders(self, folder: Path) -> str | None:
        """Returns why `folder` (under the root) cannot be made, after making it and its parents; None when made."""
        for parent in [*reversed(folder.parents), folder]:
            if parent == self.root or not parent.is_relative_to(self.root):
                continue
            if parent.is_symlink() or (parent.exists() and not parent.is_dir()):
                return "its folder is a file of the archive"
            parent.mkdir(mode=0o700, exist_ok=True)
        return None

    def _write(self, parts: tuple[str, ...], open_entry: Opener) -> str | None:
        target = self.root.joinpath(*parts)
        if problem := self._make_folders(target.parent):
            return problem
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            handle = os.open(target, flags, 0o600)
        except FileExistsError:
            return "a second entry of the same name"
        except OSError as error:
            return f"cannot be written ({error.strerror})"
        self.files += 1
        with os.fdopen(handle, "wb") as out:
            try:
                problem = self._copy(open_entry(), out)
            except _ENTRY_ERRORS as error:  # one damaged or encrypted entry: the others may be fine
                problem = f"cannot be read ({type(error).__name__})"
        if problem:
            target.unlink()
            self.files -= 1
        return problem

    def _copy(self, source: IO[bytes] | None, out: IO[bytes]) -> str | None:
        written = 0
        if source is None:
            return "has no data"
        with source:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                written += len(chunk)
                if written > self.limits.file_bytes:
                    self.bytes += written - len(chunk)
                    return f"larger than {self.limits.file_bytes // (1024 * 1024)} MB unpacked"
                if self.bytes + written > self.limits.total_bytes:
                    self.full = True
                    return f"the archive unpacks to more than {self.limits.total_bytes // (1024 * 1024)} MB"
                out.write(chunk)
        self.bytes += written
        return None


def _safe_parts(name: str) -> tuple[str, ...] | str:
    """Returns the entry's path parts, or why it may not be written: outside the folder, or unnameable."""
    if "\x00" in name:
        return "a name with a NUL character"
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return "an absolute path: it would land outside the folder"
    parts = tuple(part for part in PurePosixPath(posix).parts if part not in ("", "."))
    if ".." in parts:
        return "a path with '..': it would land outside the folder"
    if any(len(part.encode("utf-8", "surrogateescape")) > 255 for part in parts):
        return "a name longer than a file system allows"
    return parts


def walk_files(folder: Path) -> Iterator[Path]:
    """Returns the regular files under `folder` that are not links, sorted; dot-files and folders skipped."""
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder).parts
        if has_junk(relative):
            continue
        if not path.is_symlink() and path.is_file():
            yield path
