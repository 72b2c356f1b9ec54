"""Workers say nothing the student did not write: matplotlib loads without fontconfig's complaints, and
warnings raised while the hidden tests call the student's functions are kept apart from what they printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attacks import with_call_limit
from conftest import SUBMISSIONS

from grader.assignment import Assignment
from grader.grading.grade import grade
from grader.grading.outcomes import Source
from grader.reports.student import write_reports
from grader.results import Status
from grader.sandbox import protocol
from grader.sandbox.client import Worker, _reply_from_message
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
    # The zygote imported matplotlib before forking, so a worker need not create the folder: it lies in
    # the worker's own writable home, where matplotlib would write if it had to.
    assert cache.value[0] == f"{home.value[0]}/.matplotlib" and home.value[2]
    assert worker.output == ""


def test_the_shipped_fontconfig_is_part_of_the_package() -> None:
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert '"grader.sandbox" = ["fonts.conf"]' in pyproject
    assert FONTS_CONF.read_text().startswith("<?xml")


OVERFLOWS = SUBMISSIONS / "overflows_in_calls.py"
OVERFLOW = "line 6: RuntimeWarning: overflow encountered in scalar multiply"


def test_warnings_raised_in_calls_are_not_what_the_code_printed(toy: Assignment, strongest, tmp_path: Path) -> None:
    result = grade(toy, Source("overflows", OVERFLOWS), launcher=strongest)
    assert result.status is Status.GRADED and result.score == result.max_score
    assert result.output == ""  # nothing printed at load, and the calls' warnings are not printing
    assert result.warnings == (OVERFLOW,)  # once, however many calls raised it
    write_reports(result, toy.title, tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    assert "What your code printed" not in markdown
    assert "## Warnings while the tests ran your functions" in markdown and OVERFLOW in markdown
    assert OVERFLOW in (tmp_path / "report.html").read_text()
    assert json.loads((tmp_path / "results.json").read_text())["warnings"] == [OVERFLOW]


def test_warnings_are_few_and_short_whatever_the_submission_raises(toy: Assignment, strongest) -> None:
    result = grade(toy, Source("warns", SUBMISSIONS / "warns_a_lot_in_calls.py"), launcher=strongest)
    assert result.score == result.max_score and result.output == ""
    assert len(result.warnings) == protocol.MAX_WARNINGS
    assert all(len(text) <= protocol.MAX_WARNING_CHARS + 40 for text in result.warnings)  # 40: the cut marker
    assert result.warnings[0].startswith("line 8: UserWarning: warning 0 very long")


def test_the_grader_holds_a_replys_warnings_to_the_budget_again() -> None:
    forged = {"ok": True, "value": 1, "warnings": ["x" * 50_000, 3, *(f"w{n}" for n in range(100))]}
    reply = _reply_from_message(forged, 0.0)
    assert len(reply.warnings) == protocol.MAX_WARNINGS
    assert reply.warnings[0].startswith("x" * protocol.MAX_WARNING_CHARS + "…")
    assert _reply_from_message({"ok": True, "value": 1, "warnings": "not a list"}, 0.0).warnings == ()


def test_a_print_in_a_call_is_still_what_the_code_printed(toy: Assignment, strongest, tmp_path: Path) -> None:
    source = tmp_path / "toy.py"
    printing = OVERFLOWS.read_text().replace("    return np.asarray", "    print('step')\n    return np.asarray")
    source.write_text(printing)
    result = grade(toy, Source("prints", source), launcher=strongest)
    assert "step" in result.output and result.warnings == (OVERFLOW,)
