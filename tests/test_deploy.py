"""The scheduler templates for shards, each checked as far as this machine can run it: the Slurm array
and merge run on a one-node Slurm (scripts/slurm-check.sh) where sbatch and root are here, and their shell
logic runs everywhere with a stand-in grader; the workflows pass actionlint; the Kubernetes manifests
validate against the Kubernetes schemas (kubernetes-validate, which bundles them) after rendering N."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).parent.parent
DEPLOY = PROJECT / "deploy"
SBATCH = DEPLOY / "slurm" / "grade-shards.sbatch"


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[dev]' installs it"
    return found


def test_the_workflows_pass_actionlint():
    workflows = [DEPLOY / "github" / "grade-shards.yml", PROJECT / "assignments" / "gd1d" / "ci" / "grade.yml"]
    result = subprocess.run([_tool("actionlint"), *map(str, workflows)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_actions_matrix_counts_shards_from_one_place_and_grades_at_the_bubblewrap_level():
    workflow = yaml.safe_load((DEPLOY / "github" / "grade-shards.yml").read_text())
    shards = workflow["env"]["SHARDS"]
    jobs = workflow["jobs"]
    assert "$SHARDS" in jobs["plan"]["steps"][0]["run"]
    assert jobs["grade"]["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    text = (DEPLOY / "github" / "grade-shards.yml").read_text()
    assert f'/{shards}"' not in text and "[1, 2" not in text  # N is written once, as env.SHARDS
    for name in ("grade", "merge"):
        assert jobs[name]["runs-on"] == "ubuntu-24.04"
    runs = [step.get("run", "") for step in jobs["grade"]["steps"]]
    assert any("allow-bwrap-userns.sh" in run for run in runs)
    assert any("--isolation bubblewrap" in run for run in runs)
    ci = yaml.safe_load((PROJECT / "assignments" / "gd1d" / "ci" / "grade.yml").read_text())["jobs"]["grade"]
    assert ci["runs-on"] == "ubuntu-24.04"
    ci_runs = [step.get("run", "") for step in ci["steps"]]
    assert any("grader/deploy/github/allow-bwrap-userns.sh" in run for run in ci_runs)
    assert any("--isolation bubblewrap" in run for run in ci_runs)


@pytest.mark.parametrize(
    "script",
    [SBATCH, DEPLOY / "github" / "allow-bwrap-userns.sh", PROJECT / "scripts" / "slurm-check.sh"],
    ids=lambda p: p.name,
)
def test_the_shell_scripts_pass_shellcheck(script):
    result = subprocess.run([_tool("shellcheck"), str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_is_not_a_rubber_stamp(tmp_path):
    broken = tmp_path / "broken.sbatch"
    broken.write_text("#!/usr/bin/env bash\nrm -rf $UNQUOTED/*\n")
    assert subprocess.run([_tool("shellcheck"), str(broken)], capture_output=True, timeout=120).returncode != 0


def _stand_in_grader(folder: Path, exits: int = 0) -> Path:
    """A grader that records its arguments and exits as told: the sbatch script's own logic, no grading."""
    grader = folder / "grader"
    grader.write_text(f'#!/bin/sh\necho "$@" >> "{folder}/calls"\nexit {exits}\n')
    grader.chmod(0o755)
    return grader


def _sbatch(folder: Path, grader: Path, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "SLURM_SUBMIT_DIR": str(folder),
        "GRADER": str(grader),
        "SHARDS": "3",
        **variables,
    }
    return subprocess.run(["bash", str(SBATCH), *args], env=environment, capture_output=True, text=True, timeout=60)


def test_the_slurm_merge_goes_on_after_a_shard_that_exits_1_and_stops_at_one_that_did_not_finish(tmp_path):
    for task, exits in ((1, 0), (2, 1), (3, 0)):
        grader = _stand_in_grader(tmp_path, exits)
        run = _sbatch(tmp_path, grader, SLURM_ARRAY_TASK_ID=str(task), SLURM_ARRAY_JOB_ID="77")
        assert run.returncode == exits, run.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[1] == "grade submissions -a gd1d -o shards/2 --shard 2/3 -j 1"
    grader = _stand_in_grader(tmp_path)
    merged = _sbatch(tmp_path, grader, "merge", "77")
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "calls").read_text().splitlines()[-1] == "merge shards/1 shards/2 shards/3 -a gd1d -o out"
    # A status from another array job, an exit 2 or a missing shard stops the merge, naming the shard.
    stale = _sbatch(tmp_path, grader, "merge", "78")
    assert stale.returncode == 1 and "shard 1 of job 78 did not finish grading" in stale.stderr
    (tmp_path / "shards" / "2.status").write_text("77 2\n")
    closed = _sbatch(tmp_path, grader, "merge", "77")
    assert closed.returncode == 1 and "shard 2 of job 77 did not finish grading" in closed.stderr
    (tmp_path / "shards" / "3.status").unlink()
    (tmp_path / "shards" / "2.status").write_text("77 0\n")
    missing = _sbatch(tmp_path, grader, "merge", "77")
    assert missing.returncode == 1 and "shard 3 of job 77" in missing.stderr and "exit none" in missing.stderr


