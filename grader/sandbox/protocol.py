"""Returns bytes for plain data and plain data for bytes: the only language spoken across the trust boundary.

Both the worker (untrusted) and the grader (trusted) import this module, so it imports only the standard
library and NumPy. Messages are JSON objects framed by a 4-byte big-endian length. Values are JSON numbers,
strings, booleans, null and lists, plus a few tagged objects:

- ``{"__array__": {"dtype": "<f8", "shape": [n, 3], "data": base64}}``: a NumPy array of a numeric dtype;
- ``{"__scalar__": ["<f8", 0.25]}``: a NumPy scalar or 0-d array of a real dtype holding a finite number (the
  same 0-d array as the ``__array__`` form, without base64: a loop sends thousands of them);
- ``{"__float__": "inf" | "-inf" | "nan"}``: a non-finite float, since JSON has none;
- ``{"__function__": name}``: the submission's own function ``name`` (grader to worker only);
- ``{"__scripted__": {"id": k, "values": [...]}}``: a grader-supplied function (grader to worker only).

Decoding never builds anything but these: no pickle, no object of a class the sender chooses.

The grader's requests are {"op": "load"}, {"op": "functions"}, {"op": "call", "function", "args",
"kwargs"} and a batch {"op": "calls", "calls": [{"function", "args", "kwargs"}, ...]}. Each request but a
batch gets one reply; a batch gets one reply per call, in order, each sent as soon as its call ends and
shaped as that call's own reply, and none after the first reply that is not ok: the calls after a
failure do not run, as in a loop of separate calls that the first exception ends.

Everything that crosses from the worker is held to one size budget (the MAX_* constants below): the
worker's encoder refuses a value over it with a message naming the budget, and the trusted decoder checks
it again, since a submission can write to the channel itself. The decoder's cost is bounded whatever the
bytes: `loads` counts containers, items and nesting in a pre-scan that runs at C speed (regular
expression, bytes.count, one NumPy pass over the brackets only) before json.loads builds anything.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
from typing import Any, BinaryIO

import numpy as np

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""A reply larger than this is refused: no call the grader makes needs more."""

MAX_VALUE_BYTES = 16 * 1024 * 1024
"""An array larger than this is refused in the worker: far more than any call of an exercise returns."""

MAX_DIMENSIONS = 8
"""An array of more dimensions is refused: far more than any call of an exercise returns."""

MAX_DEPTH = 32
"""Nesting deeper than this is refused, so a reply cannot exhaust the decoder's stack."""

MAX_STRING_CHARS = 10_000
"""A string longer than this is refused in a value: no call of an exercise returns a text this long."""

MAX_NAME_CHARS = 200
"""Names (an exception's type, a class) are cut to this many characters."""

MAX_MESSAGE_CHARS = 2_000
"""An exception's message is cut to this many characters; a line of code to MAX_CODE_CHARS."""

MAX_CODE_CHARS = 500

PROGRESS_NAME = "progress"
"""A message holding only this key, sent by the worker before its reply, notes how far it got: the
loaded code may call the function the worker binds to PROGRESS_HOOK in its module while loading."""
PROGRESS_HOOK = "__grader_progress__"
MAX_PROGRESS_CHARS = 40
MAX_WARNINGS = 5
"""Distinct warnings one call reports (and the grader keeps for a whole submission, see client.py)."""

MAX_WARNING_CHARS = 300
"""A warning's text (its line, category and message) is cut to this many characters."""

MAX_ITEMS = 250_000
"""Numbers, strings and lists in one reply (an array counts as one): bounds the objects decoding builds."""

ENVELOPE_DEPTH = 8
"""Levels a reply's own structure adds around a value (the recorded calls of a scripted function)."""

CUT_MARKER = "… [{count} more characters cut]"
"""What replaces the end of a text cut to its budget: the cut is always visible."""

ALLOWED_DTYPES = frozenset(
    np.dtype(name).str
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    )
)
"""Array dtypes that may cross, in NumPy's byte-order-qualified form ("<f8")."""


