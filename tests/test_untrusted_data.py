"""Untrusted data stays data: whatever a submission returns, prints, raises or is named is bounded,
shown as text, and never becomes an error of the grader (issue #11, one test per finding at least)."""

from __future__ import annotations

import resource

import pytest

from grader.sandbox import protocol


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- 1. one size budget, enforced in the worker's encoder and again in the trusted decoder ---------------


def test_the_encoder_refuses_a_string_over_the_budget_naming_it():
    with pytest.raises(protocol.UnsupportedValue, match=f"at most {protocol.MAX_STRING_CHARS}"):
        protocol.encode(["ok", "x" * (12 * 2**20)])


def test_a_class_name_of_megabytes_is_cut_in_the_refusal():
    huge = type("C" * 4 * 2**20, (), {})
    with pytest.raises(protocol.UnsupportedValue) as refused:
        protocol.encode(huge())
    assert len(str(refused.value)) < 2 * protocol.MAX_NAME_CHARS
    assert "more characters cut" in str(refused.value)


def test_the_encoder_refuses_too_many_items_and_too_large_a_reply():
    with pytest.raises(protocol.UnsupportedValue, match=f"at most {protocol.MAX_ITEMS}"):
        protocol.encode([[0.5]] * protocol.MAX_ITEMS)
    with pytest.raises(protocol.UnsupportedValue, match="at most 64 MB"):
        protocol.dumps({"value": ["y" * 9_000] * 8_000})


def test_the_decoder_checks_the_budget_again():
    with pytest.raises(protocol.ProtocolError, match=f"at most {protocol.MAX_STRING_CHARS}"):
        protocol.decode("x" * (protocol.MAX_STRING_CHARS + 1))
    with pytest.raises(protocol.ProtocolError, match="64-bit"):
        protocol.decode(protocol.loads(b'{"v": [1, ' + b"9" * 4000 + b"]}")["v"])
    with pytest.raises(protocol.ProtocolError, match=f"at most {protocol.MAX_ITEMS}"):
        protocol.decode([0] * (protocol.MAX_ITEMS + 1))


@pytest.mark.parametrize(
    "body",
    [
        b'{"ok":true,"value":[' + b"[]," * (20 * 2**20) + b"[]]}",  # the red team's bomb: nested empty lists
        b"[" * (60 * 2**20),  # nesting only
        b'["' + b'","' * (20 * 2**20) + b'"]',  # short strings
        b'{"v":"' + b'\\"' * (30 * 2**20),  # an unterminated string of escaped quotes
    ],
    ids=["empty-lists", "deep", "strings", "unterminated"],
)
def test_decoding_a_bomb_costs_bounded_time(body):
    started = cpu_seconds()
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(protocol.loads(body).get("value"))
    assert cpu_seconds() - started < 3.0  # 19 s and 3 GB for the first one before the budget


def test_replies_within_the_budget_still_cross():
    value = [[float(i), 2.0 * i, 0.1] for i in range(10_000)] + ["[{,:}]" * 100]
    assert protocol.decode(protocol.loads(protocol.dumps({"value": protocol.encode(value)})[4:])["value"]) == value
