"""Review history in bulk (interchange.ReviewSource) through .apkg export and import.

A collection's log goes out as Anki revlog rows converted in SQL (checked by
importing the file with Anki's own code) and comes back in by one INSERT ...
SELECT inside the import's transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anki")

from anki_fixtures import import_into_new_collection

from tokendeck.collection import Collection
from tokendeck.domain.cards import Rating
from tokendeck.errors import ImportFormatError
from tokendeck.formats.anki import read, write
from tokendeck.transfer.package import MediaFile, Package, ReviewSource

pytestmark = pytest.mark.anki

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RATINGS = (Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD)


def _studied(path: str | Path) -> Collection:
    """Three notes, the first two answered a few times over several days; one review suspended."""
    col = Collection.open(path, now=START, install_builtin=False)
    for i, word in enumerate(("uno", "dos", "tres")):
        col.add_note("Spanish", word, f"{i + 1}", now=START)
    cards = [v.card.id for v in col.find_cards("", now=START)]
    for day, rating in enumerate(RATINGS):
        for i, card_id in enumerate(cards[:2]):
            when = START + timedelta(days=2 * day, minutes=day + i)
            col.answer(card_id, rating, now=when, duration_ms=1000 + day)
    return col


@pytest.fixture
def studied(tmp_path: Path) -> Iterator[Collection]:
    col = _studied(tmp_path / "studied.db")
    yield col
    col.close()


def _log(col: Collection) -> list[tuple[Any, ...]]:
    by_front = {v.card.id: v.note.front for v in col.find_cards("", now=START)}
    return sorted(
        (by_front[r.card_id], r.reviewed_at, r.rating, r.kind, r.duration_ms) for r in col.reviews()
    )


def _export(col: Collection, target: Path) -> Package:
    package: Package = col.export_package(with_scheduling=True, bulk_history=True)
    assert package.history is not None and package.history.count == 10
    assert all(c.key is not None and not c.reviews for n in package.notes for c in n.cards)
    write(package, target)
    return package


def test_bulk_export_is_read_by_anki(studied: Collection, tmp_path: Path) -> None:
    target = tmp_path / "out.apkg"
    _export(studied, target)
    anki = import_into_new_collection(target, tmp_path / "anki")
    try:
        rows = anki.db.all(
            "SELECT n.sfld, r.id, r.ease, r.type, r.time, r.ivl, r.lastIvl FROM revlog r"
            " JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid ORDER BY r.id"
        )
    finally:
        anki.close()
    ours = _log(studied)
    assert sorted((r[0], r[1], r[2], r[4]) for r in rows) == [
        (front, int(at.timestamp() * 1000), rating, ms) for front, at, rating, _, ms in ours
    ]
    by_card: dict[str, list[int]] = {}
    for front, *_, ivl, last_ivl in rows:
        # lastIvl is the card's previous ivl, 0 for its first answer.
        assert last_ivl == (by_card[front][-1] if front in by_card else 0)
        by_card.setdefault(front, []).append(ivl)
    assert {r[3] for r in rows} <= {0, 1, 2}


def test_bulk_round_trip_keeps_the_log(
    studied: Collection, tmp_path: Path, location: str | Path
) -> None:
    target = tmp_path / "out.apkg"
    _export(studied, target)
    package = read(target, source=str(target))
    other = Collection.open(location, now=START, install_builtin=False)
    try:
        result = other.import_package(package, now=START + timedelta(days=30))
        assert (result.added, result.reviews) == (3, 10)
        assert _log(other) == _log(studied)
        states = {v.note.front: v.card for v in other.find_cards("", now=START)}
        assert states["uno"].stability is not None and states["tres"].stability is None
    finally:
        other.close()


def _counts(col: Collection) -> tuple[int, int, int]:
    return (
        len(col.find_cards("", now=START)),
        sum(1 for _ in col.reviews()),
        len(col.decks()),
    )


def test_a_failure_after_the_copy_leaves_the_collection_unchanged(
    studied: Collection, tmp_path: Path, location: str | Path
) -> None:
    target = tmp_path / "out.apkg"
    _export(studied, target)
    package = read(target, source=str(target))
    package.media = [MediaFile("..", b"x")]  # refused after the history copy
    other = _studied(location)
    try:
        before = _counts(other)
        with pytest.raises(ImportFormatError, match="unsafe media"):
            other.import_package(package, now=START, mode="duplicate")
        assert _counts(other) == before
        package.media = []  # the source was detached: a second attempt works
        assert other.import_package(package, now=START, mode="duplicate").reviews == 10
        assert _counts(other)[:2] == (before[0] + 3, before[1] + 10)
    finally:
        other.close()


def test_a_bad_history_row_imports_nothing(
    studied: Collection, tmp_path: Path, location: str | Path
) -> None:
    target = tmp_path / "out.apkg"
    _export(studied, target)
    package = read(target, source=str(target))
    assert package.history is not None
    select = package.history.select.replace("THEN 'review'", "THEN 'sideways'")
    assert select != package.history.select
    package.history = ReviewSource(package.history.path, select, package.history.count)
    other = Collection.open(location, now=START, install_builtin=False)
    try:
        with pytest.raises(ImportFormatError, match="review history") as caught:
            other.import_package(package, now=START)
        assert str(target) in str(caught.value)
        assert _counts(other) == (0, 0, len(other.decks()))
        assert not any(d.name == "Spanish" for d in other.decks())
    finally:
        other.close()


def test_cards_without_memory_state_get_it_rebuilt_from_the_copied_log(
    studied: Collection, tmp_path: Path, location: str | Path
) -> None:
    target = tmp_path / "out.apkg"
    package = studied.export_package(with_scheduling=True, bulk_history=True)
    for note in package.notes:
        for card in note.cards:
            card.stability = card.difficulty = None  # as from an Anki without FSRS
    write(package, target)
    again = read(target, source=str(target))
    other = Collection.open(location, now=START, install_builtin=False)
    try:
        other.import_package(again, now=START)
        cards = {v.note.front: v.card for v in other.find_cards("", now=START)}
        originals = {v.note.front: v.card for v in studied.find_cards("", now=START)}
        for front in ("uno", "dos"):
            assert cards[front].stability == pytest.approx(originals[front].stability, rel=0.05)
            assert cards[front].difficulty is not None
        assert cards["tres"].stability is None  # new: nothing to rebuild
    finally:
        other.close()


def test_a_deck_export_carries_only_that_decks_history(studied: Collection, tmp_path: Path) -> None:
    studied.add_note("French", "un", "1", now=START)
    french = studied.find_cards("", now=START, deck="French")[0].card.id
    studied.answer(french, Rating.GOOD, now=START + timedelta(days=20))
    package = studied.export_package("French", with_scheduling=True, bulk_history=True)
    assert package.history is not None and package.history.count == 1
    target = tmp_path / "french.apkg"
    write(package, target)
    again = read(target, source=str(target))
    assert again.history is not None
    assert [row[2] for row in again.history.rows()] == [int(Rating.GOOD)]
