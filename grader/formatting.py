"""Returns short, readable text for values shown to people: calls, expected and actual values, points."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

MAX_ITEMS = 6
"""Arrays longer than this show their first and last items around an ellipsis."""


def format_number(value: Any) -> str:
    """Returns a float as a short repr that still tells 0.5 from 0.5000001."""
    if isinstance(value, (bool, np.bool_)):
        return repr(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
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
    """Returns a one-to-few-line text for a value: numbers, arrays (shortened), lists, strings."""
    if isinstance(value, np.ndarray):
        return _format_array(value)
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, (str, bytes)):
        try:
            return format_number(value)
        except (TypeError, ValueError):
            return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        items = [format_value(v) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append("…")
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return opening + ", ".join(items) + closing
    return repr(value) if value is None else f"<{type(value).__name__}>"


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
