"""The lean review-log read (``Collection.review_rows``) gives the memory model what
the full ``Review`` rows gave it: same answers, same resets, same training items."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.domain.days import Calendar
from tokendeck.memory import review_table
from tokendeck.memory.revlogs import from_reviews, from_rows, read
from tokendeck.memory.training import training_items
from tokendeck.transfer.package import CardRecord, NoteRecord, Package, ReviewRecord

DATA = Path(__file__).parent / "data" / "review-logs" / "anki-user-12k-reviews.csv"
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _at(days: float) -> datetime:
    return START + timedelta(days=days)


def _answer(days: float, rating: int) -> ReviewRecord:
    return ReviewRecord(_at(days), rating, 1000, kind="review", state_after="review")


def _manual(days: float, state_after: str) -> ReviewRecord:
    return ReviewRecord(_at(days), 0, 0, kind="manual", state_after=state_after)


def _card(reviews: list[ReviewRecord]) -> CardRecord:
    last = reviews[-1].reviewed_at
    return CardRecord(
        state="review", due=last, last_review=last, stability=3.0, difficulty=5.0, reviews=reviews
    )


@pytest.fixture
def col(location: str | Path) -> Iterator[Collection]:
    """Three cards: one reset once, one rescheduled by hand, one in a subdeck."""
    reset = [_answer(0, 3), _answer(2, 1), _manual(3, "new"), _answer(4, 3), _answer(9, 3)]
    moved = [_answer(0, 2), _manual(1, "review"), _answer(5, 3), _answer(5, 4), _answer(12, 1)]
    sub = [_answer(1, 3), _answer(1.5, 3), _answer(6, 3), _answer(20, 2)]
    notes = [
        NoteRecord("reset", "a", deck="Main", cards=[_card(reset)]),
        NoteRecord("moved", "a", deck="Main", cards=[_card(moved)]),
        NoteRecord("sub", "a", deck="Main::Sub", cards=[_card(sub)]),
    ]
    with Collection.open(location, now=_at(30), install_builtin=False) as opened:
        opened.import_package(Package(notes=notes), now=_at(30))
        yield opened


def _plain(log: object) -> list[tuple[int, datetime, int, int]]:
    return [(r.card_id, r.reviewed_at, r.rating, r.duration_ms) for r in log.reviews]  # type: ignore[attr-defined]


def test_rows_leave_out_manual_entries_and_mark_resets_with_rating_zero(
    col: Collection,
) -> None:
    rows = col.review_rows()
    assert len(rows) == 13  # 14 entries, the hand reschedule left out
    assert sorted(r[2] for r in rows).count(0) == 1
    assert all(isinstance(v, int) for row in rows for v in row)


def test_rows_give_the_same_log_as_full_reviews(col: Collection) -> None:
    lean, full = from_rows(col.review_rows()), from_reviews(col.reviews())
    assert _plain(lean) == _plain(full)
    assert len(lean.reviews) == 10  # the reset card keeps its two answers after the reset


def test_table_keeps_each_cards_answers_after_its_last_reset(col: Collection) -> None:
    table = review_table.from_rows(col.review_rows())
    reset_card = min(int(c) for c in table.card_ids)
    mine = table.card_ids == reset_card
    assert table.ratings[mine].tolist() == [3, 3]
    assert table.seconds[mine].tolist() == [_at(4).timestamp(), _at(9).timestamp()]
    assert table.card_count == 3 and len(table) == 10


def test_packed_rows_give_the_same_table_without_durations(col: Collection) -> None:
    full = review_table.from_rows(col.review_rows("Main"))
    packed = review_table.from_packed_rows(col.packed_review_rows("Main"))
    for name in ("card_ids", "seconds", "ratings"):
        assert getattr(packed, name).tolist() == getattr(full, name).tolist()
    assert len(packed) == 10 and not packed.durations_ms.any()
    assert full.durations_ms.tolist() == [1000] * 10


def test_the_packed_log_holds_the_packed_rows_in_log_order(col: Collection) -> None:
    import numpy as np

    for deck in (None, "Main", "Main::Sub", "Nowhere"):
        if deck == "Nowhere":
            col.create_deck(deck, now=_at(30))
        rows = col.packed_review_rows(deck)
        flat = np.frombuffer(col.packed_review_log(deck), dtype=">i8").reshape(-1, 2)
        assert [tuple(r) for r in flat.tolist()] == [tuple(r) for r in rows]
    table = review_table.from_packed_log(col.packed_review_log())
    expected = review_table.from_packed_rows(col.packed_review_rows())
    assert all(
        (getattr(table, f) == getattr(expected, f)).all()
        for f in ("card_ids", "seconds", "ratings")
    )


def test_deck_rows_include_subdecks_only_when_asked(col: Collection) -> None:
    assert len(col.review_rows("Main::Sub")) == 4
    assert len(col.review_rows("Main")) == 13


def test_reset_at_the_same_instant_as_an_answer_keeps_log_order() -> None:
    # card 7: answer, then a reset logged at the same millisecond, then a later answer
    rows = [(7, 1000, 3, 0), (7, 1000, 0, 0), (7, 90_000_000, 4, 0), (5, 500, 2, 0)]
    table = review_table.from_rows(rows)
    assert table.card_ids.tolist() == [5, 7] and table.ratings.tolist() == [2, 4]
    assert [r.rating for r in from_rows(rows).reviews] == [2, 4]


def test_empty_history_gives_an_empty_table() -> None:
    table = review_table.from_rows([])
    assert len(table) == 0 and table.card_count == 0
    assert training_items(table, Calendar(UTC)) == []


@pytest.mark.parametrize("zone_name", ["UTC", "America/New_York"])
def test_real_history_gives_identical_training_items_in_order(
    location: str | Path, zone_name: str
) -> None:
    from zoneinfo import ZoneInfo

    cards: dict[int, list[ReviewRecord]] = {}
    for r in read(DATA).reviews:
        cards.setdefault(r.card_id, []).append(ReviewRecord(r.reviewed_at, r.rating, 0))
    notes = [NoteRecord(f"q{c}", "a", deck="D", cards=[_card(rs)]) for c, rs in cards.items()]
    with Collection.open(location, now=_at(0), install_builtin=False) as opened:
        opened.import_package(Package(notes=notes), now=_at(0))
        full = from_reviews(opened.reviews())
        rows = opened.review_rows()
        packed_rows = opened.packed_review_rows()
        packed_log = opened.packed_review_log()
    cal = Calendar(ZoneInfo(zone_name), 4)
    fast = [repr(i) for i in training_items(review_table.from_rows(rows), cal)]
    slow = [repr(i) for i in training_items(full.reviews, cal)]
    assert fast == slow and len(fast) > 6000
    packed = review_table.from_packed_rows(packed_rows)
    assert [repr(i) for i in training_items(packed, cal)] == fast
    logged = review_table.from_packed_log(packed_log)
    assert [repr(i) for i in training_items(logged, cal)] == fast


def _reference(rows: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int]]:
    """What the table must hold, computed the slow obvious way: (card, ms, rating)."""
    kept: dict[int, list[tuple[int, int, int]]] = {}
    timed = sorted(enumerate(rows), key=lambda pair: (pair[1][1], pair[0]))  # time, log order
    for _, (card, ms, rating, _duration) in timed:
        if rating == 0:
            kept.pop(card, None)
        else:
            kept.setdefault(card, []).append((card, ms, rating))
    return [entry for card in sorted(kept) for entry in kept[card]]


@pytest.mark.parametrize("arrangement", ["by card", "by time", "shuffled"])
def test_table_matches_the_obvious_computation(arrangement: str) -> None:
    import random

    rng = random.Random(arrangement)
    rows = [
        (
            rng.randrange(1, 40),
            rng.randrange(10**6, 10**6 + 500) * 60_000,
            rng.choice((0, 1, 2, 3, 3, 3, 4)),
            0,
        )
        for _ in range(600)
    ]
    if arrangement == "by card":
        rows.sort(key=lambda r: (r[0], r[1]))
    elif arrangement == "by time":
        rows.sort(key=lambda r: r[1])
    table = review_table.from_rows(rows)
    got = list(
        zip(
            table.card_ids.tolist(),
            [round(s * 1000) for s in table.seconds.tolist()],
            table.ratings.tolist(),
            strict=True,
        )
    )
    assert got == _reference(rows)


def test_statistics_from_the_lean_read_equal_those_from_full_reviews(col: Collection) -> None:
    from tokendeck.stats.charts import chart_data

    now = _at(21)
    for deck in (None, "Main::Sub", "Main"):
        cards = col.cards(deck)
        ids = {card.id for card in cards}
        full = [r for r in col.reviews() if deck is None or r.card_id in ids]
        assert col.stats(now, deck) == chart_data(cards, full, now, col.calendar)
    assert col.stats(now)["total_reviews"] == 14  # manual entries are counted too
