"""The guards every reader shares (tokendeck.untrusted): zips, SQLite, JSON, names, budgets."""

from __future__ import annotations

import io
import re
import sqlite3
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from tokendeck.errors import ImportFormatError, TooLargeError
from tokendeck.untrusted import jsondoc
from tokendeck.untrusted.budget import Budget, ReadLimits
from tokendeck.untrusted.databases import database_error, open_untrusted
from tokendeck.untrusted.guard import reading
from tokendeck.untrusted.names import media_name_problem
from tokendeck.untrusted.zips import SafeZip

HINT = "try another file"


class StepClock:
    """A clock that moves ``step`` seconds each time it is read (no real time passes)."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def safe(data: bytes, **limits: object) -> SafeZip:
    budget = Budget(ReadLimits().with_changes(**limits), source="x.zip")
    return SafeZip(io.BytesIO(data), budget=budget, hint=HINT)


def set_header(data: bytes, local: int, central: int, value: int) -> bytes:
    out = bytearray(data)
    for magic, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        at = out.find(magic)
        while at >= 0:
            out[at + offset : at + offset + 2] = struct.pack("<H", value)
            at = out.find(magic, at + 4)
    return bytes(out)


# -- zips ----------------------------------------------------------------------------------------


def test_a_plain_archive_reads_back() -> None:
    with safe(zip_of({"a.txt": b"hello", "media/b": b"\x00" * 10})) as archive:
        assert archive.names() == ["a.txt", "media/b"]
        assert archive.read("a.txt") == b"hello"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ((6, 8, 0x1), r"member 'a\.txt' is encrypted"),
        ((8, 10, 99), r"compression method 99"),
        ((8, 10, zipfile.ZIP_LZMA), r"compression method 14"),
    ],
)
def test_encrypted_and_unknown_members_are_refused_up_front(
    patch: tuple[int, int, int], message: str
) -> None:
    data = set_header(zip_of({"a.txt": b"hello"}), *patch)
    with pytest.raises(ImportFormatError, match=message):
        safe(data)


def test_a_damaged_deflate_stream_is_an_import_error_not_zlib_error() -> None:
    data = bytearray(zip_of({"a.txt": b"hello world " * 100}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename)
    data[start] = 0xFF  # BFINAL=1, BTYPE=11: a block type that does not exist
    with pytest.raises(zlib.error):  # what reading it naively does
        zipfile.ZipFile(io.BytesIO(bytes(data))).read("a.txt")
    with pytest.raises(ImportFormatError, match=r"x\.zip: member 'a\.txt' is corrupt"):
        safe(bytes(data)).read("a.txt")


@pytest.mark.parametrize("name", ["../up.txt", "/etc/passwd", "a/../../b"])
def test_member_names_that_climb_out_are_refused(name: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(ImportFormatError, match="not a plain relative path"):
        safe(buffer.getvalue())


def test_two_members_of_one_name_are_refused() -> None:
    buffer = io.BytesIO()
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.json", b"{}")
        archive.writestr("doc.json", b'{"other": 1}')
    with pytest.raises(ImportFormatError, match=r"two members are called 'doc\.json'"):
        safe(buffer.getvalue())


def test_too_many_members_are_refused_before_reading() -> None:
    data = zip_of({str(i): b"" for i in range(50)}, zipfile.ZIP_STORED)
    with pytest.raises(TooLargeError, match="50 members"):
        safe(data, max_members=49)


def test_declared_sizes_over_the_limit_are_refused_before_reading() -> None:
    data = zip_of({"a": bytes(2000), "b": bytes(2000)})
    with pytest.raises(TooLargeError, match="member 'a'"):
        safe(data, max_member_bytes=1000)
    with pytest.raises(TooLargeError, match="its members"):
        safe(data, max_total_bytes=3000)


def _produced_before_refusal(archive: SafeZip, name: str, zstd: bool = False) -> int:
    produced = 0
    with pytest.raises(TooLargeError, match="zip bomb") as info:
        for chunk in archive.iter_chunks(name, zstd=zstd):
            produced += len(chunk)
    assert "expand" in str(info.value)
    return produced


def test_a_deflate_bomb_is_refused_after_little_output() -> None:
    data = zip_of({"bomb": bytes(64 << 20)})  # 64 MiB of zeros: about 64 KB compressed
    archive = safe(data)
    produced = _produced_before_refusal(archive, "bomb")
    # Refused at 100x the member's compressed size (or the 4 MiB floor): not 64 MiB.
    limits = ReadLimits()
    allowed = max(limits.ratio_floor, archive.info("bomb").compress_size * limits.max_ratio)
    assert produced <= allowed < 8 << 20


def test_a_zstd_bomb_inside_a_stored_member_is_refused_after_little_output() -> None:
    import zstandard

    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(256 << 20))
    archive = safe(zip_of({"db.zst": bomb}, zipfile.ZIP_STORED))
    assert _produced_before_refusal(archive, "db.zst", zstd=True) <= 6 << 20


def test_many_small_members_cannot_add_up_to_a_bomb() -> None:
    # Each member alone stays under the ratio floor; together they expand 1,000x.
    members = {str(i): bytes(1 << 20) for i in range(24)}
    archive = safe(zip_of(members))
    with pytest.raises(TooLargeError, match="makes the archive expand"):
        for name in archive.names():
            archive.read(name)


def test_real_members_that_compress_a_little_are_not_bombs() -> None:
    import random

    # Like a backup's JSON: a real vocabulary, numbers, times (real ones compress 3-10x).
    rng = random.Random(1)
    words = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(3000)
    ]
    text = " ".join(f"{rng.choice(words)} {rng.randrange(10**9)}" for _ in range(300_000))
    archive = safe(zip_of({"doc.json": text.encode()}))
    assert len(archive.read("doc.json")) == len(text)


def test_a_read_that_runs_out_of_time_is_refused() -> None:
    budget = Budget(ReadLimits(seconds=5, clock=StepClock(2.0)), source="slow.zip")
    archive = SafeZip(io.BytesIO(zip_of({"a": bytes(8 << 20)})), budget=budget, hint=HINT)
    with pytest.raises(TooLargeError, match=r"slow\.zip: reading it took longer than 5 s"):
        archive.read("a")


# -- SQLite ----------------------------------------------------------------------------------------


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "x.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (n INTEGER, s TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(i, str(i)) for i in range(2000)])
    return path


def untrusted(path: Path, clock: StepClock | None = None, **kwargs: Any) -> sqlite3.Connection:
    limits = ReadLimits(seconds=5, clock=clock) if clock else ReadLimits()
    budget = Budget(limits, source="x.apkg")
    return open_untrusted(path, budget=budget, what="the file", hint=HINT, **kwargs)


def test_plain_tables_are_read(database: Path) -> None:
    conn = untrusted(database)
    assert conn.execute("SELECT count(*), max(n) FROM t").fetchone() == (2000, 1999)


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("CREATE VIEW v AS SELECT * FROM t", "SQL view ('v')"),
        ("CREATE TRIGGER g AFTER INSERT ON t BEGIN DELETE FROM t; END", "SQL trigger ('g')"),
        ("CREATE TABLE c (a INTEGER, b AS (a * 2))", "computes column c.b"),
        ("CREATE VIRTUAL TABLE f USING fts5(x)", "SQL virtual table ('f')"),
    ],
)
def test_programs_in_the_schema_are_refused(database: Path, sql: str, found: str) -> None:
    with sqlite3.connect(database) as conn:
        conn.execute(sql)
    with pytest.raises(ImportFormatError, match=re.escape(found)):
        untrusted(database)


def test_a_caller_may_vouch_for_an_exact_definition(database: Path) -> None:
    trigger = "CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END"
    with sqlite3.connect(database) as conn:
        conn.execute(trigger)
    conn = untrusted(database, allow=lambda kind, name, sql: sql == trigger)
    assert conn.execute("SELECT count(*) FROM t").fetchone() == (2000,)


@pytest.mark.parametrize(
    "sql",
    [
        "WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r",
        "SELECT randomblob(1000000000)",
        "ATTACH DATABASE ':memory:' AS other",
        "PRAGMA writable_schema = ON",
        "DELETE FROM t",
    ],
)
def test_only_reading_is_authorised(database: Path, sql: str) -> None:
    conn = untrusted(database)
    with pytest.raises(sqlite3.DatabaseError) as info:
        conn.execute(sql).fetchall()
    error = database_error(info.value, budget=Budget(source="x.apkg"), what="the file", hint=HINT)
    assert isinstance(error, ImportFormatError)


def test_a_long_query_is_interrupted_by_the_time_budget(database: Path) -> None:
    clock = StepClock(1.0)
    conn = untrusted(database, clock=clock)
    with pytest.raises(sqlite3.OperationalError, match="interrupted") as info:
        conn.execute("SELECT count(*) FROM t a, t b").fetchall()  # 4 million rows to step
    budget = Budget(ReadLimits(seconds=5, clock=clock), source="x.apkg")
    clock.now += 10
    error = database_error(info.value, budget=budget, what="the file", hint=HINT)
    assert isinstance(error, TooLargeError) and "took longer than 5 s" in str(error)


# -- JSON, names, the guard ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"a": NaN}', "NaN is not a number"),
        (b'{"a": -Infinity}', "-Infinity is not a number"),
        (b'{"a": ["\\ud800"]}', "lone UTF-16 surrogate"),
        (b'{"\\udfff": 1}', "lone UTF-16 surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": "\xed\xa0\x80"}', "not UTF-8"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_json_that_is_not_data_is_refused(raw: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message) as info:
        jsondoc.load_json(raw, source="b.zip", what="doc.json", hint=HINT)
    assert str(info.value).startswith("b.zip")


def test_a_surrogate_pair_escape_is_text() -> None:
    value = jsondoc.load_json(b'{"a": "\\ud83d\\ude00"}', source="b", what="d", hint=HINT)
    assert value == {"a": "\U0001f600"}


def test_where_the_surrogate_is() -> None:
    assert jsondoc.lone_surrogate({"notes": [{"front": "ok"}, {"front": "\ud800"}]}) == (
        "notes[1].front"
    )
    assert jsondoc.depth({"a": [1, {"b": []}]}) == 4


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("cat.png", None),
        ("gâteau ñ 猫.jpg", None),
        ("a" * 251 + ".png", None),
        ("a" * 300 + ".png", "is 304 bytes long"),
        ("猫" * 90, "is 270 bytes long"),
        ("../x", "not a plain file name"),
        ("a/b", "not a plain file name"),
        ("c:x", "not a plain file name"),
        (".hidden", "hidden"),
        ("tab\there", "control characters"),
        ("\ud800.png", "not valid text"),
    ],
)
def test_media_names(name: str, problem: str | None) -> None:
    found = media_name_problem(name)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_the_guard_names_the_file_for_anything_unforeseen() -> None:
    unforeseen = r"deck\.apkg: it cannot be read \(KeyError"
    with pytest.raises(ImportFormatError, match=unforeseen) as info, reading("deck.apkg"):
        raise KeyError("\ud800 lone")
    assert "\\ud800" in str(info.value)  # printable, whatever the exception held
    with pytest.raises(TooLargeError, match="does not fit in memory"), reading("big.zip"):
        raise MemoryError
