"""The wire format: what may cross the trust boundary, and what is refused."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.sandbox import protocol


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool", "uint8", "complex128"])
def test_numeric_arrays_round_trip_with_their_dtype(dtype):
    array = (np.arange(12).reshape(4, 3) % 3).astype(dtype)
    decoded = protocol.decode(protocol.encode(array))
    assert decoded.dtype == array.dtype and decoded.shape == (4, 3)
    np.testing.assert_array_equal(decoded, array)
    assert decoded.flags.writeable


def test_non_finite_floats_cross_as_tagged_values():
    message = protocol.loads(protocol.dumps({"value": protocol.encode([math.inf, -math.inf, math.nan, 1.5])})[4:])
    inf, minus_inf, nan, plain = protocol.decode(message["value"])
    assert (inf, minus_inf, plain) == (math.inf, -math.inf, 1.5) and math.isnan(nan)


def test_numpy_scalars_become_zero_dimensional_arrays_keeping_dtype():
    decoded = protocol.decode(protocol.encode(np.float32(0.5)))
    assert decoded.shape == () and decoded.dtype == np.float32


@pytest.mark.parametrize(
    "scalar",
    [np.float64(0.1), np.float32(1e-3), np.float16(2.5), np.int64(-(2**63)), np.uint64(2**64 - 1), np.int8(-3),
     np.bool_(True), np.array(3.0), np.float64("inf"), np.float32("nan"), np.complex128(1j)],
)  # fmt: skip
def test_scalars_cross_exactly_through_json_whatever_the_form(scalar):
    message = protocol.loads(protocol.dumps({"value": protocol.encode(scalar)})[4:])
    decoded = protocol.decode(message["value"])
    assert decoded.shape == () and decoded.dtype == np.asarray(scalar).dtype
    np.testing.assert_array_equal(decoded, scalar)
    # Finite real numbers go without base64: a loop recorded by a stand-in sends thousands of them.
    assert ("__scalar__" in message["value"]) == (np.asarray(scalar).dtype.kind in "biuf" and np.isfinite(scalar))


@pytest.mark.parametrize(
    "body",
    [["<f4", 1e300], ["<f2", 70000.0], ["<u8", -1], ["<i8", 2**70], ["<i1", 300], ["<f8", True], ["|b1", 1],
     ["<c16", 1.0], ["|O", 1], ["<f8"], ["<f8", 1.0, 2.0], "x", ["<i8", 1.5], ["<f8", "1.0"], ["<f8", [1.0]]],
)  # fmt: skip
def test_a_forged_scalar_is_refused(body):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode({"__scalar__": body})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (np.array([1, "a"], dtype=object), "dtype object"),
        (np.array(["a"]), "dtype <U1"),
        (np.ma.masked_array([1.0]), "subclass MaskedArray"),
        (type("AlwaysEqual", (float,), {"__eq__": lambda self, other: True})(1.0), "type AlwaysEqual"),
        ({"a": 1}, "type dict"),
        (object(), "type object"),
    ],
)
def test_values_that_are_not_plain_data_are_refused(value, words):
    with pytest.raises(protocol.UnsupportedValue, match=words):
        protocol.encode(value)


@pytest.mark.parametrize(
    "value",
    [
        {"__array__": {"dtype": "|O", "shape": [1], "data": ""}},
        {"__array__": {"dtype": "<f8", "shape": [2], "data": "AAAAAAAAAAA="}},
        {"__array__": {"dtype": "<f8", "shape": [-1], "data": ""}},
        {"__pickle__": "gASV"},
        {"__float__": "1e309"},
        {"a": 1, "b": 2},
    ],
)
def test_decoder_refuses_anything_but_the_known_forms(value):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(value)


def test_bare_nan_and_deep_nesting_are_refused():
    with pytest.raises(protocol.ProtocolError):
        protocol.loads(b'{"value": NaN}')
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(protocol.loads(b'{"v": ' + b"[" * 100 + b"]" * 100 + b"}")["v"])


def accepted(check, body: bytes, max_items: int, max_depth: int) -> bool:
    try:
        check(body, max_items, max_depth)
    except protocol.ProtocolError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b",", b":", b'"', b"\\", b"1", b" ", b'"a[{,"']), max_size=60),
    st.integers(0, 30),
    st.integers(0, 6),
)
@pytest.mark.slow
def test_the_shape_checks_shortcut_refuses_exactly_what_the_full_scan_refuses(pieces, max_items, max_depth):
    body = b"".join(pieces)
    fully = accepted(protocol.check_shape_fully, body, max_items, max_depth)
    assert accepted(protocol.check_shape, body, max_items, max_depth) == fully


@pytest.mark.parametrize(
    "body",
    [b"[" * 41 + b"]" * 41, b'"' + b"[" * 50 + b'"', b"[" + b"1," * 300 + b"1]", b'["' + b'",' * 200 + b'"]'],
    ids=["deep", "brackets in a string", "many numbers", "many strings"],
)
def test_the_shape_checks_shortcut_agrees_at_the_budgets_edges(body):
    for max_items, max_depth in [(len(body) - 1, 40), (len(body), 40), (len(body), 41), (100, 40), (250, 50)]:
        fully = accepted(protocol.check_shape_fully, body, max_items, max_depth)
        assert accepted(protocol.check_shape, body, max_items, max_depth) == fully
