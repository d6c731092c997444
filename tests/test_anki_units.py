"""Small pure parts of the Anki format: protobuf decoding, revlog meaning, note types."""

from __future__ import annotations

import itertools
import sqlite3
import struct
from contextlib import closing
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tokendeck.formats.anki import protobuf
from tokendeck.formats.anki.database import history_select
from tokendeck.formats.anki.decks import _options18
from tokendeck.formats.anki.export_rows import default_ordinals, note_fields, strip_html
from tokendeck.formats.anki.legacy_schema import TABLES
from tokendeck.formats.anki.notetypes import NoteType
from tokendeck.formats.anki.scheduling import revlog_code, revlog_meaning
from tokendeck.transfer.package import HISTORY_COLUMNS, NoteRecord, ReviewRecord, ReviewSource


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, value: int | bytes) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    return _varint(number << 3 | 2) + _varint(len(value)) + value


def test_protobuf_fields_decode() -> None:
    message = _field(1, 300) + _field(2, b"name") + _field(1, 7) + _field(300, b"")
    grouped = protobuf.fields(message)
    assert grouped == {1: [300, 7], 2: [b"name"], 300: [b""]}
    assert protobuf.first_int(grouped, 1) == 300
    assert protobuf.first_str(grouped, 2) == "name"
    assert protobuf.first_int(grouped, 9, default=-1) == -1


@pytest.mark.parametrize("bad", [b"\x08", b"\x12\x05abc", b"\x0b", b"\x08" + b"\xff" * 11])
def test_protobuf_rejects_malformed(bad: bytes) -> None:
    with pytest.raises(protobuf.ProtobufError):
        protobuf.fields(bad)


def test_deck_options_from_protobuf_config() -> None:
    steps = struct.pack("<3f", 1.0, 10.0, 60.0)
    config = _field(1, steps) + _field(9, 15) + _field(10, 150) + _field(22, 5)
    config += _varint(37 << 3 | 5) + struct.pack("<f", 0.85)
    options = _options18(config)
    assert options["learning_steps"] == [60.0, 600.0, 3600.0]
    assert (options["new_per_day"], options["reviews_per_day"], options["leech_threshold"]) == (
        15,
        150,
        5,
    )
    assert options["desired_retention"] == pytest.approx(0.85)


def test_review_record_field_order_is_what_the_hot_loop_assumes() -> None:
    names = [f.name for f in fields(ReviewRecord)][:7]
    assert names == [
        "reviewed_at", "rating", "duration_ms", "kind",
        "scheduled_days", "state_before", "state_after",
    ]  # fmt: skip


def _history(tmp_path: Path, *raw: tuple[int, ...], v1: bool = False) -> list[tuple[Any, ...]]:
    """HISTORY_COLUMNS rows that database.history_select gives for revlog rows
    ``(id, cid, ease, ivl, time, type[, factor])``, read from a real SQLite file."""
    path = tmp_path / f"revlog-{len(list(tmp_path.iterdir()))}.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(TABLES)
        for ms, cid, ease, ivl, time_ms, rtype, *factor in raw:
            conn.execute(
                "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, 0, ?, ?, ?)",
                (ms, cid, ease, ivl, factor[0] if factor else 2500, time_ms, rtype),
            )
        conn.commit()
    return list(ReviewSource(path, history_select(v1=v1), len(raw)).rows())


def test_revlog_meaning(tmp_path: Path) -> None:
    ms = 1_700_000_000_000
    rows = [
        (ms, 5, 3, -600, 8000, 0),  # learn, Good, 10-minute step
        (ms + 1, 5, 1, -600, -3, 1),  # review, Again; a negative time is clamped
        (ms + 2, 5, 3, 2, 0, 2),  # relearn, Good, 2 days
        (ms + 3, 5, 0, 9, 0, 4),  # manual: set due date
        (ms + 4, 5, 0, 0, 0, 4, 0),  # manual with factor 0: Forget
        (ms + 5, 5, 0, 9, 0, 5),  # rescheduled (newer Anki)
        (ms + 6, 6, 4, 4, 0, 3),  # filtered deck
    ]
    history = _history(tmp_path, *rows)
    got = [(r[4], r[2], r[5], r[6], r[7]) for r in history if r[0] == 5]
    assert got == [
        ("learn", 3, 600 / 86400, "new", "learning"),
        ("review", 1, 600 / 86400, "review", "relearning"),
        ("relearn", 3, 2, "relearning", "review"),
        ("manual", 0, 9, None, None),
        ("manual", 0, 0, None, "new"),
        ("manual", 0, 9, None, None),
    ]
    assert [r[1] for r in history] == [r[0] for r in rows]  # in time order, exact ms
    assert [r[3] for r in history][:2] == [8000, 0]
    assert history[-1][4] == "filtered"
    assert [r[8:] for r in history] == [(None, None)] * len(rows)


