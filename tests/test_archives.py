"""Unpacking archives a course downloads: every hostile entry refused with a reason, nothing outside the folder."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.batch.archives import ArchiveLimits, UnreadableArchive, extract


def make_zip(path: Path, entries: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, target)
    return path


def everything_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_regular_files_land_in_the_folder_and_junk_is_skipped(tmp_path):
    archive = make_zip(
        tmp_path / "class.zip",
        {"a/sol.py": b"x = 1\n", "__MACOSX/a/._sol.py": b"junk", "a/.DS_Store": b"junk", ".git/config": b"x"},
    )
    refused = extract(archive, tmp_path / "out")
    assert refused == []
    assert everything_under(tmp_path / "out") == ["a", "a/sol.py"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../escaped.py", "'..'"),
        ("a/../../escaped.py", "'..'"),
        ("/tmp/escaped.py", "absolute path"),
        ("C:\\escaped.py", "absolute path"),
        ("..\\escaped.py", "'..'"),
    ],
)
def test_entries_that_would_land_outside_are_refused_and_the_rest_unpacked(tmp_path, name, reason):
    archive = make_zip(tmp_path / "hostile.zip", {name: b"owned", "good.py": b"x = 1\n"})
    refused = extract(archive, tmp_path / "box" / "out")
    assert [(r.entry, reason in r.reason) for r in refused] == [(name, True)]
    assert everything_under(tmp_path / "box") == ["out", "out/good.py"]
    assert not list(tmp_path.rglob("escaped.py"))


def test_links_in_a_zip_are_refused_never_created(tmp_path):
    archive = make_zip(tmp_path / "links.zip", {"good.py": b"x = 1\n"}, links={"sol.py": "/etc/passwd"})
    refused = extract(archive, tmp_path / "out")
    assert [(r.entry, "link" in r.reason) for r in refused] == [("sol.py", True)]
    assert everything_under(tmp_path / "out") == ["good.py"]


def test_links_hard_links_and_devices_in_a_tar_are_refused(tmp_path):
    path = tmp_path / "links.tar.gz"
    with tarfile.open(path, "w:gz") as bundle:
        for name, kind in (("sym.py", tarfile.SYMTYPE), ("hard.py", tarfile.LNKTYPE), ("fifo", tarfile.FIFOTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd"
            bundle.addfile(info)
        data = b"x = 1\n"
        info = tarfile.TarInfo("ok/sol.py")
        info.size = len(data)
        bundle.addfile(info, io.BytesIO(data))
    refused = extract(path, tmp_path / "out")
    assert sorted(r.entry for r in refused) == ["fifo", "hard.py", "sym.py"]
    assert everything_under(tmp_path / "out") == ["ok", "ok/sol.py"]
    assert not any(p.is_symlink() for p in (tmp_path / "out").rglob("*"))


def test_a_zip_bomb_stops_at_the_size_limit(tmp_path):
    bomb = b"\0" * (4 * 1024 * 1024)  # deflates to a few KB
    archive = make_zip(tmp_path / "bomb.zip", {f"layer{i}.bin": bomb for i in range(4)} | {"z.py": b"x = 1\n"})
    assert archive.stat().st_size < 100_000
    refused = extract(archive, tmp_path / "out", ArchiveLimits(files=100, file_bytes=5 * 2**20, total_bytes=9 * 2**20))
    assert [r.entry for r in refused] == ["layer2.bin", "layer3.bin", "z.py"]
    assert "more than 9 MB" in refused[0].reason
    assert sum(p.stat().st_size for p in (tmp_path / "out").rglob("*")) <= 9 * 2**20


def test_one_huge_file_is_refused_and_the_rest_kept(tmp_path):
    archive = make_zip(tmp_path / "big.zip", {"huge.py": b"#" * (3 * 2**20), "sol.py": b"x = 1\n"})
    refused = extract(archive, tmp_path / "out", ArchiveLimits(files=100, file_bytes=2**20, total_bytes=2**30))
    assert [(r.entry, "larger than 1 MB" in r.reason) for r in refused] == [("huge.py", True)]
    assert everything_under(tmp_path / "out") == ["sol.py"]


def test_too_many_files_are_refused_past_the_count(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"f{i:03}.py": b"" for i in range(10)})
    refused = extract(archive, tmp_path / "out", ArchiveLimits(files=4))
    assert len(everything_under(tmp_path / "out")) == 4
    assert len(refused) == 6 and "more than 4 files" in refused[0].reason


def test_a_second_entry_of_one_name_does_not_overwrite_the_first(tmp_path):
    path = tmp_path / "twice.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("sol.py", b"first")
        with pytest.warns(UserWarning, match="Duplicate name"):
            bundle.writestr("sol.py", b"second")
    refused = extract(path, tmp_path / "out")
    assert [r.reason for r in refused] == ["a second entry of the same name"]
    assert (tmp_path / "out" / "sol.py").read_bytes() == b"first"


def test_a_file_that_is_not_an_archive_is_unreadable(tmp_path):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip at all")
    with pytest.raises(UnreadableArchive):
        extract(fake, tmp_path / "out")


def test_folders_count_too_and_an_archive_of_countless_entries_is_read_no_further(tmp_path):
    # Issue 24: a student's tar.gz of 3 M folder members held the whole class in intake for minutes.
    archive = tmp_path / "folders.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        for number in range(3000):
            folder = tarfile.TarInfo(f"s/{number}")
            folder.type = tarfile.DIRTYPE
            bundle.addfile(folder)
        bundle.addfile(tarfile.TarInfo("s/late.py"), io.BytesIO(b""))
    refused = extract(archive, tmp_path / "out", ArchiveLimits(entries=1000))
    assert [r.reason for r in refused] == ["more than 1000 entries: the rest of the archive is not read"]
    assert sum(1 for _ in (tmp_path / "out" / "s").iterdir()) == 1000
    assert not (tmp_path / "out" / "s" / "late.py").exists()


def test_refused_entries_print_a_bounded_number_of_lines():
    from grader.batch.archives import Refusal
    from grader.batch.intake import MAX_REFUSAL_LINES, _refusal_lines

    lines = _refusal_lines("class.zip", [Refusal(f"link{n}", "a link") for n in range(100_000)])
    assert len(lines) == MAX_REFUSAL_LINES + 1
    assert lines[-1] == f"refused from class.zip: {100_000 - MAX_REFUSAL_LINES} more entries, not listed"
