"""Returns short, readable text for values shown to people: calls, expected and actual values, points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MAX_ITEMS = 6
"""Arrays longer than this show their first and last items around an ellipsis."""

MAX_VALUE_CHARS = 2_000
"""A formatted value longer than this is cut, with a visible marker: one value never fills a report."""

MAX_STRING_CHARS = 200
"""A string inside a value shows this many characters, then a marker saying how many more there were."""

MAX_NESTING = 4
"""Lists nested deeper than this show as [...]: the work of formatting stays small whatever the value."""

CUT_MARKER = "… [{count} more characters cut]"
"""What replaces the end of a text cut to fit: the cut is always visible."""


def shorten(text: str, limit: int) -> str:
    """Returns `text` whole if it has at most `limit` characters, else its start and a visible marker."""
    if len(text) <= limit:
        return text
    return text[:limit] + CUT_MARKER.format(count=len(text) - limit)


def format_number(value: Any) -> str:
    """Returns a float as a short repr that still tells 0.5 from 0.5000001."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        integer = int(value)
        if abs(integer) >= 10**100:  # str() of an int past 4300 digits raises; no one reads 100 digits
            digits = int(integer.bit_length() * 0.30103) + 1
            return f"{'-' if integer < 0 else ''}an integer of about {digits} digits"
        return str(integer)
    number = float(value)
    if np.isnan(number):
        return "nan"
    if np.isinf(number):
        return "inf" if number > 0 else "-inf"
    return (
        np.format_float_positional(number, precision=10, trim="0", fractional=False)
        if (1e-4 <= abs(number) < 1e10 or number == 0)
        else np.format_float_scientific(number, precision=6, trim="-")
    )


def format_points(value: float, decimals: int = 4) -> str:
    """Returns a score without float noise: 87.5, 100, 0, 0.3 (not 0.30000000000000004)."""
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(part: float, whole: float) -> float:
    """Returns part as a percentage of whole, 0 when whole is 0 (nothing to earn, nothing earned)."""
    return 100.0 * part / whole if whole else 0.0


def format_value(value: Any) -> str:
    """Returns a one-to-few-line text for a value: numbers, arrays (shortened), lists, strings.

    The one formatter for every value a person reads: at most MAX_VALUE_CHARS characters, strings and
    sequences shortened with visible markers, whatever the value holds (a submission chooses it).
    """
    return shorten(_format(value, 0), MAX_VALUE_CHARS)


def _format(value: Any, depth: int) -> str:
    if isinstance(value, np.ndarray):
        return _format_array(value)
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (str, bytes)):
        try:
            return format_number(value)
        except (TypeError, ValueError, OverflowError):
            return f"<{_type_name(value)}>"
    if isinstance(value, str):
        return repr(value[:MAX_STRING_CHARS]) + (
            f"… [{len(value)} characters, {len(value) - MAX_STRING_CHARS} more cut]"
            if len(value) > MAX_STRING_CHARS
            else ""
        )
    if depth >= MAX_NESTING and isinstance(value, (Mapping, Sequence)):
        return "{…}" if isinstance(value, Mapping) else "[…]"
    if isinstance(value, Mapping):
        pairs = list(value.items())
        shown = [f"{shorten(str(k), MAX_STRING_CHARS)}: {_format(v, depth + 1)}" for k, v in pairs[:MAX_ITEMS]]
        return "{" + ", ".join(shown + (["…"] if len(pairs) > MAX_ITEMS else [])) + "}"
    if isinstance(value, Sequence):
        items = [_format(v, depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append("…")
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return opening + ", ".join(items) + closing
    return repr(value) if value is None else f"<{_type_name(value)}>"


def _type_name(value: Any) -> str:
    return shorten(str(type(value).__name__), 100)


def _format_array(array: np.ndarray) -> str:
    if array.ndim == 0:
        return format_number(array[()]) if array.dtype.kind in "biuf" else repr(array[()])
    if array.dtype.kind not in "biuf":
        return f"array of {array.dtype}, shape {array.shape}"
    if array.ndim == 1:
        return "[" + ", ".join(_shortened(array)) + "]" + _shape_note(array)
    if array.ndim == 2:
        rows = array if len(array) <= MAX_ITEMS else None
        if rows is None:
            head = [_row(r) for r in array[: MAX_ITEMS // 2]]
            tail = [_row(r) for r in array[-(MAX_ITEMS // 2) :]]
            body = head + ["…"] + tail
        else:
            body = [_row(r) for r in rows]
        return "[" + ",\n ".join(body) + "]" + _shape_note(array)
    return f"array of shape {array.shape}, dtype {array.dtype}"


def _row(row: np.ndarray) -> str:
    return "[" + ", ".join(_shortened(row)) + "]"


def _shortened(array: np.ndarray) -> list[str]:
    if len(array) <= MAX_ITEMS:
        return [format_number(v) for v in array]
    half = MAX_ITEMS // 2
    return [format_number(v) for v in array[:half]] + ["…"] + [format_number(v) for v in array[-half:]]


def _shape_note(array: np.ndarray) -> str:
    dtype = "" if array.dtype == np.float64 else f", dtype {array.dtype}"
    return f"  (shape {array.shape}{dtype})" if (array.size > MAX_ITEMS or dtype) else ""
