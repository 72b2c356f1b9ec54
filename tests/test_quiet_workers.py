"""Workers say nothing the student did not write: matplotlib loads without fontconfig's complaints, and
warnings raised while the hidden tests call the student's functions are kept apart from what they printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from attacks import with_call_limit
from conftest import SUBMISSIONS

from grader.assignment import Assignment
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.results import Status
from grader.sandbox.client import Worker
from grader.sandbox.isolation import choose_isolation
from grader.sandbox.launchers import ForkServerLauncher
from grader.sandbox.limits import FONTS_CONF

PYPLOT = SUBMISSIONS / "imports_pyplot_at_top_level.py"
LOAD_SECONDS = 10
"""Importing matplotlib.pyplot builds its font cache in each fresh worker: far more than the toy's 1 s
on a busy machine, and nothing to do with what these tests check."""


@pytest.fixture(scope="module")
def strongest():
    launcher = ForkServerLauncher(choose_isolation("strongest"))
    yield launcher
    launcher.close()


def test_a_submission_importing_pyplot_loads_silently_at_the_strongest_level(toy: Assignment, strongest) -> None:
    result = grade(with_call_limit(toy, LOAD_SECONDS), Source("pyplot", PYPLOT), launcher=strongest)
    assert result.status is Status.GRADED and result.score == result.max_score
    assert result.output == ""


def test_the_worker_reads_the_graders_fontconfig_and_writes_matplotlibs_cache_in_its_own_folder(
    toy: Assignment, strongest
) -> None:
    with Worker(PYPLOT, "toy.py", with_call_limit(toy, LOAD_SECONDS).limits, strongest) as worker:
        assert worker.load().ok
        fonts = worker.call("setting", ["FONTCONFIG_FILE"], [])
        cache = worker.call("setting", ["MPLCONFIGDIR"], [])
        home = worker.call("setting", ["HOME"], [])
    assert fonts.value == [str(FONTS_CONF), True, False]  # visible inside the sandbox, at its own path
    assert cache.value[2] and cache.value[0] == f"{home.value[0]}/.matplotlib"
    assert worker.output == ""


def test_the_shipped_fontconfig_is_part_of_the_package() -> None:
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"grader.sandbox" = ["fonts.conf"]' in pyproject
    assert FONTS_CONF.read_text().startswith("<?xml")
