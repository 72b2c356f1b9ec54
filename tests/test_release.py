"""`grader release`: the student bundle holds the starter, public tests and README, nothing else.

On the toy assignment. That each assignment's bundle runs its public tests with plain pytest and with
`grader check` is tested per assignment, in test_assignments.py.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

BUNDLE_FILES = [".grader-assignment", "README.md", "tests/public/test_public.py", "toy.py"]
NOT_FOR_STUDENTS = ("examples/x.py", "golden/examples.json", "mistakes/y.py", "diagnoses.py")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def bundle(ready_toy, tmp_path) -> Path:
    for name in NOT_FOR_STUDENTS:
        (ready_toy / name).parent.mkdir(exist_ok=True)
        (ready_toy / name).write_text("# for the instructor and the tests only\n")
    out = tmp_path / "out"
    result = run("release", "-a", str(ready_toy), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"Released toy: {out / 'toy'}/ and {out / 'toy.zip'} ({', '.join(BUNDLE_FILES)}).\n"
    return out / "toy"


def test_the_bundle_holds_exactly_starter_public_tests_and_readme(bundle, ready_toy):
    found = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert found == BUNDLE_FILES
    assert (bundle / "toy.py").read_bytes() == (ready_toy / "starter" / "toy.py").read_bytes()
    assert (bundle / "README.md").read_bytes() == (ready_toy / "README.md").read_bytes()
    with zipfile.ZipFile(bundle.parent / "toy.zip") as archive:
        assert sorted(archive.namelist()) == [f"toy/{name}" for name in BUNDLE_FILES]
        for name in BUNDLE_FILES:
            assert archive.read(f"toy/{name}") == (bundle / name).read_bytes()


def test_the_zip_is_the_same_bytes_every_time(bundle, ready_toy, tmp_path):
    assert run("release", "-a", str(ready_toy), "-o", str(tmp_path / "again")).exit_code == 0
    assert (tmp_path / "again" / "toy.zip").read_bytes() == (bundle.parent / "toy.zip").read_bytes()


def test_release_never_overwrites(bundle, ready_toy):
    result = CliRunner().invoke(cli, ["release", "-a", str(ready_toy), "-o", str(bundle.parent)])
    assert result.exit_code == 2
    assert result.output == f"Error: {bundle} already exists; remove it, or pass another -o folder\n"


def test_a_leaking_bundle_is_not_released(ready_toy, tmp_path):
    shutil.copy(ready_toy / "reference_toy.py", ready_toy / "starter" / "toy.py")
    (ready_toy / "README.md").write_text("Look: expect_close(submission.double(x), reference.double(x))\n")
    result = run("release", "-a", str(ready_toy), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "leak: README.md holds 1 line(s) of tests/hidden/test_toy.py, e.g. "
        "'expect_close(submission.double(x), reference.double(x))'",
        "leak: toy.py is a copy of reference_toy.py",
        "Nothing released: the bundle would leak 2 time(s).",
    ]
    assert not (tmp_path / "out").exists()


def test_a_missing_readme_is_a_usage_error(ready_toy, tmp_path):
    (ready_toy / "README.md").unlink()
    result = CliRunner().invoke(cli, ["release", "-a", str(ready_toy), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: the student README {ready_toy.resolve() / 'README.md'} does not exist; "
        "add it to the assignment and release again\n"
    )
