"""A batch as bytes: columnar, typed, then compressed with zstd.

One request may carry tens of thousands of reviews, so rows are not encoded
one by one (JSON would spend seconds per million rows on each side). Each
table is written column by column: integers and floats as packed 64-bit
arrays, text either as a dictionary (few distinct values, such as a review's
kind) or joined by NUL, 16-byte review ids back to back, with the positions of
the Nones where a column has any (or of the values, where most are None). The frame is::

    b"TDSYNC1\\n" + zstd( u32 header length, header JSON, u16 table count,
                         per table: u8 name length, name, u32 rows, columns... )

Decoding checks every length against the data it has, so a truncated or
tampered body is refused (:class:`~tokendeck.errors.ValidationError`), never
half-read.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from collections.abc import Sequence
from typing import Any

from tokendeck.errors import TooLargeError, ValidationError
from tokendeck.sync.model import BYTES, FLOAT, INT, SCHEMAS, TEXT, Batch, Table

MAGIC = b"TDSYNC1\n"
#: zstd level: 3 is zstd's default, a good size/speed balance for these columns.
LEVEL = 3
#: The most a decoded body may hold (a defence against compression bombs): four times
#: the largest body a server accepts.
MAX_DECODED = 256 << 20

_NATIVE_LITTLE = sys.byteorder == "little"
# Text column encodings.
_DICT, _JOINED, _SIZED = 0, 1, 2
# Where a column's Nones are.
_NO_NULLS, _LISTED, _ALL_BUT = 0, 1, 2
_FIXED_UID = 16


def encode(batch: Batch, *, level: int = LEVEL) -> bytes:
    """The batch as one compressed frame."""
    import zstandard

    parts: list[bytes] = []
    header = json.dumps(batch.header, separators=(",", ":")).encode()
    parts.append(struct.pack("<I", len(header)))
    parts.append(header)
    tables = [t for t in batch.tables.values() if len(t)]
    parts.append(struct.pack("<H", len(tables)))
    for table in tables:
        name = table.kind.encode()
        parts.append(struct.pack("<B", len(name)) + name + struct.pack("<I", len(table)))
        for (_, kind), values in zip(SCHEMAS[table.kind], table.columns(), strict=True):
            parts.append(_encode_column(kind, values))
    body = b"".join(parts)
    return MAGIC + zstandard.ZstdCompressor(level=level).compress(body)


def decode(data: bytes) -> Batch:
    """A batch from :func:`encode`'s bytes; ValidationError for anything else."""
    import zstandard

    if not data.startswith(MAGIC):
        raise ValidationError(
            "the sync body is not a TokenDeck sync batch",
            hint="send what `tokendeck sync` sends (a newer or older client?)",
        )
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(data[len(MAGIC) :])
        body = reader.read(MAX_DECODED + 1)
    except zstandard.ZstdError as exc:
        raise ValidationError(f"the sync batch is damaged: {exc}", hint="sync again") from exc
    if len(body) > MAX_DECODED:
        raise TooLargeError("the sync batch is too large", hint="send smaller batches")
    return _Reader(body).batch()


# -- columns -------------------------------------------------------------------------------------
def _encode_column(kind: str, values: Sequence[Any]) -> bytes:
    nulls = [i for i, v in enumerate(values) if v is None] if None in values else []
    head = _null_list(nulls, len(values))
    if kind == INT:
        ints = values if not nulls else [0 if v is None else v for v in values]
        return head + _packed("q", ints)
    if kind == FLOAT:
        floats = values if not nulls else [0.0 if v is None else v for v in values]
        return head + _packed("d", floats)
    if kind == TEXT:
        texts = values if not nulls else ["" if v is None else v for v in values]
        return head + _encode_text(texts)
    if kind == BYTES:
        raw = values if not nulls else [b"" if v is None else v for v in values]
        return head + _encode_bytes([bytes(v) for v in raw], set(nulls))
    raise ValueError(f"unknown column type {kind!r}")


def _null_list(nulls: list[int], n: int) -> bytes:
    """Where a column's Nones are: none, these positions, or all but these positions."""
    if not nulls:
        return struct.pack("<B", _NO_NULLS)
    if len(nulls) * 2 <= n:
        return struct.pack("<BI", _LISTED, len(nulls)) + _packed("I", nulls)
    nulled = set(nulls)
    present = [i for i in range(n) if i not in nulled]
    return struct.pack("<BI", _ALL_BUT, len(present)) + _packed("I", present)


def _packed(code: str, values: Sequence[Any]) -> bytes:
    packed = array(code, values)
    if not _NATIVE_LITTLE:
        packed.byteswap()
    return packed.tobytes()


