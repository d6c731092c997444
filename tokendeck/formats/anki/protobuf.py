"""The few bits of the protobuf wire format that Anki's newer packages use.

Anki stores its media map and some table columns (note-type, template and
deck configuration) as protobuf messages. We only need to pull a handful of
scalar and string fields out of them, so a forty-line decoder is cheaper
than a dependency with generated classes.
"""

from __future__ import annotations

from collections.abc import Iterator

#: A decoded field value: an int for varint/fixed types, bytes for length-delimited.
Value = int | bytes


class ProtobufError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint longer than 10 bytes")


def iter_fields(buf: bytes) -> Iterator[tuple[int, Value]]:
    """Yield ``(field_number, value)`` for every field of a message, in order."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
            yield number, value
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise ProtobufError("length-delimited field runs past the end")
            yield number, buf[pos : pos + size]
            pos += size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > len(buf):
                raise ProtobufError("fixed-width field runs past the end")
            yield number, int.from_bytes(buf[pos : pos + width], "little")
            pos += width
        else:
            raise ProtobufError(f"unsupported wire type {wire}")


def fields(buf: bytes) -> dict[int, list[Value]]:
    """Every field of a message grouped by number (repeated fields keep their order)."""
    grouped: dict[int, list[Value]] = {}
    for number, value in iter_fields(buf):
        grouped.setdefault(number, []).append(value)
    return grouped


def first_int(grouped: dict[int, list[Value]], number: int, default: int = 0) -> int:
    """The first integer value of field ``number``, or ``default``."""
    for value in grouped.get(number, ()):
        if isinstance(value, int):
            return value
    return default


def first_bytes(grouped: dict[int, list[Value]], number: int) -> bytes:
    """The first length-delimited value of field ``number``, or ``b""``."""
    for value in grouped.get(number, ()):
        if isinstance(value, bytes):
            return value
    return b""


def first_str(grouped: dict[int, list[Value]], number: int) -> str:
    """The first string value of field ``number``, or ``""``."""
    return first_bytes(grouped, number).decode("utf-8", errors="replace")


def float32(value: int) -> float:
    """Reinterpret a fixed32 field as an IEEE float."""
    import struct

    return float(struct.unpack("<f", value.to_bytes(4, "little"))[0])
