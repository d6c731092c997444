"""What a large import does differently in SQL, and that the collection it leaves is the same.

A bulk card insert sets the cards' insert trigger aside (``storage/bulk.py``), and an
import that brings many reviews drops the statistics summary for a recount at the next
read (``transfer/importing.py``). Each is checked against the small path, which keeps
both: same rows, same statistics, and nothing left behind by a failed import.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.errors import StorageError
from tokendeck.storage import bulk
from tokendeck.transfer import importing
from tokendeck.transfer.package import CardRecord, NoteRecord, Package, ReviewRecord

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
BIG = bulk.TRIGGER_ASIDE_FROM + 200
_TRIGGER = "SELECT sql FROM sqlite_master WHERE type='trigger' AND name='cards_sync_reuse'"


def _opened(path: Path) -> Collection:
    return Collection.open(path, now=NOW, install_builtin=False)


def _scheduled(count: int, reviews: int = 0) -> Package:
    """Notes with one review card each (the path that inserts given card rows)."""
    start = NOW - timedelta(days=400)
    return Package(
        notes=[
            NoteRecord(
                f"q{i}",
                "a",
                deck="Bulk",
                cards=[
                    CardRecord(
                        state="review",
                        due=NOW + timedelta(days=i % 30),
                        stability=5.0,
                        difficulty=5.0,
                        last_review=NOW - timedelta(days=1),
                        reps=reviews,
                        reviews=[
                            ReviewRecord(start + timedelta(days=j, minutes=i), 1 + (i + j) % 4)
                            for j in range(reviews)
                        ],
                    )
                ],
            )
            for i in range(count)
        ]
    )


def _new(count: int) -> Package:
    return Package(notes=[NoteRecord(f"n{i}", "a", deck="Bulk") for i in range(count)])


def _orphan(col: Collection) -> int:
    """A card answered, then deleted: its log stays and its id is the next one given."""
    note = col.add_note("Old", "old", "a", now=NOW)
    card = col.cards_of_note(note.id)[0].id
    col.answer(card, 3, now=NOW)
    col.delete_card(card)
    return card


def _logged(col: Collection, card: int) -> int:
    return int(col.store.db.scalar("SELECT count(*) FROM reviews WHERE card_id = ?", (card,)))


@pytest.mark.parametrize("package", [_scheduled, _new], ids=["scheduled", "new"])
@pytest.mark.parametrize("count", [10, BIG], ids=["small", "bulk"])
def test_a_new_card_that_takes_a_deleted_cards_id_does_not_inherit_its_log(
    tmp_path: Path, package: object, count: int
) -> None:
    with _opened(tmp_path / "c.db") as col:
        trigger = col.store.db.scalar(_TRIGGER)
        old = _orphan(col)
        col.import_package(package(count), now=NOW, mode="duplicate")  # type: ignore[operator]
        assert col.card(old).note.front in ("q0", "n0")  # the id went to the first import
        assert _logged(col, old) == 0  # the deleted card's answer moved aside, as always
        assert col.store.db.scalar("SELECT count(*) FROM reviews") == 1
        assert col.store.db.scalar(_TRIGGER) == trigger


def test_a_failed_bulk_import_leaves_no_cards_and_the_trigger_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = bulk.Bulk.insert_new_cards

    def failing(self: bulk.Bulk, *args: object) -> None:
        original(self, *args)  # type: ignore[arg-type]
        raise StorageError("disk full (simulated)")

    with _opened(tmp_path / "c.db") as col:
        trigger = col.store.db.scalar(_TRIGGER)
        monkeypatch.setattr(bulk.Bulk, "insert_new_cards", failing)
        with pytest.raises(StorageError):
            col.import_package(_new(BIG), now=NOW)
        assert col.store.db.scalar("SELECT count(*) FROM cards") == 0
        assert col.store.db.scalar("SELECT count(*) FROM notes") == 0
        assert col.store.db.scalar(_TRIGGER) == trigger


def _slots(col: Collection) -> int:
    return int(col.store.db.scalar("SELECT count(*) FROM review_slots"))


def test_a_bulk_history_import_leaves_the_summary_to_the_next_read(tmp_path: Path) -> None:
    """Above BULK_REVIEWS the summary is dropped, and the first read gives the same numbers
    as an import that kept it."""
    per_card = 10
    count = importing.BULK_REVIEWS // per_card + 1
    with _opened(tmp_path / "bulk.db") as big, _opened(tmp_path / "kept.db") as kept:
        for col in (big, kept):  # an answer before the import, counted as it landed
            note = col.add_note("D", "before", "a", now=NOW)
            col.answer(col.cards_of_note(note.id)[0].id, 3, now=NOW)
            assert _slots(col) > 0
        big.import_package(_scheduled(count, per_card), now=NOW)
        assert _slots(big) == 0  # dropped, and nothing counted inside the import
        expected_reviews = count * per_card + 1
        # The same history in pieces below the threshold: counted as it lands.
        notes = _scheduled(count, per_card).notes
        step = importing.BULK_REVIEWS // per_card - 1
        for start in range(0, len(notes), step):
            kept.import_package(Package(notes=notes[start : start + step]), now=NOW)
            assert _slots(kept) > 0
        found, expected = big.stats(NOW), kept.stats(NOW)
        assert found["total_reviews"] == expected["total_reviews"] == expected_reviews
        for key in ("daily", "buttons", "hourly"):
            assert found.get(key) == expected.get(key)
        assert _slots(big) > 0  # the read counted it, once


def test_a_failed_bulk_history_import_keeps_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _opened(tmp_path / "c.db") as col:
        note = col.add_note("D", "q", "a", now=NOW)
        col.answer(col.cards_of_note(note.id)[0].id, 3, now=NOW)
        before = col.store.db.fetchall("SELECT * FROM review_slots")
        assert before

        def failing(*args: object, **kwargs: object) -> None:
            raise StorageError("disk full (simulated)")

        monkeypatch.setattr(importing, "_write_plan", failing)
        per_card = 10
        with pytest.raises(StorageError):
            col.import_package(_scheduled(importing.BULK_REVIEWS // per_card, per_card), now=NOW)
        assert col.store.db.fetchall("SELECT * FROM review_slots") == before


def test_a_bulk_import_into_a_larger_log_keeps_the_summary(tmp_path: Path) -> None:
    """A recount covers the whole log: an import smaller than the log counts its own."""
    from tests.test_stats_sql import assert_summaries_true

    per_card = 10
    count = importing.BULK_REVIEWS // per_card + 1
    with _opened(tmp_path / "c.db") as col:
        col.import_package(_scheduled(2 * count, per_card), now=NOW)
        assert _slots(col) == 0  # into an empty log: left to the next read
        col.stats(NOW)
        col.import_package(_scheduled(count, per_card), now=NOW, mode="duplicate")
        assert _slots(col) > 0
        assert_summaries_true(col)  # counted as it landed, before any read
        assert col.stats(NOW)["total_reviews"] == 3 * count * per_card
