"""Notes written while the full-text index is stale (after a bulk import, before a search)."""

from __future__ import annotations

from datetime import datetime

from tokendeck.collection import Collection
from tokendeck.storage import search as search_index
from tokendeck.transfer.package import NoteRecord, Package

COUNT = search_index.BULK_THRESHOLD + 10


def _bulk(front: str = "term") -> Package:
    return Package(
        notes=[NoteRecord(f"{front} {i}", f"meaning {i}", deck="Bulk") for i in range(COUNT)]
    )


def _note_id(col: Collection, front: str, now: datetime) -> int:
    [view] = [v for v in col.find_cards(front, now=now) if v.note.front == front]
    return view.note.id


def test_edit_and_delete_before_the_first_search_after_a_bulk_import(
    col: Collection, now: datetime
) -> None:
    col.import_package(_bulk(), now=now)
    ids = {v.note.front: v.note.id for v in col.find_cards("", now=now)}
    # listing everything needs no index (PostgreSQL's trigram index is never stale)
    assert search_index.is_stale(col.store.db) is not col.store.on_server
    col.edit_note(ids["term 5"], now=now, front="Perceiver")
    col.delete_note(ids["term 7"])
    col.edit_note(ids["term 3"], now=now, back="changed meaning")
    assert [v.note.front for v in col.find_cards("perceiv", now=now)] == ["Perceiver"]
    assert not search_index.is_stale(col.store.db)
    assert [v.note.front for v in col.find_cards("changed", now=now)] == ["term 3"]
    fronts = {v.note.front for v in col.find_cards("term", now=now)}
    assert len(fronts) == COUNT - 2 and not fronts & {"term 5", "term 7"}


def test_reimporting_a_bulk_file_before_any_search_updates_it(
    col: Collection, now: datetime
) -> None:
    col.import_package(_bulk(), now=now)
    package = _bulk()
    package.notes[0].back = "a new meaning"
    result = col.import_package(package, now=now, mode="update")
    assert (result.added, result.updated) == (0, COUNT)
    assert [v.note.front for v in col.find_cards("new meaning", now=now)] == ["term 0"]


def test_triggers_are_back_after_the_rebuild(col: Collection, now: datetime) -> None:
    col.import_package(_bulk(), now=now)
    col.find_cards("term", now=now, limit=1)
    assert not search_index.is_stale(col.store.db)
    col.add_note("Bulk", "Canberra", "capital of Australia", now=now)
    col.edit_note(_note_id(col, "term 1", now), now=now, front="Kangaroo")
    assert not search_index.is_stale(col.store.db)  # indexed one by one, no rebuild needed
    assert [v.note.front for v in col.find_cards("canberr", now=now)] == ["Canberra"]
    assert [v.note.front for v in col.find_cards("kangaro", now=now)] == ["Kangaroo"]
    assert "term 1" not in {v.note.front for v in col.find_cards("term", now=now)}