def _encode_text(values: Sequence[str]) -> bytes:
    has_nul = "\x00" in "".join(values)
    distinct = dict.fromkeys(values)
    if not has_nul and len(distinct) <= 255 and len(values) > 2 * len(distinct):
        words = list(distinct)
        where = {w: i for i, w in enumerate(words)}
        table = "\x00".join(words).encode()
        codes = bytes(where[v] for v in values)
        return struct.pack("<BHI", _DICT, len(words), len(table)) + table + codes
    if not has_nul:
        blob = "\x00".join(values).encode()
        return struct.pack("<BQ", _JOINED, len(blob)) + blob
    encoded = [v.encode() for v in values]
    return (
        struct.pack("<B", _SIZED)
        + _packed("Q", [len(e) for e in encoded])
        + struct.pack("<Q", sum(len(e) for e in encoded))
        + b"".join(encoded)
    )


def _encode_bytes(values: list[bytes], nulls: set[int]) -> bytes:
    if all(len(v) == _FIXED_UID or i in nulls for i, v in enumerate(values)):
        padded = [v if len(v) == _FIXED_UID else bytes(_FIXED_UID) for v in values]
        return struct.pack("<B", _JOINED) + b"".join(padded)
    return struct.pack("<B", _SIZED) + _packed("Q", [len(v) for v in values]) + b"".join(values)


class _Reader:
    """Reads a decompressed body, refusing anything that runs past its end."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.at = 0

    def take(self, size: int) -> bytes:
        end = self.at + size
        if size < 0 or end > len(self.body):
            raise ValidationError("the sync batch is truncated", hint="sync again")
        chunk = self.body[self.at : end]
        self.at = end
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))

    def batch(self) -> Batch:
        (size,) = self.unpack("<I")
        try:
            header = json.loads(self.take(size))
        except ValueError as exc:
            raise ValidationError("the sync batch's header is not JSON") from exc
        if not isinstance(header, dict):
            raise ValidationError("the sync batch's header is not an object")
        batch = Batch(header=header)
        (count,) = self.unpack("<H")
        for _ in range(count):
            table = self.table()
            batch.tables[table.kind] = table
        if self.at != len(self.body):
            raise ValidationError("the sync batch has trailing data", hint="sync again")
        return batch

    def table(self) -> Table:
        (size,) = self.unpack("<B")
        kind = self.take(size).decode(errors="replace")
        if kind not in SCHEMAS:
            raise ValidationError(f"unknown record kind {kind!r} in the sync batch")
        (rows,) = self.unpack("<I")
        table = Table(kind)
        table.add_columns([self.column(kind_, rows) for _, kind_ in SCHEMAS[kind]])
        return table

    def column(self, kind: str, n: int) -> list[Any]:
        (mode,) = self.unpack("<B")
        listed: list[int] = []
        if mode in (_LISTED, _ALL_BUT):
            (count,) = self.unpack("<I")
            listed = self.packed("I", count)
            if any(i >= n for i in listed[-1:]):
                raise ValidationError("the sync batch's null positions are damaged")
        elif mode != _NO_NULLS:
            raise ValidationError("the sync batch's column is damaged")
        if kind == INT:
            values: list[Any] = self.packed("q", n)
        elif kind == FLOAT:
            values = self.packed("d", n)
        elif kind == TEXT:
            values = self.text(n)
        else:
            values = self.raw(n)
        if mode == _LISTED:
            for i in listed:
                values[i] = None
        elif mode == _ALL_BUT:
            kept = [(i, values[i]) for i in listed]
            values = [None] * n
            for i, value in kept:
                values[i] = value
        return values

    def packed(self, code: str, n: int) -> list[Any]:
        data = array(code)
        data.frombytes(self.take(n * data.itemsize))
        if not _NATIVE_LITTLE:
            data.byteswap()
        return data.tolist()

    def text(self, n: int) -> list[Any]:
        (how,) = self.unpack("<B")
        if how == _DICT:
            words, size = self.unpack("<HI")
            table = self.take(size).decode().split("\x00")
            if len(table) != words:
                raise ValidationError("the sync batch's text table is damaged")
            codes = self.take(n)
            if any(c >= words for c in set(codes)):
                raise ValidationError("the sync batch's text codes are damaged")
            return [table[c] for c in codes]
        if how == _JOINED:
            (size,) = self.unpack("<Q")
            values = self.take(size).decode().split("\x00") if n else []
            if len(values) != n:
                raise ValidationError("the sync batch's text column is damaged")
            return values
        lengths = self.packed("Q", n)
        (size,) = self.unpack("<Q")
        blob = self.take(size)
        return _split(blob, lengths, text=True)

    def raw(self, n: int) -> list[Any]:
        (how,) = self.unpack("<B")
        if how == _JOINED:
            blob = self.take(n * _FIXED_UID)
            return [blob[i : i + _FIXED_UID] for i in range(0, n * _FIXED_UID, _FIXED_UID)]
        lengths = self.packed("Q", n)
        return _split(self.take(sum(lengths)), lengths, text=False)


def _split(blob: bytes, lengths: Sequence[int], *, text: bool) -> list[Any]:
    if sum(lengths) != len(blob):
        raise ValidationError("the sync batch's column lengths are damaged")
    out: list[Any] = []
    at = 0
    for size in lengths:
        chunk = blob[at : at + size]
        out.append(chunk.decode() if text else chunk)
        at += size
    return out