class ProtocolError(Exception):
    """A message that is not well-formed plain data, or a channel that closed mid-message."""


class UnsupportedValue(Exception):
    """A value that is not plain data; the message says what it was, for the student."""


def _over_budget(value: Any, depth: int, count: list[int]) -> str | None:
    """Returns which budget one more value breaks (nesting, items, string length), counting it; None if none.

    The worker's encoder and the trusted decoder both ask, so a reply over budget fails on either side.
    """
    if depth > MAX_DEPTH:
        return f"a value nested more than {MAX_DEPTH} levels deep (the grader's limit)"
    count[0] += 1
    if count[0] > MAX_ITEMS:
        return f"a value of more than {MAX_ITEMS} items (the grader accepts at most {MAX_ITEMS})"
    if type(value) is str and len(value) > MAX_STRING_CHARS:
        return f"a string of {len(value)} characters (the grader accepts at most {MAX_STRING_CHARS} in one string)"
    return None


def encode(value: Any) -> Any:
    """Returns a JSON-ready form of a plain value, or raises UnsupportedValue naming what was not plain
    or which budget it is over."""
    return _encode(value, 0, [0])


def _encode(value: Any, depth: int, count: list[int]) -> Any:
    if (problem := _over_budget(value, depth, count)) is not None:
        raise UnsupportedValue(problem)
    # Exact type checks: a subclass of float or list could carry custom comparison or conversion.
    kind = type(value)
    if kind is str:
        return value
    if value is None or kind is bool:
        return value
    if kind is int:
        if -(2**63) <= value < 2**63:
            return value
        try:
            return float(value)
        except OverflowError:
            raise UnsupportedValue("an integer too large for float64") from None
    if kind is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return encode_array(np.asarray(value))
    if kind is np.ndarray:
        return encode_array(value)
    if isinstance(value, np.ndarray):
        raise UnsupportedValue(f"an array of the subclass {type_name(kind)}; return a plain numpy.ndarray")
    if kind is list or kind is tuple:
        return [_encode(item, depth + 1, count) for item in value]
    raise UnsupportedValue(f"an object of type {type_name(kind)}")


def type_name(kind: type) -> str:
    """Returns a class's name cut to MAX_NAME_CHARS: a submission chooses it, at any length."""
    try:
        name = kind.__name__
    except Exception:  # noqa: BLE001 - a metaclass may make __name__ raise
        return "?"
    return cut(name, MAX_NAME_CHARS) if type(name) is str else "?"


def cut(text: str, limit: int) -> str:
    """Returns `text` whole if it fits in `limit` characters, else its start and a visible marker."""
    if len(text) <= limit:
        return text
    return text[:limit] + CUT_MARKER.format(count=len(text) - limit)


def encode_array(array: np.ndarray) -> dict[str, Any]:
    """Returns the tagged form of a numeric array; refuses object, string and structured arrays."""
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    if dtype.str not in ALLOWED_DTYPES:
        raise UnsupportedValue(f"an array of dtype {array.dtype}; return numbers (for example float64)")
    if array.nbytes > MAX_VALUE_BYTES:
        raise UnsupportedValue(
            f"an array of {array.nbytes / 2**20:.0f} MB (shape {array.shape}), far larger than the call could "
            f"produce; the grader accepts at most {MAX_VALUE_BYTES // 2**20} MB"
        )
    if (problem := shape_problem(list(array.shape), dtype.itemsize)) is not None:
        raise UnsupportedValue(f"an array of shape {array.shape}: {problem}")
    if array.ndim == 0 and dtype.kind in _SCALAR_KINDS and (dtype.kind != "f" or np.isfinite(array)):
        return {"__scalar__": [dtype.str, array.item()]}
    data = np.ascontiguousarray(array, dtype=dtype).tobytes()
    return {"__array__": {"dtype": dtype.str, "shape": list(array.shape), "data": base64.b64encode(data).decode()}}


def decode(value: Any) -> Any:
    """Returns the Python value of a decoded JSON value; raises ProtocolError on anything unexpected or
    over the budget."""
    return _decode(value, 0, [0])


