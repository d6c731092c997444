"""Build the synthetic collection twice: as a TokenDeck collection and as an Anki one.

Both are written from :mod:`synthetic`, so they hold the same notes, card
states and review log. TokenDeck's goes through ``Collection.import_package``
(the bulk import path every format uses); Anki's through its Python API the way
Anki's own importers do: ``col.add_notes`` for notes and cards, then
``col.db.executemany`` into ``cards`` and ``revlog`` inside one transaction per
chunk. FSRS is switched on in Anki and each card's memory state (stability,
difficulty, desired retention, last review) is stored in ``cards.data`` where
Anki keeps it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from synthetic import DAY_MS, Shape, SyntheticCard, SyntheticReview, generate

#: Name of the one deck both collections study.
DECK = "Bench"


# -- TokenDeck -------------------------------------------------------------------------------
def build_tokendeck(path: Path, shape: Shape, now: datetime) -> dict[str, Any]:
    """Write a TokenDeck collection at ``path``; returns counts for the manifest."""
    from tokendeck.collection import Collection
    from tokendeck.transfer.package import Package

    col = Collection.open(path, now=now, install_builtin=False)
    try:
        calendar = col.calendar
        today = calendar.today(now)
        today_ms = int(calendar.start(today).timestamp() * 1000)
        for chunk in generate(shape, today_ms, int(now.timestamp() * 1000)):
            notes = [_note_record(card, calendar, today) for card in chunk]
            col.import_package(Package(notes=notes, source="synthetic"), now=now, mode="duplicate")
        due = col.count_cards("", now=now, due=True)
        return {"today_start_ms": today_ms, "due_today": due}
    finally:
        col.close()


def _note_record(card: SyntheticCard, calendar: Any, today: Any) -> Any:
    from tokendeck.transfer.package import CardRecord, NoteRecord

    record = CardRecord(ordinal=0)
    if card.state != "new":
        due = (
            calendar.start(today + timedelta(days=card.due_day))
            if card.state == "review"
            else _utc(card.due_ms)
        )
        record = CardRecord(
            ordinal=0,
            state=card.state,
            due=due,
            step=0 if card.state == "relearning" else None,
            stability=card.stability,
            difficulty=card.difficulty,
            last_review=_utc(card.last_review_ms),
            reps=len(card.reviews),
            lapses=card.lapses,
            reviews=[_review_record(r) for r in card.reviews],
        )
    return NoteRecord(
        front=card.front, back=card.back, deck=DECK, guid=f"bench-{card.index}", cards=[record]
    )


def _review_record(review: SyntheticReview) -> Any:
    from tokendeck.transfer.package import ReviewRecord

    return ReviewRecord(
        reviewed_at=_utc(review.at_ms),
        rating=review.rating,
        duration_ms=review.duration_ms,
        kind=review.kind,
        scheduled_days=float(review.interval_days),
        state_before=review.state_before,
        state_after=review.state_after,
    )


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


# -- Anki --------------------------------------------------------------------------------------
_CARD_UPDATE = (
    "update cards set type=?, queue=?, due=?, ivl=?, factor=?, reps=?, lapses=?, left=?,"
    " mod=?, usn=-1, data=? where id=?"
)
_REVLOG_INSERT = (
    "insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
    " values (?, ?, -1, ?, ?, ?, ?, ?, ?)"
)
_REVLOG_TYPE = {"learn": 0, "review": 1, "relearn": 2}


def build_anki(path: Path, shape: Shape, today_ms: int, now: datetime) -> dict[str, Any]:
    """Write an Anki collection at ``path`` with Anki's own Python API."""
    from anki.collection import AddNoteRequest, Collection

    col = Collection(str(path))
    try:
        cutoff_ms = col.sched.day_cutoff * 1000
        if cutoff_ms - DAY_MS != today_ms:
            raise RuntimeError(
                f"Anki's study day starts at {cutoff_ms - DAY_MS}, TokenDeck's at {today_ms}:"
                " both should use the machine's zone and a 4 am rollover"
            )
        col.set_config("fsrs", True)
        deck_id = col.decks.id(DECK)
        model = col.models.by_name("Basic")
        assert deck_id is not None and model is not None and col.db is not None
        db = col.db
        col.decks.select(deck_id)
        today = col.sched.today
        used: set[int] = set()
        for chunk in generate(shape, today_ms, int(now.timestamp() * 1000)):
            notes = []
            for card in chunk:
                note = col.new_note(model)
                note["Front"], note["Back"] = card.front, card.back
                notes.append(note)
            col.add_notes([AddNoteRequest(note, deck_id) for note in notes])
            ids = _card_ids(col, [n.id for n in notes])
            updates, revlog = _anki_rows(chunk, ids, today, int(now.timestamp()), used)
            db.transact(lambda u=updates, r=revlog: _write(db, u, r))  # type: ignore[misc]
        due = len(col.find_cards("is:due"))
        return {"due_today": due, "today": today}
    finally:
        col.close()


def _card_ids(col: Any, note_ids: list[int]) -> list[int]:
    low, high = min(note_ids), max(note_ids)
    by_note = dict(col.db.all("select nid, id from cards where nid between ? and ?", low, high))
    return [by_note[nid] for nid in note_ids]


def _write(db: Any, updates: list[list[Any]], revlog: list[list[Any]]) -> None:
    if updates:
        db.executemany(_CARD_UPDATE, updates)
    if revlog:
        db.executemany(_REVLOG_INSERT, revlog)


def _anki_rows(
    chunk: list[SyntheticCard], card_ids: list[int], today: int, now_s: int, used: set[int]
) -> tuple[list[list[Any]], list[list[Any]]]:
    updates: list[list[Any]] = []
    revlog: list[list[Any]] = []
    for card, card_id in zip(chunk, card_ids, strict=True):
        if card.state == "new":
            continue
        memory = {
            "s": card.stability,
            "d": card.difficulty,
            "dr": 0.9,
            "lrt": card.last_review_ms // 1000,
        }
        if card.state == "review":
            kind, queue, due, left = 2, 2, today + card.due_day, 0
        else:  # relearning: an exact due time in seconds, one step left
            kind, queue, due, left = 3, 1, card.due_ms // 1000, 1
        updates.append(
            [
                kind,
                queue,
                due,
                card.interval_days,
                2500,
                len(card.reviews),
                card.lapses,
                left,
                now_s,
                json.dumps(memory),
                card_id,
            ]
        )
        revlog.extend(_revlog_rows(card, card_id, used))
    return updates, revlog


def _revlog_rows(card: SyntheticCard, card_id: int, used: set[int]) -> list[list[Any]]:
    rows = []
    for review in card.reviews:
        review_id = review.at_ms
        while review_id in used:  # revlog ids are millisecond times and must be unique
            review_id += 1
        used.add(review_id)
        rows.append(
            [
                review_id,
                card_id,
                review.rating,
                review.interval_days,
                review.last_interval_days,
                2500,
                review.duration_ms,
                _REVLOG_TYPE[review.kind],
            ]
        )
    return rows
