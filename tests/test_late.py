"""What late work costs: nothing unless assignment.toml's [late] says so; per day begun, capped."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from grader.assignment import LatePolicy, load_assignment
from grader.errors import GraderError

TOY = Path(__file__).parent / "fixtures" / "toy"
DUE = datetime.fromisoformat("2025-03-01T23:59:00+07:00")


@pytest.mark.parametrize(
    ("marker", "submitted", "late", "percent"),
    [
        (False, None, False, 0.0),
        (True, None, True, 10.0),  # Canvas's LATE marker, no time: one day
        (False, "2025-03-01T23:00:00+07:00", False, 0.0),
        (False, "2025-03-02T00:30:00+07:00", True, 10.0),
        (False, "2025-03-03T12:00:00+07:00", True, 20.0),
        (False, "2025-03-20T12:00:00+07:00", True, 30.0),  # the cap
    ],
)
def test_lateness_and_its_penalty(marker, submitted, late, percent):
    policy = LatePolicy(percent_per_day=10, max_percent=30, due=DUE)
    when = datetime.fromisoformat(submitted) if submitted else None
    assert policy.is_late(marker, when) is late
    assert policy.penalty_percent(policy.is_late(marker, when), when) == percent


def test_no_late_section_costs_nothing():
    assert LatePolicy().penalty_percent(True, None) == 0.0
    assert load_assignment(TOY).late == LatePolicy()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("percent_per_day = 150", "late.percent_per_day must be a number from 0 to 100, not 150"),
        ("percent_per_dy = 10", "unknown key late.percent_per_dy; did you mean late.percent_per_day?"),
        (
            "due = 2025-03-01T23:59:00",
            "late.due must be a date-time with its offset, e.g. 2025-03-01T23:59:00+07:00, not 2025-03-01T23:59:00",
        ),
        ("due = 2025-03-01", "late.due must be a date-time with its offset"),
        ('max_percent = "ten"', "late.max_percent must be a number from 0 to 100, not the string 'ten'"),
        ("max_percent = true", "late.max_percent must be a number from 0 to 100, not true"),
    ],
)
def test_a_bad_late_section_is_named(tmp_path, section, message):
    folder = tmp_path / "toy"
    shutil.copytree(TOY, folder)
    with (folder / "assignment.toml").open("a", encoding="utf-8") as config:
        config.write(f"\n[late]\n{section}\n")
    with pytest.raises(GraderError, match=re.escape(message)):
        load_assignment(folder)
