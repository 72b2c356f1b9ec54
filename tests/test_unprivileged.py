"""The fallback without bubblewrap: as root, each worker drops to a user id of its own.

That level needs an interpreter every user can read; the tests use Debian's /usr/bin/python3 with
python3-numpy (scripts/system-packages.sh installs it) through GRADER_WORKER_PYTHON.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from attacks import EXPECTED, SECRET_NAME, SECRET_VALUE, Listener, attack_source, limited_for, slow_marked
from click.testing import CliRunner

from grader.assignment import load_assignment
from grader.cli import cli
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.results import Status
from grader.sandbox.isolation import UNPRIVILEGED, choose_isolation
from grader.sandbox.launchers import ForkServerLauncher

SYSTEM_PYTHON = "/usr/bin/python3"
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="dropping to another user id needs root")


@pytest.fixture(scope="module")
def unprivileged():
    if not Path(SYSTEM_PYTHON).exists():
        pytest.fail(f"{SYSTEM_PYTHON} is missing: run scripts/system-packages.sh as root")
    previous = {name: os.environ.get(name) for name in ("GRADER_WORKER_PYTHON", "GRADER_ISOLATION")}
    os.environ["GRADER_WORKER_PYTHON"] = SYSTEM_PYTHON
    try:
        isolation = choose_isolation("unprivileged")
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    launcher = ForkServerLauncher(isolation)
    yield launcher
    launcher.close()


@pytest.fixture
def private_toy(tmp_path):
    """A copy of the toy assignment closed to other users, its hidden test marked with a unique token."""
    folder = tmp_path / "private" / "toy"
    shutil.copytree(Path(__file__).parent / "fixtures" / "toy", folder)
    token = f"private-token-{uuid.uuid4().hex}"
    hidden = folder / "tests" / "hidden" / "test_toy.py"
    hidden.write_text(f"# {token}\n" + hidden.read_text())
    for path in [folder.parent, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o007)
    return load_assignment(folder), token


@pytest.mark.parametrize("name", slow_marked(sorted(EXPECTED)))
def test_attack_earns_exactly_its_honest_score_as_an_unprivileged_user(name, private_toy, tmp_path, unprivileged):
    toy, token = private_toy
    os.environ[SECRET_NAME] = SECRET_VALUE
    listener = Listener()
    try:
        source = Source(name, attack_source(name, tmp_path, listener))
        result = grade(limited_for(name, toy), source, launcher=unprivileged)
    finally:
        listener.close()
        del os.environ[SECRET_NAME]
    assert (result.status, result.score) == EXPECTED[name], result.status_message
    assert result.isolation == UNPRIVILEGED
    assert SECRET_VALUE not in result.output and token not in result.output
    assert listener.connections == 0


def test_the_worker_really_runs_as_another_user(toy, tmp_path, unprivileged):
    probe = tmp_path / "whoami.py"
    probe.write_text(
        "import os\nprint('uid', os.getuid(), 'gid', os.getgid())\n"
        + (Path(__file__).parent / "fixtures" / "submissions" / "good.py").read_text()
    )
    result = grade(toy, Source("whoami", probe), launcher=unprivileged)
    assert result.status is Status.GRADED and result.score == 5.0
    assert f"uid {unprivileged.worker_uid} gid {unprivileged.worker_uid}" in result.output


@pytest.mark.parametrize("level", ["unprivileged", "strongest"])
def test_a_submission_cannot_read_a_classmates_file_lying_world_readable_beside_it(level, monkeypatch):
    """The class folder is world-readable, as an instructor's download often is; the grader's command
    lines name it. Still no worker may read a classmate's file, at either level that runs as root."""
    toy = Path(__file__).parent / "fixtures" / "toy"
    attack = Path(__file__).parent / "fixtures" / "attacks" / "reads_classmates_submissions.py"
    token = f"classmate-token-{uuid.uuid4().hex}"
    open_class = Path(tempfile.mkdtemp(prefix="grader-open-class-"))
    try:
        open_class.chmod(0o755)
        batch = open_class / "class"  # the output folder beside it: grade refuses one inside the submissions
        batch.mkdir(mode=0o755)
        shutil.copy(attack, batch / "reads_classmates_submissions.py")
        (batch / "classmate_secret.py").write_text(
            f"# {token}\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x, dtype=np.float64) * 2\n"
        )
        for path in batch.iterdir():
            path.chmod(0o644)
        monkeypatch.setenv("GRADER_WORKER_PYTHON", SYSTEM_PYTHON)
        monkeypatch.setenv("GRADER_ISOLATION", level)
        out = open_class / "out"
        result = CliRunner().invoke(cli, ["grade", str(batch), "-a", str(toy), "-o", str(out), "-j", "1"])
        assert result.exit_code == 0, result.output
        reports = "".join(path.read_text() for path in out.rglob("*") if path.is_file() and path.suffix != ".svg")
        assert "classmate:" not in reports
        stored = json.loads((out / "reads_classmates_submissions" / "results.json").read_text())
        assert "classmate" not in stored["output"] and token not in stored["output"]
    finally:
        shutil.rmtree(open_class, ignore_errors=True)


