"""Returns bytes for plain data and plain data for bytes: the only language spoken across the trust boundary.

Both the worker (untrusted) and the grader (trusted) import this module, so it imports only the standard
library and NumPy. Messages are JSON objects framed by a 4-byte big-endian length. Values are JSON numbers,
strings, booleans, null and lists, plus a few tagged objects:

- ``{"__array__": {"dtype": "<f8", "shape": [n, 3], "data": base64}}``: a NumPy array of a numeric dtype;
- ``{"__float__": "inf" | "-inf" | "nan"}``: a non-finite float, since JSON has none;
- ``{"__function__": name}``: the submission's own function ``name`` (grader to worker only);
- ``{"__scripted__": {"id": k, "values": [...]}}``: a grader-supplied function (grader to worker only).

Decoding never builds anything but these: no pickle, no object of a class the sender chooses.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from typing import Any, BinaryIO

import numpy as np

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
"""A reply larger than this is refused: no call the grader makes needs more."""

MAX_VALUE_BYTES = 16 * 1024 * 1024
"""An array larger than this is refused in the worker: far more than any call of an exercise returns."""

MAX_DEPTH = 32
"""Nesting deeper than this is refused, so a reply cannot exhaust the decoder's stack."""

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


def encode(value: Any, depth: int = 0) -> Any:
    """Returns a JSON-ready form of a plain value, or raises UnsupportedValue naming what was not plain."""
    if depth > MAX_DEPTH:
        raise UnsupportedValue("a value nested too deeply")
    # Exact type checks: a subclass of float or list could carry custom comparison or conversion.
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -(2**63) <= value < 2**63 else float(value)
    if kind is float:
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return encode_array(np.asarray(value))
    if kind is np.ndarray:
        return encode_array(value)
    if isinstance(value, np.ndarray):
        raise UnsupportedValue(f"an array of the subclass {kind.__name__}; return a plain numpy.ndarray")
    if kind is list or kind is tuple:
        return [encode(item, depth + 1) for item in value]
    raise UnsupportedValue(f"an object of type {kind.__name__}")


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
    data = np.ascontiguousarray(array, dtype=dtype).tobytes()
    return {"__array__": {"dtype": dtype.str, "shape": list(array.shape), "data": base64.b64encode(data).decode()}}


def decode(value: Any, depth: int = 0) -> Any:
    """Returns the Python value of a decoded JSON value; raises ProtocolError on anything unexpected."""
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(item, depth + 1) for item in value]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, body),) = value.items()
        if tag == "__array__":
            return decode_array(body)
        if tag == "__float__" and body in ("inf", "-inf", "nan"):
            return float(body)
    raise ProtocolError(f"unexpected value of type {type(value).__name__}")


def decode_array(body: Any) -> np.ndarray:
    """Returns a writable array from its tagged form, checking dtype, shape and size agree."""
    if not isinstance(body, dict) or set(body) != {"dtype", "shape", "data"}:
        raise ProtocolError("malformed array")
    dtype, shape, data = body["dtype"], body["shape"], body["data"]
    if dtype not in ALLOWED_DTYPES:
        raise ProtocolError(f"array dtype {dtype!r} not allowed")
    if not isinstance(shape, list) or len(shape) > 8 or not all(type(n) is int and n >= 0 for n in shape):
        raise ProtocolError("malformed array shape")
    if not isinstance(data, str):
        raise ProtocolError("malformed array data")
    raw = base64.b64decode(data, validate=True)
    count = math.prod(shape)
    if count * np.dtype(dtype).itemsize != len(raw):
        raise ProtocolError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def dumps(message: dict[str, Any]) -> bytes:
    """Returns one framed message."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    return struct.pack(">I", len(body)) + body


def loads(body: bytes) -> dict[str, Any]:
    """Returns the message in a frame's body; raises ProtocolError if it is not a JSON object."""
    try:
        message = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"reply is not valid JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("reply is not a JSON object")
    return message


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
