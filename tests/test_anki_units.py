"""Small pure parts of the Anki format: protobuf decoding, revlog meaning, note types."""

from __future__ import annotations

import struct
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest

from tokendeck.formats.anki import protobuf
from tokendeck.formats.anki.decks import _options18
from tokendeck.formats.anki.export_rows import default_ordinals, note_fields, strip_html
from tokendeck.formats.anki.notetypes import NoteType
from tokendeck.formats.anki.scheduling import reviews_by_card, revlog_code
from tokendeck.interchange import NoteRecord, ReviewRecord


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


def _rows(*raw: tuple[int, ...]) -> list[tuple[float, int, int, float, int]]:
    """Rows ``(id, cid, ease, ivl, time, type[, factor])`` as AnkiDatabase.revlog() gives them."""
    rows = []
    for ms, cid, ease, ivl, time_ms, rtype, *factor in raw:
        code = revlog_code(rtype, ease, ivl, factor[0] if factor else 2500)
        rows.append((ms / 1000, cid, code, ivl if ivl >= 0 else -ivl / 86400, max(time_ms, 0)))
    return rows


def test_revlog_meaning() -> None:
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
    by_card = reviews_by_card(_rows(*rows), v1=False)
    got = [(r.kind, r.rating, r.scheduled_days, r.state_before, r.state_after) for r in by_card[5]]
    assert got == [
        ("learn", 3, 600 / 86400, "new", "learning"),
        ("review", 1, 600 / 86400, "review", "relearning"),
        ("relearn", 3, 2, "relearning", "review"),
        ("manual", 0, 9, None, None),
        ("manual", 0, 0, None, "new"),
        ("manual", 0, 9, None, None),
    ]
    assert by_card[5][0].reviewed_at == datetime.fromtimestamp(ms / 1000, UTC)
    assert by_card[5][1].duration_ms == 0
    assert by_card[6][0].kind == "filtered"


def test_v1_learning_eases_are_shifted() -> None:
    rows = [(1, 1, 2, -60, 0, 0), (2, 1, 3, 1, 0, 0), (3, 1, 2, 3, 0, 1)]
    ratings = [r.rating for r in reviews_by_card(_rows(*rows), v1=True)[1]]
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
    from tokendeck.interchange import CardRecord, Package

    at = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    notes = [
        NoteRecord(f"n{i}", "b", cards=[CardRecord(state="review", due=at, last_review=at,
                   reviews=[ReviewRecord(at, 3), ReviewRecord(at, 4)])])
        for i in range(3)
    ]  # fmt: skip
    again = read(to_bytes(Package(notes=notes)), source="x.apkg")
    stamps = sorted(r.reviewed_at for n in again.notes for c in n.cards for r in c.reviews)
    assert len(stamps) == 6 == len(set(stamps))
    assert stamps[-1] - stamps[0] == timedelta(milliseconds=5)
