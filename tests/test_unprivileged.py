"""The fallback without bubblewrap: as root, each worker drops to a user id of its own.

That level needs an interpreter every user can read; the tests use Debian's /usr/bin/python3 with
python3-numpy (scripts/system-packages.sh installs it) through GRADER_WORKER_PYTHON.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from attacks import EXPECTED, SECRET_NAME, SECRET_VALUE, Listener, attack_source, limited_for

from grader.assignment import load_assignment
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
