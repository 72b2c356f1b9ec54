"""`grader release`: the student bundle holds the starter, public tests and README, and its tests run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli

PROJECT = Path(__file__).parent.parent
GD1D = PROJECT / "assignments" / "gd1d"
BUNDLE_FILES = ["README.md", "gradient_descent.py", "tests/public/conftest.py", "tests/public/test_public.py"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def bundle(tmp_path) -> Path:
    result = run("release", "-a", "gd1d", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert result.output == (f"Released gd1d: {out / 'gd1d'}/ and {out / 'gd1d.zip'} ({', '.join(BUNDLE_FILES)}).\n")
    return out / "gd1d"


def test_the_bundle_holds_exactly_starter_public_tests_and_readme(bundle):
    found = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert found == BUNDLE_FILES
    assert (bundle / "gradient_descent.py").read_bytes() == (GD1D / "starter" / "gradient_descent.py").read_bytes()
    assert (bundle / "README.md").read_bytes() == (GD1D / "README.md").read_bytes()
    with zipfile.ZipFile(bundle.parent / "gd1d.zip") as archive:
        assert sorted(archive.namelist()) == [f"gd1d/{name}" for name in BUNDLE_FILES]
        for name in BUNDLE_FILES:
            assert archive.read(f"gd1d/{name}") == (bundle / name).read_bytes()


def test_the_zip_is_the_same_bytes_every_time(bundle, tmp_path):
    assert run("release", "-a", "gd1d", "-o", str(tmp_path / "again")).exit_code == 0
    assert (tmp_path / "again" / "gd1d.zip").read_bytes() == (bundle.parent / "gd1d.zip").read_bytes()


def _pytest_in(folder: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GD_SUBMISSION", "PYTHONPATH"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_plain_pytest_in_the_bundle_fails_on_the_starter_and_passes_on_a_correct_submission(bundle):
    starter = _pytest_in(bundle)
    assert starter.returncode == 1, starter.stdout + starter.stderr
    assert "NotImplementedError" in starter.stdout
    shutil.copy(GD1D / "examples" / "correct.py", bundle / "gradient_descent.py")
    correct = _pytest_in(bundle)
    assert correct.returncode == 0, correct.stdout + correct.stderr
    assert " passed" in correct.stdout.splitlines()[-1] and "failed" not in correct.stdout.splitlines()[-1]


def _grader_check_in(folder: Path) -> subprocess.CompletedProcess[str]:
    """Runs `grader check gradient_descent.py` in the bundle as a student would, in a process of its own."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "grader", "check", "gradient_descent.py", "-a", "gd1d"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_grader_check_works_in_the_bundle(bundle):
    starter = _grader_check_in(bundle)
    assert starter.returncode == 1, starter.stdout + starter.stderr
    assert "NotImplementedError" in starter.stdout
    shutil.copy(GD1D / "examples" / "correct.py", bundle / "gradient_descent.py")
    correct = _grader_check_in(bundle)
    assert correct.returncode == 0, correct.stdout + correct.stderr
    assert "✗" not in correct.stdout


def test_release_never_overwrites(bundle):
    result = CliRunner().invoke(cli, ["release", "-a", "gd1d", "-o", str(bundle.parent)])
    assert result.exit_code == 2
    assert result.output == f"Error: {bundle} already exists; remove it, or pass another -o folder\n"


def test_a_leaking_bundle_is_not_released(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(Path(__file__).parent / "fixtures" / "toy", folder)
    (folder / "starter").mkdir()
    shutil.copy(folder / "reference_toy.py", folder / "starter" / "toy.py")
    (folder / "README.md").write_text("Look: expect_close(submission.double(x), reference.double(x))\n")
    result = run("release", "-a", str(folder), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "leak: README.md holds 1 line(s) of tests/hidden/test_toy.py, e.g. "
        "'expect_close(submission.double(x), reference.double(x))'",
        "leak: toy.py is a copy of reference_toy.py",
        "Nothing released: the bundle would leak 2 time(s).",
    ]
    assert not (tmp_path / "out").exists()


def test_a_missing_readme_is_a_usage_error(tmp_path):
    folder = tmp_path / "toy"
    shutil.copytree(Path(__file__).parent / "fixtures" / "toy", folder)
    (folder / "starter").mkdir()
    (folder / "starter" / "toy.py").write_text("def double(x):\n    raise NotImplementedError\n")
    result = CliRunner().invoke(cli, ["release", "-a", str(folder), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output == (
        f"Error: the student README {folder.resolve() / 'README.md'} does not exist; "
        "add it to the assignment and release again\n"
    )
