"""The checks hidden tests use, and how values are shown to students."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.authoring import Mismatch, expect, expect_close, last_call
from grader.formatting import format_value
from grader.grading.proxy import FunctionRef, Scripted, describe_call
from grader.results import Failure
from grader.text import text


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


def test_expect_names_the_call_it_is_given_over_the_last_one_made():
    token = last_call.set(lambda: "f(x=2.0)")
    try:
        with pytest.raises(Mismatch) as raised:
            expect(False, expected="x > 0", actual=-1.0, what="x", call="f(x=1.0)")
    finally:
        last_call.reset(token)
    assert (raised.value.call, raised.value.message) == ("f(x=1.0)", "x is -1.0; expected x > 0")


def reference_apply(function, n, scale=1.0):
    return [function(i) * scale for i in range(n)]


class _Reference:
    apply = staticmethod(reference_apply)


def test_a_stand_in_shows_under_the_name_its_test_gives():
    stand_in = Scripted([1.0], name="the grader's rule")
    call = describe_call("apply", [stand_in, 3], {}, _Reference)
    assert call.render() == "apply(function=<the grader's rule>, n=3)"
    # Only the name is a message: a report translates it and shows the rest as written.
    translated = {"the grader's rule": "quy tắc của trình chấm", "apply(": "NO", "n=3": "NO"}
    assert call.render(lambda m: translated.get(m, m)) == "apply(function=<quy tắc của trình chấm>, n=3)"


def test_a_stand_in_without_a_name_is_named_without_any_subject():
    call = describe_call("apply", [Scripted([1.0]), 2], {"scale": "{n}"}, None)
    assert call.render() == "apply(<a function the grader supplies>, 2, scale='{n}')"


def test_a_call_without_stand_ins_is_text_shown_as_written():
    call = describe_call("apply", [FunctionRef("double"), 2], {}, _Reference)
    assert call.render(str.upper) == "apply(function=double, n=2)"


def test_a_failure_keeps_its_call_translatable_and_its_english_for_results():
    call = describe_call("apply", [Scripted([1.0], name="the grader's rule"), 3], {}, _Reference)
    failure = Failure.of("error", text("{call} raised {exception}.", call=call, exception="ValueError"), call=call)
    assert failure.call == "apply(function=<the grader's rule>, n=3)"
    assert failure.message == "apply(function=<the grader's rule>, n=3) raised ValueError."
    assert (
        failure.call_text is not None
        and failure.call_text.render(str.upper) == "apply(function=<THE GRADER'S RULE>, n=3)"
    )


def test_a_stand_in_needs_a_name_that_says_something():
    with pytest.raises(ValueError, match="non-empty string"):
        Scripted([1.0], name=" ")


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
