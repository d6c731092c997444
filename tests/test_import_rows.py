"""The bulk-import fast path: new cards in runs, cached tag text, GUID blocks, paused collector."""

from __future__ import annotations

import gc
import re
from datetime import datetime

import pytest

from tokendeck.collection import Collection
from tokendeck.domain.cards import CardState
from tokendeck.errors import ImportFormatError
from tokendeck.transfer.collector import collector_paused
from tokendeck.transfer.package import CardRecord, NoteRecord, Package
from tokendeck.transfer.planning import NewCards, fresh_guids


def _note(front: str, kind: str = "basic", deck: str = "A", **extra: object) -> NoteRecord:
    return NoteRecord(front=front, back=f"back of {front}", deck=deck, kind=kind, **extra)  # type: ignore[arg-type]


#: Kinds and decks mixed so that runs of one-card notes start, break and resume.
MIXED = [
    _note("one"),
    _note("two", tags=["x", "y x"]),
    _note("three", "basic_reversed"),
    _note("four", "type_in"),
    _note("The {{c2::five}} and {{c1::six}}", "cloze"),
    _note("seven", deck="B"),
    _note("eight", deck="B"),
    _note("Only {{c3::nine}}", "cloze"),
    _note("ten", deck="A"),
]
#: (ordinals, deck) each note above must get, in order.
EXPECTED = [
    ([0], "A"),
    ([0], "A"),
    ([0, 1], "A"),
    ([0], "A"),
    ([0, 1], "A"),
    ([0], "B"),
    ([0], "B"),
    ([2], "A"),
    ([0], "A"),
]


def test_new_cards_are_numbered_in_note_order_with_their_kind_and_deck(
    col: Collection, now: datetime
) -> None:
    result = col.import_package(Package(notes=list(MIXED)), now=now)
    assert (result.added, result.cards) == (9, 11)
    decks = {d.id: d.name for d in col.decks()}
    got, card_ids = [], []
    for view in col.find_cards("", now=now):
        card_ids.append(view.card.id)
        got.append((view.note.front, view.card.ordinal, decks[view.card.deck_id]))
    expected = [
        (note.front.strip(), ordinal, deck)
        for note, (ordinals, deck) in zip(MIXED, EXPECTED, strict=True)
        for ordinal in ordinals
    ]
    assert sorted(got) == sorted(expected)
    assert sorted(card_ids) == list(range(min(card_ids), min(card_ids) + 11))
    for card_id in card_ids:
        card = col.card(card_id).card
        assert (card.state, card.due, card.reps, card.suspended) == (CardState.NEW, now, 0, False)
    if not col.store.on_server:  # SQLite wrote them unchecked (PostgreSQL checked each row)
        assert col.store.db.fetchall("PRAGMA foreign_key_check") == []


def test_cards_follow_their_notes_in_id_order(col: Collection, now: datetime) -> None:
    col.import_package(Package(notes=list(MIXED)), now=now)
    rows = [(view.card.id, view.note.id) for view in col.find_cards("", now=now)]
    by_card = [note_id for _, note_id in sorted(rows)]
    assert by_card == sorted(by_card)  # a later note never has an earlier card


def test_runs_cover_one_card_notes_and_rows_the_rest() -> None:
    cards = NewCards()
    next_card = 100
    for note_id, note in enumerate(MIXED, start=10):
        next_card += cards.add(note, note_id, 1 if note.deck == "A" else 2, next_card)
    # one-card notes in step in one deck share a run; a reversed or cloze note breaks it
    # (first card, first note, deck, length)
    assert cards.runs == [[100, 10, 1, 2], [104, 13, 1, 1], [107, 15, 2, 2], [110, 18, 1, 1]]
    # (card, note, deck, ordinal)
    assert cards.rows == [
        (102, 12, 1, 0),
        (103, 12, 1, 1),
        (105, 14, 1, 0),
        (106, 14, 1, 1),
        (109, 17, 1, 2),
    ]
    assert next_card == 111


def test_tags_are_stored_normalised_once_per_distinct_list(col: Collection, now: datetime) -> None:
    notes = [_note(f"n{i}", tags=["x", "y x"]) for i in range(3)] + [_note("plain")]
    col.import_package(Package(notes=notes), now=now)
    tags = {view.note.front: view.note.tags for view in col.find_cards("", now=now)}
    assert tags == {"n0": ("x", "y_x"), "n1": ("x", "y_x"), "n2": ("x", "y_x"), "plain": ()}


def test_notes_with_cards_of_their_own_still_take_the_full_path(
    col: Collection, now: datetime
) -> None:
    learning = CardRecord(ordinal=0, state="learning", step=1, due=now, reps=1)
    notes = [_note("new"), _note("seen", cards=[learning]), _note("new again")]
    col.import_package(Package(notes=notes), now=now)
    states = {v.note.front: v.card.state for v in col.find_cards("", now=now)}
    assert states == {"new": CardState.NEW, "seen": CardState.LEARNING, "new again": CardState.NEW}


def test_a_bad_deck_name_is_still_refused_after_good_ones(col: Collection, now: datetime) -> None:
    notes = [_note("a"), _note("b"), _note("c", deck="A:: ::B")]
    with pytest.raises(ImportFormatError, match="note 3"):
        col.import_package(Package(notes=notes, source="x.csv"), now=now)
    assert col.find_cards("", now=now) == []


def test_fresh_guids_are_unique_hex_and_differ_between_imports() -> None:
    first, second = fresh_guids(), fresh_guids()
    block = [next(first) for _ in range(1000)]
    assert len(set(block)) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", guid) for guid in block)
    assert next(second)[:24] != block[0][:24]


def test_collector_pauses_nest_and_restore_the_previous_state() -> None:
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()


@pytest.mark.sqlite_only(reason="SQLite's foreign-key switch; PostgreSQL never turns it off")
def test_foreign_keys_are_checked_again_after_an_import(col: Collection, now: datetime) -> None:
    col.import_package(Package(notes=list(MIXED)), now=now)
    assert col.store.db.scalar("PRAGMA foreign_keys") == 1
    assert col.store.db.fetchall("PRAGMA foreign_key_check") == []


def test_a_guid_repeated_in_one_package_keeps_both_notes(col: Collection, now: datetime) -> None:
    # Issue 11: as in Anki, two notes of one file never merge, whatever their GUIDs say.
    notes = [_note("first", guid="g1"), _note("no guid"), _note("second", guid="g1")]
    result = col.import_package(Package(notes=notes), now=now)
    assert (result.added, result.updated) == (3, 0)
    fronts = sorted(view.note.front for view in col.find_cards("", now=now))
    assert fronts == ["first", "no guid", "second"]
    assert col.note_by_guid("g1") is not None
    assert any("kept as a note of its own" in w for w in result.warnings)
