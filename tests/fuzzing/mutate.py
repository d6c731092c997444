"""Mutations of a valid file into a broken or hostile one, reproducible from a seed.

Blind byte flips inside a zip mostly produce CRC errors and never reach the
parsers behind them, so mutations know the layers of each format:

* bytes: bit flips, truncation, inserted, deleted or repeated spans;
* text: oversized fields, stray quotes and separators, clozes with absurd
  numbers, BOMs, NUL bytes, lines shuffled;
* zip: members dropped, swapped, renamed, duplicated, padded into bombs,
  flagged encrypted or given an unknown compression method, and any member
  mutated by content and zipped again;
* member content: SQLite files tampered with SQL (odd values in any column,
  NULLs, huge numbers, invalid UTF-8, dropped tables, views, triggers), JSON
  documents with a value anywhere replaced by something odd (NaN, 2^64,
  ``"\\ud800"``, deep nesting, dates out of range), zstd streams unpacked,
  mutated and packed again.

Every mutation is a pure function of its input and a :class:`random.Random`.
"""

from __future__ import annotations

import io
import json
import os
import random
import sqlite3
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Callable
from typing import Any

_SQLITE = b"SQLite format 3\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"

NESTED: list[object] = []
for _level in range(40):
    NESTED = [NESTED]
#: Tokens that have broken a reader before, or are likely to.
TOKENS = (
    "{{c99999999999999999999::x}}", "{{c0::x}}", "{{c1::", "[x]" * 600, '"', '""', "\t", ";",
    "|", ",", "\r", "\x00", "\ufeff", "\u2028", "#separator:", "#columns:a", "#notetype:Cloze",
    "#deck column:99", "#tags column:0", "## ", "Q: ", "A: ", "C: ", "deck: ", "kind: nope",
    "\\", "::", "<img src=x onerror=alert(1)>", "$$\\frac{", "\U0001f600", "\ud7ff", "9" * 5000,
)  # fmt: skip
WEIRD_JSON: tuple[Any, ...] = (
    None, True, 0, -1, 2**63, -(2**63) - 1, 2**64, 1.5, float("inf"), float("nan"), "",
    "x" * 200_000, "\ud800", "\udfff", "\x00", [], {}, NESTED,
    "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00", "2026-13-45", "not a date",
    "../../etc/passwd", "Mars/Phobos", {"a": {"b": {"c": [1, 2, {"d": None}]}}},
)  # fmt: skip
WEIRD_SQL: tuple[Any, ...] = (
    None, 0, -1, 1, 2**63 - 1, -(2**63), 2**31, 1e308, -1e308, 0.5, "", "x" * 200_000,
    "\x00", "{", "[]", "{}", "{\"s\": 1e999, \"d\": -5}", "9" * 30, b"\xff\xfe", b"\xed\xa0\x80",
    b"", "[1,2", "{{c99999999999999999999::x}}", "a" * 300 + ".png",
)  # fmt: skip

Mutator = Callable[[bytes, random.Random], bytes]


# -- bytes -------------------------------------------------------------------------------------


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def splice(data: bytes, rng: random.Random) -> bytes:
    """Insert, delete or repeat a span (or write an interesting value over one)."""
    if not data:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    start = rng.randrange(len(data))
    end = min(len(data), start + rng.randint(1, 64))
    choice = rng.randrange(4)
    if choice == 0:
        return data[:start] + bytes(rng.randrange(256) for _ in range(8)) + data[start:]
    if choice == 1:
        return data[:start] + data[end:]
    if choice == 2:
        return data[:end] + data[start:end] * rng.randint(2, 50) + data[end:]
    value = rng.choice((b"\x00" * 4, b"\xff" * 8, struct.pack("<q", 2**63 - 1), b"\x7f"))
    return data[:start] + value + data[start + len(value) :]


BYTE_MUTATORS: tuple[Mutator, ...] = (flip_bits, truncate, splice)


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    return rng.choice(BYTE_MUTATORS)(data, rng)


