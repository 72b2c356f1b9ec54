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
from attacks import EXPECTED, SECRET_NAME, SECRET_VALUE, Listener, attack_source, limited_for
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


@pytest.mark.parametrize("name", sorted(EXPECTED))
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
        shutil.copy(attack, open_class / "reads_classmates_submissions.py")
        (open_class / "classmate_secret.py").write_text(
            f"# {token}\nimport numpy as np\n\n\ndef double(x):\n    return np.asarray(x, dtype=np.float64) * 2\n"
        )
        for path in open_class.iterdir():
            path.chmod(0o644)
        monkeypatch.setenv("GRADER_WORKER_PYTHON", SYSTEM_PYTHON)
        monkeypatch.setenv("GRADER_ISOLATION", level)
        out = open_class / "out"
        result = CliRunner().invoke(cli, ["grade", str(open_class), "-a", str(toy), "-o", str(out), "-j", "1"])
        assert result.exit_code == 0, result.output
        reports = "".join(path.read_text() for path in out.rglob("*") if path.is_file() and path.suffix != ".svg")
        assert "classmate:" not in reports
        stored = json.loads((out / "reads_classmates_submissions" / "results.json").read_text())
        assert "classmate" not in stored["output"] and token not in stored["output"]
    finally:
        shutil.rmtree(open_class, ignore_errors=True)