def test_the_slurm_script_names_the_grader_it_cannot_find(tmp_path):
    run = _sbatch(tmp_path, tmp_path / "no-such-grader", SLURM_ARRAY_TASK_ID="1")
    assert run.returncode == 2 and f"no grader at {tmp_path}/no-such-grader" in run.stderr
    default = subprocess.run(
        ["bash", str(SBATCH)],
        env={"PATH": os.environ["PATH"], "SHARDS": "2", "SLURM_SUBMIT_DIR": str(tmp_path), "SLURM_ARRAY_TASK_ID": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert default.returncode == 2 and f"no grader at {tmp_path}/.venv/bin/grader" in default.stderr


def free_ports(count: int) -> list[int]:
    """Returns `count` ports nothing listens on at the moment, on 127.0.0.1."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.create_server(("127.0.0.1", 0))) for _ in range(count)]
        return [server.getsockname()[1] for server in sockets]


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("sbatch") is None or os.geteuid() != 0,
    reason="needs Slurm (apt-get install slurm-wlm munge) and root to start its daemons",
)
def test_the_slurm_array_and_merge_on_a_local_slurm_match_one_run():
    ports = dict(zip(("SLURMCTLD_PORT", "SLURMD_PORT"), map(str, free_ports(2)), strict=True))
    run = subprocess.run(
        ["bash", str(PROJECT / "scripts" / "slurm-check.sh"), "3"],
        env=os.environ | ports,  # not Slurm's default ports: another run on this machine may hold them
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "OK: the merged gradebook of 3 shards is identical to one run's" in run.stdout
    assert re.search(r"ArrayTaskId=2 JobState=FAILED ExitCode=1:0", run.stdout)  # and the merge still ran


def _rendered_manifests(shards: int) -> str:
    text = (DEPLOY / "kubernetes" / "grade-shards.yaml").read_text()
    return re.sub(r"\$\{SHARDS\}|\$SHARDS\b", str(shards), text)  # as envsubst '${SHARDS}' does


def test_the_kubernetes_manifests_validate_against_the_kubernetes_schemas(tmp_path):
    rendered = tmp_path / "grade-shards.yaml"
    rendered.write_text(_rendered_manifests(8))
    for version in ("1.33.0", "1.37.0"):
        result = subprocess.run(
            [_tool("kubernetes-validate"), "--strict", "-k", version, str(rendered)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(_rendered_manifests(8).replace("completionMode: Indexed", "completionMode: Indexed\n  shards: 8"))
    assert (
        subprocess.run(
            [_tool("kubernetes-validate"), "--strict", str(broken)], capture_output=True, timeout=120
        ).returncode
        != 0
    )


def test_the_kubernetes_jobs_shard_from_one_n_merge_after_and_never_retry_a_fail_closed_exit():
    source = (DEPLOY / "kubernetes" / "grade-shards.yaml").read_text()
    assert "pip install gd-autograder" not in source
    claim, shards, merge = yaml.safe_load_all(_rendered_manifests(5))
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    spec = shards["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == 5
    (fail_closed, _) = spec["podFailurePolicy"]["rules"]
    assert fail_closed["action"] == "FailJob" and fail_closed["onExitCodes"]["values"] == [2]
    pod = spec["template"]["spec"]
    assert pod["hostUsers"] is False and pod["securityContext"]["seccompProfile"] == {"type": "Unconfined"}
    (container,) = pod["containers"]
    assert container["securityContext"]["procMount"] == "Unmasked"
    assert {"name": "SHARDS", "value": "5"} in container["env"]
    script = container["args"][0]
    assert '--shard "$shard/5"' in script and "shard=$((JOB_COMPLETION_INDEX + 1))" in script
    (merger,) = merge["spec"]["template"]["spec"]["containers"]
    assert "grader merge" in merger["args"][0] and "shards/$shard.status" in merger["args"][0]
    for job in (shards, merge):
        for each in job["spec"]["template"]["spec"]["containers"]:
            assert subprocess.run(["sh", "-n", "-c", each["args"][0]], capture_output=True).returncode == 0
    containerfile = (DEPLOY / "kubernetes" / "Containerfile").read_text()
    assert "COPY . /opt/gd-autograder" in containerfile
    assert "pip install --no-cache-dir /opt/gd-autograder" in containerfile