# -- text --------------------------------------------------------------------------------------


def mutate_text(data: bytes, rng: random.Random) -> bytes:
    text = data.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    choice = rng.randrange(6)
    where = rng.randrange(len(lines))
    if choice == 0:  # an oversized field
        lines[where] += rng.choice((",", "\t", " ", "")) + "y" * rng.choice((131_073, 200_000))
    elif choice == 1:
        line = lines[where]
        cut = rng.randrange(len(line) + 1)
        lines[where] = line[:cut] + rng.choice(TOKENS) + line[cut:]
    elif choice == 2:
        lines.insert(where, rng.choice(TOKENS))
    elif choice == 3:
        rng.shuffle(lines)
    elif choice == 4:
        lines = lines * rng.randint(2, 200)
    else:
        prefix = rng.choice(("\ufeff", "\xff\xfe", "\x00", "#separator:\n", ""))
        lines[0] = prefix + lines[0]
    return "\n".join(lines).encode("utf-8", "surrogateescape")


# -- JSON --------------------------------------------------------------------------------------


def _paths(value: Any, limit: int = 5000) -> list[list[Any]]:
    found: list[list[Any]] = []
    stack: list[tuple[Any, list[Any]]] = [(value, [])]
    while stack and len(found) < limit:
        item, path = stack.pop()
        found.append(path)
        if isinstance(item, dict):
            stack.extend((v, [*path, k]) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, [*path, i]) for i, v in enumerate(item))
    return found


def mutate_json(data: bytes, rng: random.Random) -> bytes:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return mutate_text(data, rng)
    path = rng.choice(_paths(document))
    if not path:
        return json.dumps(rng.choice(WEIRD_JSON)).encode()
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    choice = rng.randrange(4)
    if choice == 0 and isinstance(parent, dict):
        del parent[last]
    elif choice == 1 and isinstance(parent, list):
        parent.append(parent[last])  # a duplicate record: two with one id
    elif choice == 2:
        parent[last] = "[" * 100_000 + "]" * 100_000  # replaced textually below
    else:
        parent[last] = rng.choice(WEIRD_JSON)
    deep = "[" * 100_000 + "]" * 100_000
    return json.dumps(document).replace(f'"{deep}"', deep).encode()


# -- SQLite ------------------------------------------------------------------------------------


def mutate_sqlite(data: bytes, rng: random.Random) -> bytes:
    """A copy of a database with a random SQL change (or bytes flipped if it will not open)."""
    with tempfile.TemporaryDirectory(prefix="tokendeck-fuzz-") as folder:
        path = os.path.join(folder, "db.sqlite")
        with open(path, "wb") as out:
            out.write(data)
        try:
            _tamper(path, rng)
        except sqlite3.Error:
            return mutate_bytes(data, rng)
        with open(path, "rb") as changed:
            return changed.read()


def _tamper(path: str, rng: random.Random) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                " AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%_fts_%'"
            )
        ]
        table = rng.choice(tables)
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        choice = rng.randrange(10)
        if choice < 6:
            _loosen(conn, table)
            value = rng.choice(WEIRD_SQL)
            column = rng.choice(columns)
            first = f'rowid IN (SELECT rowid FROM "{table}" LIMIT 1)'
            rows = "" if rng.random() < 0.3 else f" WHERE {first}"
            conn.execute(f'UPDATE "{table}" SET "{column}" = ?{rows}', (value,))
        elif choice == 6:
            first = f'rowid IN (SELECT rowid FROM "{table}" LIMIT 2)'
            conn.execute(f'DELETE FROM "{table}" WHERE {first}')
        elif choice == 7:
            conn.execute(f'DROP TABLE "{table}"')
        elif choice == 8:
            conn.execute(
                f'CREATE TRIGGER fuzz_t AFTER INSERT ON "{table}" BEGIN DELETE FROM "{table}"; END'
            )
        else:
            conn.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_old"')
            conn.execute(
                f'CREATE VIEW "{table}" AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL'
                f' SELECT x + 1 FROM r) SELECT * FROM "{table}_old", r'
            )
    finally:
        conn.close()