def _decode(value: Any, depth: int, count: list[int]) -> Any:
    if (problem := _over_budget(value, depth, count)) is not None:
        raise ProtocolError(problem)
    kind = type(value)
    if kind is str:
        return value
    if kind is int:
        # The encoder sends larger integers as floats: anything else did not come from it.
        if not -(2**63) <= value < 2**63:
            raise ProtocolError("an integer outside the 64-bit range")
        return value
    if value is None or kind is bool or kind is float:
        return value
    if kind is list:
        return [_decode(item, depth + 1, count) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, body),) = value.items()
        if tag == "__array__":
            return decode_array(body)
        if tag == "__scalar__":
            return decode_scalar(body)
        if tag == "__float__" and body in ("inf", "-inf", "nan"):
            return float(body)
    raise ProtocolError(f"unexpected value of type {type_name(kind)}")


def decode_array(body: Any) -> np.ndarray:
    """Returns a writable array from its tagged form, checking dtype, shape and size agree."""
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "data"}:
        raise ProtocolError("malformed array")
    dtype, shape, data = body["dtype"], body["shape"], body["data"]
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"array dtype {dtype!r} not allowed")
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise ProtocolError("malformed array shape")
    if (problem := shape_problem(shape, np.dtype(dtype).itemsize)) is not None:
        raise ProtocolError(f"array shape {cut(str(shape), MAX_NAME_CHARS)}: {problem}")
    if not isinstance(data, str):
        raise ProtocolError("malformed array data")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:  # binascii.Error and non-ASCII text alike
        raise ProtocolError("malformed array data") from None
    count = math.prod(shape)
    if count * np.dtype(dtype).itemsize != len(raw):
        raise ProtocolError("array data does not match its shape")
    try:
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    except (ValueError, OverflowError, MemoryError) as error:  # a shape NumPy refuses is the sender's fault
        raise ProtocolError(f"array shape NumPy refuses: {cut(str(error), MAX_NAME_CHARS)}") from None


_SCALAR_KINDS = "biuf"
"""Dtype kinds (bool, signed, unsigned, real float) whose finite values JSON carries exactly."""


def decode_scalar(body: Any) -> np.ndarray:
    """Returns the 0-d array of a ``__scalar__`` form, checking its dtype and that its value fits it."""
    if type(body) is not list or len(body) != 2 or body[0] not in ALLOWED_DTYPES:
        raise ProtocolError("malformed scalar")
    dtype, value = np.dtype(body[0]), body[1]
    if type(value) not in _SCALAR_TYPES.get(dtype.kind, ()):
        raise ProtocolError("malformed scalar")
    try:
        if dtype.kind == "f" and not (math.isfinite(value) and abs(value) <= float(np.finfo(dtype).max)):
            raise OverflowError  # as float16 or float32 it would be inf
        return np.array(value, dtype=dtype)
    except (OverflowError, ValueError):
        raise ProtocolError(f"scalar out of the range of {dtype}") from None


_SCALAR_TYPES = {"b": (bool,), "i": (int,), "u": (int,), "f": (float, int)}
"""The JSON values a ``__scalar__`` of each dtype kind may hold."""


def shape_problem(shape: list[int], itemsize: int) -> str | None:
    """Returns why an array of this shape may not cross (too many dimensions, or its non-empty dimensions
    hold more than MAX_VALUE_BYTES: an empty array's other dimensions still count, since NumPy refuses
    shapes such as [2**62, 0] whose product overflows), or None when it may."""
    if len(shape) > MAX_DIMENSIONS:
        return f"{len(shape)} dimensions (the grader accepts at most {MAX_DIMENSIONS})"
    if math.prod(n for n in shape if n) * itemsize > MAX_VALUE_BYTES:
        return f"dimensions too large (the grader accepts at most {MAX_VALUE_BYTES // 2**20} MB, empty ones aside)"
    return None


