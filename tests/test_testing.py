"""The checks hidden tests use, and how values are shown to students."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.authoring import Mismatch, expect, expect_close, last_call
from grader.formatting import format_value


def test_expect_close_accepts_values_within_tolerance_and_matching_non_finite():
    assert expect_close([1.0, math.inf, math.nan], np.array([1.0 + 1e-12, math.inf, math.nan])) is None
    # The same values just outside the tolerance, or with a non-finite value that does not match, fail.
    for actual in ([1.0 + 1e-6, math.inf, math.nan], [1.0, -math.inf, math.nan], [1.0, math.inf, 0.0]):
        with pytest.raises(Mismatch):
            expect_close(actual, np.array([1.0 + 1e-12, math.inf, math.nan]))


@pytest.mark.parametrize(
    ("actual", "expected", "message"),
    [
        (np.ones((3, 2)), np.ones((2, 3)), "the returned value has shape (3, 2), expected shape (2, 3)"),
        ([1.0, 2.5], [1.0, 2.0], "the returned value differs from the reference at index 1: expected 2.0, got 2.5"),
        ([1.0, math.inf], [1.0, 3.0], "differs from the reference at index 1: expected 3.0, got inf"),
        ("text", 1.0, "the returned value is not a number or an array of numbers"),
    ],
)
def test_expect_close_names_the_first_difference(actual, expected, message):
    with pytest.raises(Mismatch) as raised:
        expect_close(actual, expected)
    assert message in raised.value.message


def test_mismatch_names_the_last_call_into_the_submission():
    token = last_call.set(lambda: "f(x=1.0)")
    try:
        with pytest.raises(Mismatch) as raised:
            expect(False, expected="x > 0", actual=-1.0, what="x")
    finally:
        last_call.reset(token)
    assert (raised.value.call, raised.value.message, raised.value.actual) == (
        "f(x=1.0)",
        "x is -1.0; expected x > 0",
        "-1.0",
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.5, "0.5"),
        (1.0, "1.0"),
        (7.9e69, "7.9e+69"),
        (math.nan, "nan"),
        (-math.inf, "-inf"),
        (3, "3"),
        (np.arange(3.0), "[0.0, 1.0, 2.0]"),
        (np.arange(10.0), "[0.0, 1.0, 2.0, …, 7.0, 8.0, 9.0]  (shape (10,))"),
        (np.arange(3), "[0, 1, 2]  (shape (3,), dtype int64)"),
        (None, "None"),
    ],
)
def test_values_are_shown_short_and_exact_enough(value, shown):
    assert format_value(value) == shown