def _loosen(conn: sqlite3.Connection, table: str) -> None:
    """Drop a table's constraints (NOT NULL, types) so any value can be stored in it."""
    conn.execute(f'CREATE TABLE "fuzz_copy" AS SELECT * FROM "{table}"')
    conn.execute(f'DROP TABLE "{table}"')
    conn.execute(f'ALTER TABLE "fuzz_copy" RENAME TO "{table}"')


# -- zip ---------------------------------------------------------------------------------------


def mutate_member(name: str, data: bytes, rng: random.Random) -> bytes:
    """Mutate one member's content according to what it holds."""
    if data.startswith(_ZSTD):
        import zstandard

        try:
            inner = zstandard.ZstdDecompressor().decompressobj().decompress(data)
        except zstandard.ZstdError:
            return mutate_bytes(data, rng)
        return zstandard.ZstdCompressor(level=1).compress(mutate_member(name, inner, rng))
    if data.startswith(_SQLITE) and rng.random() < 0.8:
        return mutate_sqlite(data, rng)
    if data[:1] in (b"{", b"[") and rng.random() < 0.8:
        return mutate_json(data, rng)
    return mutate_bytes(data, rng)


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(i.filename, archive.read(i)) for i in archive.infolist()]


def _zip(members: list[tuple[str, bytes]], rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    method = rng.choice((zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED))
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in members:
            with archive.open(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), "w") as out:
                out.write(content)
    return buffer.getvalue()


def _set_header_field(data: bytes, offset_local: int, offset_central: int, value: int) -> bytes:
    out = bytearray(data)
    for magic, offset in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        start = 0
        while (found := out.find(magic, start)) >= 0:
            out[found + offset : found + offset + 2] = struct.pack("<H", value)
            start = found + 4
    return bytes(out)


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    try:
        members = _members(data)
    except Exception:  # already not a zip: keep mutating its bytes
        return mutate_bytes(data, rng)
    if not members or rng.random() < 0.15:
        return mutate_bytes(data, rng)
    index = rng.randrange(len(members))
    name, content = members[index]
    choice = rng.randrange(10)
    if choice < 5:
        members[index] = (name, mutate_member(name, content, rng))
    elif choice == 5:
        del members[index]
    elif choice == 6:
        other = rng.randrange(len(members))
        members[index], members[other] = (name, members[other][1]), (members[other][0], content)
    elif choice == 7:
        members.append((name, mutate_member(name, content, rng)))  # the same name twice
    elif choice == 8:
        members += [(f"{rng.randrange(10**6)}", bytes(rng.choice((1 << 20, 8 << 20))))
                    for _ in range(rng.randint(1, 8))]  # fmt: skip
    else:
        members[index] = (rng.choice(("../evil", "/abs", "a" * 300, "m\x00", name + "/")), content)
    packed = _zip(members, rng)
    roll = rng.random()
    if roll < 0.05:
        return _set_header_field(packed, 6, 8, 0x1)  # "encrypted"
    if roll < 0.1:
        return _set_header_field(packed, 8, 10, rng.choice((1, 9, 12, 14, 93, 99)))
    return packed


def mutate(data: bytes, rng: random.Random, *, archive: bool) -> bytes:
    """One mutation (sometimes two stacked) of a file of a zip or text format."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names it is given
        result = _once(data, rng, archive)
        return _once(result, rng, archive) if rng.random() < 0.2 else result


def _once(data: bytes, rng: random.Random, archive: bool) -> bytes:
    try:
        return mutate_zip(data, rng) if archive else _text_or_bytes(data, rng)
    except (RecursionError, ValueError, OSError, zipfile.BadZipFile):
        return mutate_bytes(data, rng)  # the mutator is not under test: fall back to bytes


def _text_or_bytes(data: bytes, rng: random.Random) -> bytes:
    return mutate_text(data, rng) if rng.random() < 0.65 else mutate_bytes(data, rng)
