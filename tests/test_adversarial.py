"""Hostile and broken submissions: each attack scores exactly what its honest values earn, leaks nothing,
and leaves no process behind. One fixture submission per attack, in fixtures/attacks/, named by the attack.

The suite runs at the strongest isolation this machine offers (bubblewrap in CI), and again at "resource
limits only" for the attacks that level defends (docs/security.md says which it does not).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from attacks import (
    ATTACKS,
    CALL_SECONDS,
    EXPECTED,
    NOT_DEFENDED_WITHOUT_NAMESPACES,
    SECRET_NAME,
    SECRET_VALUE,
    Listener,
    attack_source,
    limited_for,
    slow_marked,
    with_short_calls,
)

from grader.assignment import Assignment
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.reports.student import write_reports
from grader.results import SubmissionResult
from grader.sandbox.isolation import BUBBLEWRAP, LIMITS_ONLY, choose_isolation
from grader.sandbox.launchers import ForkServerLauncher


@pytest.fixture(scope="module")
def strongest():
    launcher = ForkServerLauncher(choose_isolation("strongest"))
    yield launcher
    launcher.close()


@pytest.fixture(scope="module")
def limits_only():
    launcher = ForkServerLauncher(choose_isolation("limits"))
    yield launcher
    launcher.close()


@pytest.fixture
def secret_in_environment():
    os.environ[SECRET_NAME] = SECRET_VALUE
    yield
    del os.environ[SECRET_NAME]


def forbidden_texts(toy: Assignment) -> list[str]:
    """Returns lines of the hidden tests and the reference that must never reach a student, and the secret."""
    sources = [*toy.hidden_tests.glob("*.py"), toy.reference_file]
    lines = {line.strip() for path in sources for line in path.read_text().splitlines() if len(line.strip()) > 20}
    return [SECRET_VALUE, *lines]


def assert_nothing_leaked(result: SubmissionResult, toy: Assignment, folder: Path) -> None:
    write_reports(result, toy.title, folder)
    texts = {path.name: path.read_text() for path in folder.iterdir()}
    for forbidden in forbidden_texts(toy):
        for name, text in texts.items():
            assert forbidden not in text, f"{name} shows {forbidden!r}"


def run_attack(name, toy, tmp_path, launcher) -> tuple[SubmissionResult, Listener]:
    for marker in ("conftest", "sitecustomize"):
        Path(f"/tmp/grader-attack-{marker}-was-imported").unlink(missing_ok=True)
    listener = Listener()
    try:
        result = grade(limited_for(name, toy), Source(name, attack_source(name, tmp_path, listener)), launcher=launcher)
    finally:
        listener.close()
    return result, listener


STRONGEST = choose_isolation("strongest").level
DEFENDED_HERE = (
    sorted(EXPECTED) if STRONGEST != LIMITS_ONLY else sorted(set(EXPECTED) - NOT_DEFENDED_WITHOUT_NAMESPACES)
)


@pytest.mark.parametrize("name", slow_marked(DEFENDED_HERE))
def test_attack_earns_exactly_its_honest_score_at_the_strongest_isolation(
    name, toy, tmp_path, strongest, secret_in_environment
):
    result, listener = run_attack(name, toy, tmp_path, strongest)
    assert (result.status, result.score) == EXPECTED[name], result.status_message
    assert result.isolation == strongest.isolation.level
    assert_nothing_leaked(result, toy, tmp_path / "reports")
    assert listener.connections == 0
    for marker in ("conftest", "sitecustomize"):
        assert not Path(f"/tmp/grader-attack-{marker}-was-imported").exists()


@pytest.mark.parametrize("name", slow_marked(sorted(set(EXPECTED) - NOT_DEFENDED_WITHOUT_NAMESPACES)))
def test_attack_earns_exactly_its_honest_score_with_resource_limits_only(
    name, toy, tmp_path, limits_only, secret_in_environment
):
    result, _ = run_attack(name, toy, tmp_path, limits_only)
    assert (result.status, result.score) == EXPECTED[name], result.status_message
    assert result.isolation == LIMITS_ONLY
    assert SECRET_VALUE not in result.output


def test_the_strongest_level_here_is_bubblewrap_when_it_is_installed():
    installed = shutil.which("bwrap") is not None
    assert (choose_isolation().level == BUBBLEWRAP) == installed, "bwrap is installed but unusable here"


@pytest.mark.slow
def test_messages_name_the_limit_that_was_broken(toy, tmp_path, strongest):
    memory, _ = run_attack("hogs_memory", toy, tmp_path, strongest)
    assert "ran out of memory (the limit is 400 MB) in double(x=1.0)." in memory.tests[0].message
    huge, _ = run_attack("returns_huge_array", toy, tmp_path, strongest)
    assert "far larger than the call could produce" in huge.tests[0].message
    flood, _ = run_attack("floods_output", toy, tmp_path, strongest)
    assert "output truncated" in flood.output and len(flood.output) < 4096
    slow, _ = run_attack("sleeps_in_call", toy, tmp_path, strongest)
    # Issue 22: a call that sleeps used no CPU time: the wall-clock backstop stopped it, and says it waited.
    assert slow.tests[0].message.startswith(f"double(x=1.0) waited more than {4 * CALL_SECONDS:g} s without computing")


@pytest.mark.slow
def test_a_batch_mixing_attacks_grades_normal_submissions_as_it_would_alone(toy, tmp_path):
    from grader.batch.pool import grade_batch
    from grader.results import TIMING_FIELDS

    toy = with_short_calls(toy)  # the attacks that hang cost less; the normal submissions are quick anyway
    normal = [Source(name, ATTACKS.parent / "submissions" / f"{name}.py") for name in ("good", "wrong_double")]
    hostile = [
        Source(name, attack_source(name, tmp_path, None))  # type: ignore[arg-type]
        for name in sorted(EXPECTED)
        if name not in ("connects_to_local_port", "sleeps_at_import", "loops_at_import")  # keep the batch quick
    ]
    grade_batch(toy, normal, tmp_path / "alone", jobs=1)
    mixed = grade_batch(toy, hostile[:6] + normal + hostile[6:], tmp_path / "mixed", jobs=2)
    assert len(mixed.rows) == len(hostile) + 2

    def stable(folder: Path) -> dict:
        import json

        data = json.loads(folder.joinpath("results.json").read_text())
        return {k: v for k, v in data.items() if k not in TIMING_FIELDS}

    for source in normal:
        assert stable(tmp_path / "mixed" / source.student) == stable(tmp_path / "alone" / source.student)


@pytest.mark.slow
def test_sleeping_just_under_every_backstop_stops_at_the_wall_clock_budget(toy, tmp_path, strongest):
    # Issue 24: 7.5 s sleeps under an 8 s backstop took a batch from 8 s to 495 s and scored 100.
    name = "sleeps_just_under_the_backstop"
    budget = limited_for(name, toy).limits.total_wall_seconds
    result, _ = run_attack(name, toy, tmp_path, strongest)
    assert result.status_message == (
        f"your code used up the wall-clock time for the whole submission ({budget:g} s); "
        "tests that came after scored 0."
    )
    assert [test.message for test in result.tests[1:3]] == [
        f"the wall-clock time for the whole submission ({budget:g} s) was used up; {call} was not run."
        for call in ("double(x=2.5)", "apply(function=<a function the grader supplies>, n=3)")
    ]
