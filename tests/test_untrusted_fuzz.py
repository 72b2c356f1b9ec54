"""Property-based fuzzing of what crosses from a worker: generated replies go through the decoder, the
formatter, the plot data and the reports, and nothing raises but the protocol's own refusal."""

from __future__ import annotations

import base64
import dataclasses
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.assignment import load_reference
from grader.formatting import MAX_VALUE_CHARS, format_value
from grader.grading.plotdata import build_plot
from grader.grading.proxy import FunctionRef
from grader.reports.bounds import MAX_REPORT_BYTES
from grader.reports.student import bounded_documents
from grader.results import Failure, Outcome, TestResult
from grader.sandbox import protocol
from grader.text import text

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

hostile_text = st.lists(
    st.sampled_from(list("ab`#*_[]()<>|:/.\\-=+@!$~\n\r\t\x1b\x00\u202e\u2028 é𝒳") + ["::error::", "www.", "```"]),
    max_size=40,
).map("".join)
numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
)


def arrays() -> st.SearchStrategy[dict]:
    dtypes = st.sampled_from(["<f8", "<i8", "|b1", "<c16", "|O", "<U1", "<f4"])
    shapes = st.lists(st.integers(min_value=-1, max_value=4), max_size=3)
    data = st.one_of(st.binary(max_size=64).map(lambda raw: base64.b64encode(raw).decode()), st.text())
    return st.fixed_dictionaries({"__array__": st.fixed_dictionaries({"dtype": dtypes, "shape": shapes, "data": data})})


leaves = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    hostile_text,
    st.builds(lambda n: "x" * n, st.sampled_from([protocol.MAX_STRING_CHARS, protocol.MAX_STRING_CHARS + 1])),
    st.fixed_dictionaries({"__float__": st.sampled_from(["inf", "-inf", "nan", "1e309", "x"])}),
    arrays(),
)
replies = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(hostile_text, inner, max_size=3),
    ),
    max_leaves=40,
)


def decoded_or_refused(body: bytes):
    """Returns the decoded value, or None when the protocol refuses it (the only error allowed)."""
    try:
        message = protocol.loads(body)
        return protocol.decode(message.get("value")), True
    except protocol.ProtocolError:
        return None, False


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes_are_refused_or_decoded(body):
    decoded_or_refused(body)


@FUZZ
@given(replies, st.integers(min_value=0, max_value=40))
def test_generated_replies_decode_and_format_within_bounds(value, nesting):
    wrapped = value
    for _ in range(nesting):
        wrapped = [wrapped]
    body = json.dumps({"ok": True, "value": wrapped}, allow_nan=True).encode()
    decoded, ok = decoded_or_refused(body)
    if ok:
        shown = format_value(decoded)
        assert isinstance(shown, str) and len(shown) <= MAX_VALUE_CHARS + 40


class Returns:
    """A submission stand-in whose every call returns one decoded reply."""

    def __init__(self, value):
        self.value = value

    def function(self, name):
        return FunctionRef(name)

    def call(self, name, *args, **kwargs):
        return self.value

    def call_until_failure(self, calls):
        return [self.value for _ in calls], None


@pytest.fixture(scope="module")
def toy_reference(toy):
    return load_reference(toy.reference_file)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    replies,
    st.lists(st.lists(numbers, min_size=1, max_size=3), min_size=1, max_size=5),
    hostile_text,
)
@pytest.mark.slow
def test_plots_and_reports_take_whatever_was_decoded(toy, toy_reference, grade_toy, value, table, words):
    decoded, ok = decoded_or_refused(json.dumps({"value": value}, allow_nan=True).encode())
    for returned in ([decoded] if ok else []) + [table, np.asarray(table, dtype=object)]:
        plot = build_plot(toy.plots[0], toy_reference, Returns(returned))  # type: ignore[arg-type]
        assert all(math.isfinite(v) or not math.isfinite(v) for p in plot.panels for s in p.series for v in s.values)
    honest = grade_toy("wrong_double")
    shown = format_value(decoded) if ok else words
    failure = Failure.of("error", text("{call} raised {exception}.", call=words, exception=words), actual=shown)
    tests = tuple(
        dataclasses.replace(t, outcome=Outcome.FAILED, message=failure.message, failure=failure) for t in honest.tests
    ) + (TestResult(words, 0.0, 1.0, Outcome.FAILED, words, words, failure),)
    result = dataclasses.replace(honest, student=words, output=words * 50, tests=tests, plots=(plot,), failure=failure)
    documents = bounded_documents(result, toy.title)
    assert sum(len(d.encode("utf-8", "surrogatepass")) for d in documents.values()) <= MAX_REPORT_BYTES


dimensions = st.one_of(
    st.integers(min_value=0, max_value=4),
    st.sampled_from([2**31, 2**32, 2**62, 2**63 - 1, 2**63, 2**64, 10**30, protocol.MAX_VALUE_BYTES + 1]),
    st.integers(min_value=0, max_value=2**70),
)


@FUZZ
@given(
    st.lists(dimensions, max_size=protocol.MAX_DIMENSIONS + 4),
    st.sampled_from(sorted(protocol.ALLOWED_DTYPES)),
    st.integers(min_value=0, max_value=4),
)
def test_an_array_shape_numpy_refuses_is_the_protocols_refusal(shape, dtype, items):
    # Issue 24: a reply tagged [2**62, 0] made NumPy raise where only ProtocolError is caught (internal_error).
    # Shapes whose product overflows, of many dimensions, empty ones beside huge ones: decoded or refused.
    raw = bytes(items * np.dtype(dtype).itemsize)
    reply = {
        "ok": True,
        "value": {"__array__": {"dtype": dtype, "shape": shape, "data": base64.b64encode(raw).decode()}},
    }
    decoded, ok = decoded_or_refused(json.dumps(reply).encode())
    if ok:
        assert list(decoded.shape) == shape and decoded.nbytes == len(raw)
        format_value(decoded)


@pytest.mark.parametrize(
    "shape", [[2**62, 0], [0, 2**62], [2**63, 0], [2**40, 2**40, 0], [0] * 9, [1] * 65, [2**31] * 2 + [0]]
)
def test_the_reported_shapes_are_refused_naming_the_shape(shape):
    reply = {"ok": True, "value": {"__array__": {"dtype": "<f8", "shape": shape, "data": ""}}}
    with pytest.raises(protocol.ProtocolError, match="shape"):
        protocol.decode(protocol.loads(json.dumps(reply).encode())["value"])


@pytest.mark.parametrize("shape", [(2**40, 0), (0,) * 9])
def test_the_encoder_refuses_what_the_decoder_would(shape):
    with pytest.raises(protocol.UnsupportedValue, match="shape"):
        protocol.encode(np.zeros(shape))