def test_history_select_means_what_revlog_meaning_says(tmp_path: Path) -> None:
    """The SQL and the Python definition agree on every (type, ease, ivl, factor)."""
    cases = list(
        itertools.product(range(7), range(5), (-600, 0, 3), (0, 2500))
    )  # type, ease, ivl, factor
    for v1 in (False, True):
        # Each case is the second answer of its card, so "first answer" does not apply.
        raw = []
        for i, (rtype, ease, ivl, factor) in enumerate(cases):
            raw.append((1000 * i, i, 3, 1, 0, 1))
            raw.append((1000 * i + 1, i, ease, ivl, 0, rtype, factor))
        got = [r for r in _history(tmp_path, *raw, v1=v1) if r[1] % 1000 == 1]
        for (rtype, ease, ivl, factor), row in zip(cases, got, strict=True):
            want = revlog_meaning(revlog_code(rtype, ease, ivl, factor), v1=v1)
            assert (row[4], row[2], row[6], row[7]) == want, (rtype, ease, ivl, factor, v1)


def test_only_a_cards_first_learning_answer_starts_from_new(tmp_path: Path) -> None:
    rows = [(1, 1, 3, -60, 0, 0), (2, 1, 3, -600, 0, 0), (3, 2, 3, 1, 0, 1), (4, 2, 3, -60, 0, 0)]
    assert [r[6] for r in _history(tmp_path, *rows)] == ["new", "learning", "review", "learning"]


def test_v1_learning_eases_are_shifted(tmp_path: Path) -> None:
    rows = [(1, 1, 2, -60, 0, 0), (2, 1, 3, 1, 0, 0), (3, 1, 2, 3, 0, 1)]
    ratings = [r[2] for r in _history(tmp_path, *rows, v1=True)]
    assert ratings == [3, 4, 2]  # learning Good/Easy; review Hard unchanged


def _type(
    fields_: tuple[str, ...], templates: tuple[tuple[str, str], ...], cloze: bool = False
) -> NoteType:
    return NoteType(1, "t", cloze, fields_, templates)


def test_note_kind_detection_is_structural() -> None:
    basic = _type(("Vorderseite", "Rückseite"), (("{{Vorderseite}}", "{{Rückseite}}"),))
    assert basic.kind({0}) == "basic"
    reversed_ = _type(("A", "B"), (("{{A}}", "{{B}}"), ("{{B}}", "{{A}}")))
    assert reversed_.kind({0, 1}) == "basic_reversed"
    assert reversed_.kind({0}) == "basic"
    typed = _type(("A", "B"), (("{{A}} {{type:B}}", "{{B}}"),))
    assert typed.kind({0}) == "type_in"
    assert (
        _type(("Text", "Extra"), (("{{cloze:Text}}", "{{Extra}}"),), cloze=True).kind({0, 3})
        == "cloze"
    )


def test_switch_fields_are_not_content() -> None:
    optional = _type(
        ("Front", "Back", "Add Reverse"),
        (("{{Front}}", "{{Back}}"), ("{{#Add Reverse}}{{Back}}{{/Add Reverse}}", "{{Front}}")),
    )
    assert optional.front_back(["f", "b", "y"]) == ("f", "b")
    custom = _type(("W", "M", "E"), (("{{W}}", "{{M}}<br>{{hint:E}}"),))
    assert custom.front_back(["w", "m", ""]) == ("w", "m")
    assert custom.front_back(["w", "m", "e"]) == ("w", "m<br>e")


def test_export_fields() -> None:
    plain = NoteRecord("f", "b\x1fx")
    assert note_fields(plain) == (("Front", "Back"), ["f", "b x"], ("Back",))
    cloze = NoteRecord("{{c2::a}} {{c5::b}}", "", kind="cloze")
    assert note_fields(cloze)[0] == ("Text", "Back Extra")
    assert default_ordinals(cloze) == [1, 4]
    edited = NoteRecord("new front", "b", fields={"W": "old", "M": "b", "E": ""})
    assert note_fields(edited)[0] == ("Front", "Back")  # stale fields are not exported
    assert strip_html('a <b>bold</b> <img src="x.png"> &amp;') == "a bold  x.png  &"