def dumps(message: dict[str, Any]) -> bytes:
    """Returns one framed message; raises UnsupportedValue when it is over MAX_MESSAGE_BYTES."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    if len(body) > MAX_MESSAGE_BYTES:
        raise UnsupportedValue(
            f"a reply of {len(body) / 2**20:.0f} MB (the grader accepts at most {MAX_MESSAGE_BYTES // 2**20} MB)"
        )
    return struct.pack(">I", len(body)) + body


def loads(body: bytes) -> dict[str, Any]:
    """Returns the message in a frame's body; raises ProtocolError if it is not a JSON object or is over
    the budget. Costs time and memory in proportion to the budget, whatever the bytes."""
    check_shape(body, MAX_ITEMS, MAX_DEPTH + ENVELOPE_DEPTH)
    try:
        message = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"reply is not valid JSON: {cut(str(error), MAX_MESSAGE_CHARS)}") from None
    if not isinstance(message, dict):
        raise ProtocolError("reply is not a JSON object")
    return message


# A string, or an unterminated one running to the end; possessive, and it cannot fail once started, so
# blanking strings is linear in the bytes whatever they are (a failing match would restart at every quote).
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\[\s\S]?[^"\\]*+)*+(?:"|\Z)')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def check_shape(body: bytes, max_items: int, max_depth: int) -> None:
    """Raises ProtocolError when JSON text would build more than `max_items` values or nest deeper than
    `max_depth`, before anything is built.

    Most messages are small replies that cannot break either budget, which two counts prove without
    scanning strings: every string and every counted item takes at least one byte of the body, so a body
    of at most `max_items` bytes holds at most that many; and nesting needs an opening bracket per level,
    so a body with at most `max_depth` of them (inside strings too) nests no deeper. Other messages get
    the full scan of check_shape_fully, which decides alone.
    """
    if len(body) <= max_items and body.count(b"[") + body.count(b"{") <= max_depth:
        return
    check_shape_fully(body, max_items, max_depth)


def check_shape_fully(body: bytes, max_items: int, max_depth: int) -> None:
    """Raises ProtocolError as check_shape does, from a scan of the whole body whatever its size.

    Strings are blanked first (a bracket or comma inside one is text), then containers and commas are
    counted with bytes.count and the depth found from the brackets alone, which the count already bounds.
    """
    gaps, start = [], 0
    for number, string in enumerate(_JSON_STRING.finditer(body)):
        if number >= max_items:
            raise ProtocolError(f"a reply of more than {max_items} items (the grader accepts at most {max_items})")
        gaps.append(body[start : string.start()])
        start = string.end()
    gaps.append(body[start:])
    skeleton = b'""'.join(gaps)
    containers = skeleton.count(b"[") + skeleton.count(b"{")
    items = containers + skeleton.count(b",") + skeleton.count(b":")
    if items > max_items + ENVELOPE_DEPTH * 4:
        raise ProtocolError(f"a reply of more than {max_items} items (the grader accepts at most {max_items})")
    brackets = np.frombuffer(skeleton.translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if brackets.size:
        opening = (brackets == ord("[")) | (brackets == ord("{"))
        depth = int(np.cumsum(np.where(opening, 1, -1), dtype=np.int64).max())
        if depth > max_depth:
            raise ProtocolError(f"a reply nested {depth} levels deep (the grader accepts at most {max_depth})")


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"bare {name} in reply")


def write_message(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Writes one framed message and flushes."""
    stream.write(dumps(message))
    stream.flush()


HEADER_BYTES = 4
"""Every frame starts with its body's length as a 4-byte big-endian number."""


def body_length(header: bytes) -> int:
    """Returns the length a frame's header announces; raises ProtocolError past MAX_MESSAGE_BYTES.

    The one place frames are parsed: the worker's blocking reads and the grader's polled reads both use it.
    """
    (length,) = struct.unpack(">I", header)
    if length > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {length} bytes exceeds {MAX_MESSAGE_BYTES}")
    return int(length)


def read_message(stream: BinaryIO) -> dict[str, Any]:
    """Returns the next framed message from a blocking stream; raises ProtocolError at end of stream."""
    return loads(_read_exactly(stream, body_length(_read_exactly(stream, HEADER_BYTES))))


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise ProtocolError("channel closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)
