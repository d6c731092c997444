"""The one answer path: many answers in one transaction, undone together, and two writers.

Every front-end records answers through ``Collection.answer_many`` (``answer`` is
one answer of it). Each card is read and scheduled inside the write transaction,
so two processes answering the same card both count.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.collection import Answer, Collection
from tokendeck.domain.cards import CardState, Rating
from tokendeck.errors import NotFoundError, NothingToUndoError

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def _cards(col: Collection, n: int, deck: str = "Test") -> list[int]:
    ids = []
    for i in range(n):
        note = col.add_note(deck, f"front {i}", f"back {i}", now=NOW)
        ids += [c.id for c in col.cards_of_note(note.id)]
    return ids


def test_answers_recorded_together_land_in_one_go(col: Collection) -> None:
    first, second = _cards(col, 2)
    results = col.answer_many([Answer(first, "good"), Answer(second, Rating.EASY)], now=NOW)
    assert [r.review.card_id for r in results] == [first, second]
    assert col.card(first).card.reps == 1 and col.card(second).card.state == CardState.REVIEW


def test_one_refused_answer_leaves_the_others_unwritten(col: Collection) -> None:
    (card,) = _cards(col, 1)
    with pytest.raises(NotFoundError):
        col.answer_many([Answer(card, "good"), Answer(card + 999, "good")], now=NOW)
    assert col.card(card).card.reps == 0 and col.history(card) == []
    assert col.queue_counts(NOW).new == 1  # the cached queue forgot the rolled-back answer


def test_answers_recorded_together_are_undone_together(col: Collection) -> None:
    first, second, third = _cards(col, 3)
    col.answer(first, "good", now=NOW)
    col.answer_many([Answer(second, "good"), Answer(third, "good")], now=NOW, together=True)
    col.undo(NOW)
    assert [col.card(i).card.reps for i in (first, second, third)] == [1, 0, 0]
    col.undo(NOW)
    assert col.card(first).card.reps == 0
    with pytest.raises(NothingToUndoError):
        col.undo(NOW)


def test_answers_not_together_are_undone_one_at_a_time(col: Collection) -> None:
    first, second = _cards(col, 2)
    col.answer_many([Answer(first, "good"), Answer(second, "good")], now=NOW)
    col.undo(NOW)
    assert [col.card(i).card.reps for i in (first, second)] == [1, 0]


def test_each_answer_keeps_its_own_time(col: Collection) -> None:
    first, second = _cards(col, 2)
    later = NOW + timedelta(seconds=3)
    col.answer_many([Answer(first, "good"), Answer(second, "good", at=later)], now=NOW)
    assert col.history(second)[0].reviewed_at == later
    assert col.history(first)[0].reviewed_at == NOW


def test_an_answer_in_one_deck_never_enters_another_decks_queue(col: Collection) -> None:
    (a,) = _cards(col, 1, deck="A")
    (b,) = _cards(col, 1, deck="B")
    assert col.queue_counts(NOW, "B").new == 1
    col.answer(a, "again", now=NOW)  # a learning card of A, due again today
    assert col.queue_counts(NOW, "B").learning == 0
    view = col.next_card(NOW + timedelta(minutes=5), "B")
    assert view is not None and view.id == b
    col.answer(b, "good", now=NOW + timedelta(minutes=5))
    assert col.queue_counts(NOW + timedelta(minutes=5), "A").learning == 1


def _answer_many_times(path: str, card_id: int, times: int, start: datetime) -> None:
    with Collection.open(path, now=start, install_builtin=False) as col:
        for i in range(times):
            col.answer(card_id, "good", now=start + timedelta(seconds=i))


@pytest.mark.slow
def test_two_processes_answering_one_card_both_count(location: str | Path) -> None:
    path = location
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        (card,) = _cards(col, 1)
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_answer_many_times, args=(str(path), card, 25, NOW))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        # every answer read the state the other process had committed: none was lost
        assert col.card(card).card.reps == len(col.history(card)) == 50