TOY = Path(__file__).parent / "fixtures" / "toy"
COURSE_FILES = (
    "examples/correct.py",
    "mistakes/off_by_one.py",
    "mutants.py",
    "diagnoses.py",
    "tests/hidden/test_toy.py",
)
REPOSITORY = Path(__file__).resolve().parent.parent


def _open_to_everyone(top: Path) -> None:
    """Gives every user read access to `top` and all below it: none of the chmods older docs asked for."""
    for path in [top, *top.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _plant(path: Path, tokens: list[str]) -> None:
    """Puts a token of its own at the top of `path` (creating it), so a leak of that file can be told."""
    token = f"course-token-{uuid.uuid4().hex}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {token}\n" + (path.read_text() if path.exists() else ""))
    tokens.append(token)


def _as_notebook(source: str, path: Path) -> None:
    cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))


@pytest.mark.parametrize("level", ["unprivileged", "strongest"])
def test_no_worker_opens_the_course_files_by_absolute_path_whatever_their_permissions(level, monkeypatch):
    """Issue 24: the assignment's examples, mistakes, mutants, diagnoses and hidden tests, the reference,
    classmates' submissions and the output all lie readable by every user, and the attack (as a script and
    as a notebook) is told their absolute paths. It opens none: the worker's filesystem is an allow-list."""
    attack = (Path(__file__).parent / "fixtures" / "attacks" / "reads_course_files_by_absolute_path.py").read_text()
    root = Path(tempfile.mkdtemp(prefix="grader-open-course-"))
    try:
        course, batch, out, tokens = root / "course" / "toy", root / "class", root / "out", []
        shutil.copytree(TOY, course)
        for relative in (*COURSE_FILES, "reference_toy.py"):
            _plant(course / relative, tokens)
        batch.mkdir()
        shutil.copy(Path(__file__).parent / "fixtures" / "submissions" / "good.py", batch / "classmate_honest.py")
        _plant(batch / "classmate_honest.py", tokens)
        targets = [str(course), str(batch), str(out), str(REPOSITORY / "assignments"), str(REPOSITORY / "reference")]
        attack = attack.replace("TARGETS = []", f"TARGETS = {targets!r}")
        (batch / "reads_course_files.py").write_text(attack)
        _as_notebook(attack, batch / "reads_course_files_from_a_notebook.ipynb")
        _open_to_everyone(root)
        monkeypatch.setenv("GRADER_WORKER_PYTHON", SYSTEM_PYTHON)
        monkeypatch.setenv("GRADER_ISOLATION", level)
        result = CliRunner().invoke(cli, ["grade", str(batch), "-a", str(course), "-o", str(out), "-j", "1"])
        assert result.exit_code == 0, result.output
        for student in ("reads_course_files", "reads_course_files_from_a_notebook"):
            stored = json.loads((out / student / "results.json").read_text())
            assert (stored["status"], stored["score"]) == ("graded", 5.0), stored["status_message"]
            assert "course files opened: 0" in stored["output"] and "read:" not in stored["output"], stored["output"]
            reports = "".join(path.read_text() for path in (out / student).rglob("*") if path.suffix != ".svg")
            assert not [token for token in tokens if token in reports]
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("parent", ["/var/tmp", "/dev/shm", "~"])
def test_an_honest_notebook_grades_whatever_tmpdir_is(parent, tmp_path, monkeypatch):
    """Issue 24: the grader's temporary files (the scratch folder, a notebook's converted source) follow
    TMPDIR, here a folder only root may enter. A worker never looks for them there: it got its own root
    before the grader's paths stopped existing for it. (It crashed whenever TMPDIR lay under a folder each
    worker gets a private copy of: /var/tmp, /dev/shm.)"""
    if not Path(parent).expanduser().is_dir():
        pytest.skip(f"{parent} does not exist here")
    temporary = Path(tempfile.mkdtemp(prefix="grader-tmpdir-", dir=Path(parent).expanduser()))
    try:
        batch = tmp_path / "class"
        batch.mkdir()
        shutil.copy(Path(__file__).parent / "fixtures" / "notebooks" / "correct.ipynb", batch / "ada.ipynb")
        monkeypatch.setenv("TMPDIR", str(temporary))
        monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile reads TMPDIR again
        monkeypatch.setenv("GRADER_WORKER_PYTHON", SYSTEM_PYTHON)
        monkeypatch.setenv("GRADER_ISOLATION", "unprivileged")
        out = tmp_path / "out"
        result = CliRunner().invoke(cli, ["grade", str(batch), "-a", str(TOY), "-o", str(out), "-j", "1"])
        assert result.exit_code == 0, result.output
        stored = json.loads((out / "ada" / "results.json").read_text())
        assert (stored["status"], stored["score"]) == ("graded", 5.0), stored["status_message"]
        assert not list(temporary.iterdir()), "the grader left temporary files behind"
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
