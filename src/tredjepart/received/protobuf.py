"""Protocol Buffers read without a schema, for the few SDK endpoints that send them (Google Analytics for
Firebase's ``app-measurement.com/a``). Only where a decoder asks for it: a schema-less reading guesses whether a
length-delimited field is a nested message or a string, which is right for those endpoints' documented shapes
and not worth guessing on every binary body.

The result is a nested dict: field number (as text) -> value, or a list of values when the field repeats. A
length-delimited field is read as UTF-8 text when it is printable, else as a message when it parses as one
completely, else it is left out (binary). Bounded by depth and field count; never raises.
"""

from __future__ import annotations

MAX_DEPTH = 12
MAX_FIELDS = 20_000


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_FIELDS


def decode_protobuf(data: bytes) -> dict | None:
    """The message in ``data`` as a nested dict, or None when it is no protobuf message."""
    try:
        return _message(data, 0, _Budget())
    except (ValueError, IndexError, RecursionError):
        return None


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("bad varint")
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def _message(data: bytes, depth: int, budget: _Budget) -> dict:
    if depth > MAX_DEPTH:
        raise ValueError("too deep")
    out: dict[str, object] = {}
    i = 0
    while i < len(data):
        budget.left -= 1
        if budget.left < 0:
            raise ValueError("too many fields")
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field 0")
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = int.from_bytes(data[i:i + 8], "little"), i + 8
        elif wire == 5:
            value, i = int.from_bytes(data[i:i + 4], "little"), i + 4
        elif wire == 2:
            length, i = _varint(data, i)
            if i + length > len(data):
                raise ValueError("truncated")
            value, i = _bytes_field(data[i:i + length], depth, budget), i + length
        else:
            raise ValueError("unsupported wire type")
        if i > len(data):
            raise ValueError("truncated")
        if value is None:
            continue
        k = str(number)
        if k in out:
            prev = out[k]
            out[k] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            out[k] = value
    return out


def _bytes_field(chunk: bytes, depth: int, budget: _Budget):
    try:
        text = chunk.decode("utf-8")
        if text.isprintable():
            return text  # printable text is taken for a string: nested messages hold control bytes
    except UnicodeDecodeError:
        pass
    saved = budget.left
    try:
        return _message(chunk, depth + 1, budget)
    except (ValueError, IndexError):
        budget.left = saved
        return None