def test_reviews_in_the_same_millisecond_keep_distinct_ids() -> None:
    from tokendeck.formats.anki import read, to_bytes
    from tokendeck.transfer.package import CardRecord, Package

    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    notes = [
        NoteRecord(f"n{i}", "b", cards=[CardRecord(state="review", due=at, last_review=at,
                   reviews=[ReviewRecord(at, 3), ReviewRecord(at, 4)])])
        for i in range(3)
    ]  # fmt: skip
    again = read(to_bytes(Package(notes=notes)), source="x.apkg")
    assert again.history is not None
    stamps = sorted(row[1] for row in again.history.rows())
    assert len(stamps) == 6 == len(set(stamps))
    assert stamps[-1] - stamps[0] == 5


def _bulk_source(tmp_path: Path, rows: list[tuple[Any, ...]]) -> ReviewSource:
    """A ReviewSource over a plain table holding HISTORY_COLUMNS rows."""
    path = tmp_path / "history.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"CREATE TABLE h ({', '.join(HISTORY_COLUMNS)})")
        conn.executemany(f"INSERT INTO h VALUES ({', '.join('?' * 10)})", rows)
        conn.commit()
    return ReviewSource(path, "SELECT * FROM source.h ORDER BY reviewed_at_ms, rowid", len(rows))


def test_bulk_history_is_written_with_unique_ids_and_anki_columns(tmp_path: Path) -> None:
    from tokendeck.formats.anki import read, to_bytes
    from tokendeck.transfer.package import CardRecord, Package

    t = 1_767_600_000_000
    rows = [  # key, ms, rating, duration, kind, days, before, after, s, d
        (7, t, 3, 4200, "learn", 600 / 86400, "new", "learning", None, None),
        (8, t, 1, -5, "review", 0.5 / 24, "review", "relearning", None, None),
        (7, t, 3, 2**40, "learn", 1.0, "learning", "review", None, None),
        (7, t + 1, 4, 0, "review", 12.4, "review", "review", 9.0, 5.0),
        (8, t + 5, 0, 0, "manual", 0, "review", "new", None, None),
        (99, t + 6, 3, 0, "review", 3, None, None, None, None),  # no such card: left out
    ]
    notes = [NoteRecord(f"n{k}", "b", cards=[CardRecord(state="review", key=k)]) for k in (7, 8)]
    data = to_bytes(Package(notes=notes, history=_bulk_source(tmp_path, rows)))
    again = read(data, source="x.apkg")
    assert again.history is not None
    got = [(r[1] - t, r[2], r[3], r[4], r[5]) for r in again.history.rows()]
    assert got == [
        (0, 3, 4200, "learn", 600 / 86400),
        (1, 1, 0, "review", 1800 / 86400),
        (2, 3, 2**31 - 1, "learn", 1),
        (3, 4, 0, "review", 12),
        (5, 0, 0, "manual", 0),
    ]
    forget = list(again.history.rows())[-1]
    assert forget[7] == "new"  # factor 0 on a manual entry: Anki's "Forget"


def test_bulk_history_beside_per_card_lists_keeps_every_answer(tmp_path: Path) -> None:
    from tokendeck.formats.anki import read, to_bytes
    from tokendeck.transfer.package import CardRecord, Package

    t = 1_767_600_000_000
    at = datetime.fromtimestamp(t / 1000, UTC)
    listed = CardRecord(state="review", reviews=[ReviewRecord(at, 3), ReviewRecord(at, 4)])
    keyed = CardRecord(state="review", key=7)
    rows = [(7, t, 2, 0, "review", 3.0, "review", "review", None, None)]
    notes = [NoteRecord("listed", "b", cards=[listed]), NoteRecord("keyed", "b", cards=[keyed])]
    data = to_bytes(Package(notes=notes, history=_bulk_source(tmp_path, rows)))
    again = read(data, source="x.apkg")
    assert again.history is not None
    stamps = sorted((r[1] - t, r[2]) for r in again.history.rows())
    assert stamps == [(0, 3), (1, 4), (2, 2)]  # the clashing bulk row is nudged past the others
