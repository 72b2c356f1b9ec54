"""Gradescope's run_autograder below bubblewrap (issue #10): at the unprivileged level workers see nothing of
/autograder but the grader package, which it also closes to their user ids, and at "resource limits only"
it refuses unless the runner asks for that level.

Runs the toy assignment's autograder zip against a fake /autograder, as tests/autograder.py does.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from autograder import check_against_specification, run_autograder
from click.testing import CliRunner

from grader.cli import cli

pytestmark = pytest.mark.slow  # each runs run_autograder in a fresh interpreter
FIXTURES = Path(__file__).parent / "fixtures"
SUBMISSIONS = FIXTURES / "submissions"
SYSTEM_PYTHON = "/usr/bin/python3"
"""Debian's python3 with python3-numpy: world-readable, as the unprivileged level needs (scripts/system-packages.sh)."""


@pytest.fixture(scope="module")
def marked_zip(tmp_path_factory) -> tuple[Path, str]:
    """The toy assignment's autograder zip, its reference and hidden test marked with a unique token."""
    folder = tmp_path_factory.mktemp("assignments") / "toy"
    shutil.copytree(FIXTURES / "toy", folder)
    token = f"private-token-{uuid.uuid4().hex}"
    for private in (folder / "reference_toy.py", folder / "tests" / "hidden" / "test_toy.py"):
        private.write_text(f"# {token}\n" + private.read_text())
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    built = CliRunner().invoke(cli, ["gradescope", "-a", str(folder), "-o", str(out)], catch_exceptions=False)
    assert built.exit_code == 0, built.output
    return out, token


@pytest.fixture
def open_root() -> Iterator[Path]:
    """A fake /autograder that other users can reach, as the real one is: only run_autograder closes parts of it.

    Not under pytest's tmp_path, whose folders are closed to other users: a worker refused there would prove
    nothing about the grader.
    """
    root = Path(tempfile.mkdtemp(prefix="autograder-"))
    root.chmod(0o755)
    (root / "control.txt").write_text("control-readable\n")
    (root / "control.txt").chmod(0o644)
    yield root
    shutil.rmtree(root)


@pytest.fixture
def isolation_environment(monkeypatch) -> Iterator[None]:
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    monkeypatch.delenv("GRADER_WORKER_PYTHON", raising=False)
    yield


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping to another user id needs root")
def test_at_the_unprivileged_level_the_worker_cannot_read_source(
    marked_zip, open_root, isolation_environment, monkeypatch, tmp_path
) -> None:
    autograder_zip, token = marked_zip
    if not Path(SYSTEM_PYTHON).exists():
        pytest.fail(f"{SYSTEM_PYTHON} is missing: run scripts/system-packages.sh as root")
    monkeypatch.setenv("GRADER_ISOLATION", "unprivileged")
    monkeypatch.setenv("GRADER_WORKER_PYTHON", SYSTEM_PYTHON)
    attack = tmp_path / "toy.py"
    attack.write_text(
        (SUBMISSIONS / "reads_autograder_source.py").read_text().replace('"/autograder"', repr(str(open_root)))
    )
    completed, results = run_autograder(autograder_zip, open_root, {"toy.py": attack})
    assert completed.returncode == 0, completed.stderr
    check_against_specification(results)
    printed = results["output"]
    assert "isolation: unprivileged user" in printed
    # The worker's filesystem is an allow-list (docs/security.md): /autograder is not in it, not even the file
    # left open to everyone; of source/ it sees only the grader package, which run_autograder closes too.
    assert "refused control.txt FileNotFoundError" in printed
    assert "read source grader\n" in printed
    for private in ("source/assignments", "source/assignments/toy/reference_toy.py",
                    "source/assignments/toy/tests/hidden/test_toy.py", "source/reference"):  # fmt: skip
        assert f"refused {private} FileNotFoundError" in printed
    assert "refused source/grader/sandbox/inside.py PermissionError" in printed
    assert "fontconfig readable" in printed  # the one file of source/ workers need, opened on purpose
    assert results["score"] == 5.0  # what its honest values earn
    text = (open_root / "results" / "results.json").read_text()
    assert (
        token not in text
        and "def double" not in text
        and "reference_toy" not in text.replace("refused source/assignments/toy/reference_toy.py", "")
    )


def test_at_resource_limits_only_it_refuses_with_a_results_file_that_says_so(
    marked_zip, open_root, isolation_environment, tmp_path
) -> None:
    autograder_zip, token = marked_zip
    completed, results = run_autograder(
        autograder_zip, open_root, {"toy.py": SUBMISSIONS / "good.py"}, python=str(_without_namespaces(tmp_path))
    )
    assert completed.returncode == 2
    assert "refusing to grade" in completed.stderr
    check_against_specification(results)
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("The autograder refused to run your code: refusing to grade")
    assert "not your mistake" in results["output"] and token not in json.dumps(results)


def test_at_resource_limits_only_it_grades_when_the_runner_asks_for_that_level(
    marked_zip, open_root, isolation_environment, monkeypatch, tmp_path
) -> None:
    monkeypatch.setenv("GRADER_ISOLATION", "limits")
    completed, results = run_autograder(
        marked_zip[0], open_root, {"toy.py": SUBMISSIONS / "good.py"}, python=str(_without_namespaces(tmp_path))
    )
    assert completed.returncode == 0, completed.stderr
    check_against_specification(results)
    assert results["score"] == 5.0 and "isolation: resource limits only" in results["output"]


def _without_namespaces(folder: Path) -> Path:
    """Returns a stand-in for the grader's Python that sees this machine as a hardened kernel or a container
    shows it to an ordinary user: no bwrap works and it is not root (as test_sandbox_holes.py's no_namespaces)."""
    script = folder / "python-without-namespaces"
    patch = (
        "import os, sys; from grader.sandbox import isolation; "
        "isolation._working_bwrap = lambda: None; os.geteuid = lambda: 1000; "
        "from grader.exports.gradescope import main; sys.exit(main(sys.argv[1:]))"
    )
    # run_autograder calls "$PYTHON" -m grader.exports.gradescope ROOT: keep ROOT, run the patched main.
    script.write_text(f'#!/bin/sh\nshift 2\nexec {sys.executable} -c "{patch}" "$@"\n')
    script.chmod(0o755)
    return script
