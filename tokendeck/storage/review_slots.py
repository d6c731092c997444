"""The review log summarised for the statistics page, kept true by every write.

Counting a million answers one by one is what made the statistics page take
seconds. Two summaries make it a few hundred rows:

``review_slots``, the exact one: per user, deck, 15-minute UTC slot, kind and
maturity, how many entries the log has and how they were answered. Every UTC
offset in use is a multiple of 15 minutes and zones switch on such a
boundary, so all instants of a slot share their study day and local hour in
any time zone with any rollover hour: changing either never invalidates it.

``review_days``, the rollup: the same counts per study day and local hour in
one calendar, the one named in ``review_calendar``. Days depend on the time
zone and rollover hour, so when the calendar in use is another (settings
changed, or the machine's "local" zone went into daylight saving time) the
rollup is rebuilt from the slots, a few hundred milliseconds for a million
answers; the statistics read the rollup, a few thousand rows.

What each entry counts is fixed by the log alone (as :mod:`tokendeck.stats.charts`):

* ``deck_id``: the deck its card is in *now* (0 once the card is deleted), so a
  deck's statistics are those of the cards now in it;
* ``mature``: 1 for a "review" entry whose card's previous entry scheduled an
  interval of at least :data:`~tokendeck.domain.reviews.MATURE_DAYS` days;
* ``again`` .. ``easy``: answers by rating; ``passed``: ratings above 1;
  ``entries``: every entry (manual ones too); ``duration_ms``: their time.

Keeping it true: an answer appended after its card's newest entry is counted
by :meth:`Summary.add` (one row of each table, before the entry is written).
Every other change to a
card's log or deck (undo, an answer older than the card's newest entry,
moving or deleting cards, imports) runs inside :meth:`Summary.refreshing`,
which takes the affected cards' contributions out before the change and puts
them back, recomputed, after it. Restores and the migration recount all of it.
A bulk change (a sync batch of 2,000 reviews or more, or an import bringing
that many and at least as many as the log has) drops the user's summary instead
(:meth:`Summary.forget`), and the next statistics read recounts it, once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from tokendeck.domain.days import Calendar
from tokendeck.domain.reviews import MATURE_DAYS
from tokendeck.domain.settings import Settings
from tokendeck.storage.database import POSTGRESQL, SQLITE, Database
from tokendeck.storage.local_time import local_hour_sql, study_day_sql

SLOT_MS = 900_000
#: The counted columns of the summaries, in order.
COUNTS = ("entries", "again", "hard", "good", "easy", "passed", "duration_ms")
#: Below every card id: "every card from this id on" then means every card.
ANY_CARD = -(2**63)

_SLOT_KEY = "user_id, deck_id, slot, kind, mature"
_DAY_KEY = "user_id, deck_id, day, hour, kind, mature"
_CARD_DECK = "coalesce(c.deck_id, 0)"
# Parameters of these fragments, in order: [card], [kind, card, user], [user, calendar].
_DECK_OF = "coalesce((SELECT deck_id FROM cards WHERE id = ?), 0)"
# The newest entry of the card, which an answer appended now follows. ``{plus}user_id``
# (SQLite's ``+user_id``): walked backwards through reviews_card (a few rows), never
# through the user's time index, which SQLite would otherwise pick for the ORDER BY and
# scan the log with. PostgreSQL has user_id first in its indexes and needs no hint.
_MATURE = (
    "CASE WHEN ? = 'review' AND coalesce((SELECT scheduled_days FROM reviews"
    " WHERE card_id = ? AND {plus}user_id = ? ORDER BY reviewed_at DESC, id DESC LIMIT 1), 0)"
    f" >= {MATURE_DAYS} THEN 1 ELSE 0 END"
)
_IN_CALENDAR = "EXISTS (SELECT 1 FROM review_calendar WHERE user_id = ? AND calendar = ?)"
#: [card, user, at]: the card has no entry after ``at`` (an answer given now never has).
_NONE_LATER = (
    "NOT EXISTS (SELECT 1 FROM reviews WHERE card_id = ? AND {plus}user_id = ? AND reviewed_at > ?)"
)
#: The changes of :meth:`Summary.refreshing`, in a temporary table of the connection.
_CHANGES = {SQLITE: "temp.td_slot_changes", POSTGRESQL: "pg_temp.td_slot_changes"}


def _plus(dialect: str) -> str:
    """SQLite's ``+`` before a column, keeping its index out of the plan (none elsewhere)."""
    return "" if dialect == POSTGRESQL else "+"


def _upsert(table: str, key: str) -> str:
    """``INSERT INTO table (key, counts)`` {rows} ``ON CONFLICT`` adding the counts up."""
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTS)
    return f"INSERT INTO {table} ({key}, {', '.join(COUNTS)}) {{rows}} ON CONFLICT ({key})" + (
        f" DO UPDATE SET {added}"
    )


_SLOTS = _upsert("review_slots", _SLOT_KEY)
_DAYS = _upsert("review_days", _DAY_KEY)


def _adding(dialect: str) -> tuple[str, str]:
    """The two statements of :meth:`Summary.add` (a slot row, a day row) in ``dialect``."""
    mature = _MATURE.format(plus=_plus(dialect))
    later = _NONE_LATER.format(plus=_plus(dialect))
    slot = _SLOTS.format(
        rows=f"SELECT ?, {_DECK_OF}, ?, ?, {mature}, 1, ?, ?, ?, ?, ?, ? WHERE {later}"
    )
    day = _DAYS.format(
        rows=f"SELECT ?, {_DECK_OF}, ?, ?, ?, {mature}, 1, ?, ?, ?, ?, ?, ? WHERE {_IN_CALENDAR}"
    )
    return slot, day


_ADD = {dialect: _adding(dialect) for dialect in (SQLITE, POSTGRESQL)}


def contributions_sql(cards: str, deck: str = _CARD_DECK, dialect: str = SQLITE) -> str:
    """What the entries of some cards add to the slot summary, one row per key.

    ``cards`` is a condition on ``r.card_id`` (every entry of a card or none, so
    each card's previous interval is its own); ``deck`` the deck expression.
    Parameters: the user, then those of ``cards``. On SQLite ``+r.user_id``
    keeps the user's time index out of the plan: walking ``reviews_card``
    (which covers every column read here) gives the window its order without a
    sort and without reading the table.
    """
    return (
        f"SELECT {deck} AS deck_id, w.reviewed_at / {SLOT_MS} AS slot, w.kind AS kind,"
        f" CASE WHEN w.kind = 'review' AND w.before >= {MATURE_DAYS} THEN 1 ELSE 0 END"
        " AS mature, count(*) AS entries,"
        " sum(CASE WHEN w.rating = 1 THEN 1 ELSE 0 END) AS again,"
        " sum(CASE WHEN w.rating = 2 THEN 1 ELSE 0 END) AS hard,"
        " sum(CASE WHEN w.rating = 3 THEN 1 ELSE 0 END) AS good,"
        " sum(CASE WHEN w.rating = 4 THEN 1 ELSE 0 END) AS easy,"
        " sum(CASE WHEN w.rating > 1 THEN 1 ELSE 0 END) AS passed,"
        " sum(w.duration_ms) AS duration_ms"
        " FROM (SELECT r.card_id, r.reviewed_at, r.kind, r.rating, r.duration_ms,"
        " lag(r.scheduled_days, 1, 0) OVER"
        " (PARTITION BY r.card_id ORDER BY r.reviewed_at, r.id) AS before"
        f" FROM reviews r WHERE {_plus(dialect)}r.user_id = ? AND {cards}) w"
        " LEFT JOIN cards c ON c.id = w.card_id"
        " GROUP BY 1, 2, 3, 4"
    )


def calendar_key(calendar: Calendar) -> str:
    """The name the rollup's calendar is recorded under: time zone and rollover hour."""
    zone = getattr(calendar.tz, "key", None) or str(calendar.tz)
    return f"{zone}@{calendar.rollover_hour}"


class Summary:
    """The upkeep of one user's review-log summaries (see the module's docstring)."""

    __slots__ = ("_calendar", "db", "user")

    def __init__(self, db: Database, user: int) -> None:
        self.db = db
        self.user = user
        self._calendar: Calendar | None = None

    # -- the calendar the rollup is kept in ---------------------------------------------------
    @property
    def calendar(self) -> Calendar:
        """The learner's calendar (the collection's, once it has told it; else the settings')."""
        if self._calendar is None:
            rows = self.db.fetchall(
                "SELECT key, value FROM settings WHERE user_id = ?", (self.user,)
            )
            stored = {key: json.loads(value) for key, value in rows}
            self._calendar = Settings.from_stored(stored).calendar()
        return self._calendar

    @calendar.setter
    def calendar(self, calendar: Calendar) -> None:
        self._calendar = calendar

    # -- an answer ----------------------------------------------------------------------------
    def add(self, card_id: int, at_ms: int, kind: str, rating: int, duration_ms: int) -> bool:
        """Count an entry about to be appended to a card's log; call before writing it.

        False (and nothing counted) when the card already has a later entry: the
        new one changes how that one counts, so the caller writes it inside
        :meth:`refreshing` instead.
        """
        user, db = self.user, self.db
        counts = (
            int(rating == 1),
            int(rating == 2),
            int(rating == 3),
            int(rating == 4),
            int(rating > 1),
            duration_ms,
        )
        mature = (kind, card_id, user)
        slot = (user, card_id, at_ms // SLOT_MS, kind, *mature, *counts)
        add_slot, add_day = _ADD[db.dialect]
        if not db.changed(add_slot, (*slot, card_id, user, at_ms)):
            return False
        calendar = self.calendar
        moment = datetime.fromtimestamp(at_ms / 1000, UTC)
        day = calendar.today(moment).toordinal()
        hour = moment.astimezone(calendar.tz).hour
        named = calendar_key(calendar)
        db.execute(add_day, (user, card_id, day, hour, kind, *mature, *counts, user, named))
        return True

    # -- any other change ---------------------------------------------------------------------
    @contextmanager
    def refreshing(
        self, cards: Sequence[int] | int, *, and_from: int | None = None
    ) -> Iterator[None]:
        """Around a change to some cards' logs or decks: their contributions out, then back in.

        ``cards`` is a list of card ids, or one id meaning "every card from this
        id on" (an import's new cards); ``and_from`` adds every card from that id
        on to a list (a sync's batch: the cards it names, and those it creates).
        Runs in the caller's transaction (or its own).
        """
        if and_from is not None and not isinstance(cards, int):
            cards = [card for card in cards if card < and_from]  # each card counted once
        with self.db.transaction():
            self._start()
            self._collect(cards, -1)
            if and_from is not None:
                self._collect(and_from, -1)
            yield
            self._collect(cards, 1)
            if and_from is not None:
                self._collect(and_from, 1)
            self._apply_changes()

    @property
    def _changes(self) -> str:
        return _CHANGES[self.db.dialect]

    def _start(self) -> None:
        # BIGINT: 64 bits on PostgreSQL too (SQLite's INTEGER always is).
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS td_slot_changes (deck_id BIGINT, slot BIGINT,"
            " kind TEXT, mature BIGINT, entries BIGINT, again BIGINT, hard BIGINT,"
            " good BIGINT, easy BIGINT, passed BIGINT, duration_ms BIGINT)"
        )
        self.db.execute(f"DELETE FROM {self._changes}")

    def _collect(self, cards: Sequence[int] | int, sign: int, deck: str = _CARD_DECK) -> None:
        counts = ", ".join(f"{sign} * t.{c}" for c in COUNTS)
        insert = (
            f"INSERT INTO {self._changes} SELECT t.deck_id, t.slot, t.kind, t.mature,"
            f" {counts} FROM ({{source}}) t"
        )
        dialect = self.db.dialect
        if isinstance(cards, int):
            source = contributions_sql("r.card_id >= ?", deck, dialect)
            self.db.execute(insert.format(source=source), (self.user, cards))
            return
        ids = sorted({int(card) for card in cards})
        for start in range(0, len(ids), 500):  # SQLite binds at most 999 parameters
            chunk = ids[start : start + 500]
            condition = f"r.card_id IN ({', '.join('?' for _ in chunk)})"
            self.db.execute(
                insert.format(source=contributions_sql(condition, deck, dialect)),
                (self.user, *chunk),
            )

    def _apply_changes(self) -> None:
        db, user = self.db, self.user
        changes = self._changes
        span = db.fetchone(f"SELECT min(slot), max(slot) FROM {changes}")
        if span is None or span[0] is None:
            return
        sums = ", ".join(f"sum({c})" for c in COUNTS)
        # A refresh takes every touched card's entries out and puts them back: most groups
        # net to nothing (an answer appended moves one slot), and writing those again
        # cost more than the rest of a sync's batch on PostgreSQL (a new row version each).
        moved = " OR ".join(f"sum({c}) <> 0" for c in COUNTS)
        db.execute(
            _SLOTS.format(
                rows=f"SELECT ?, deck_id, slot, kind, mature, {sums} FROM {changes}"
                f" WHERE true GROUP BY 1, 2, 3, 4, 5 HAVING {moved}"
            ),
            (user,),
        )
        calendar = self.calendar
        day, hour = _day_and_hour(calendar, span[0], span[1])
        db.execute(
            _DAYS.format(
                rows=f"SELECT ?, deck_id, {day}, {hour}, kind, mature, {sums}"
                f" FROM {changes} WHERE {_IN_CALENDAR} GROUP BY 1, 2, 3, 4, 5, 6 HAVING {moved}"
            ),
            (user, user, calendar_key(calendar)),
        )
        db.execute(f"DELETE FROM {changes}")

    def adopt_orphans(self, card_id: int) -> None:
        """After creating card ``card_id``: entries left by a deleted card of that id join it.

        SQLite may hand out a deleted card's id again; its log stays in the
        ``reviews`` table, counted under deck 0, and now belongs to the new card.
        """
        if not self.db.scalar("SELECT 1 FROM reviews WHERE card_id = ? LIMIT 1", (card_id,)):
            return
        with self.db.transaction():
            self._start()
            self._collect([card_id], -1, deck="0")
            self._collect([card_id], 1)
            self._apply_changes()

    # -- all of it ----------------------------------------------------------------------------
    def forget(self) -> None:
        """Drop the user's summary: the next read recounts it from the log, once (after a
        bulk change, cheaper than keeping it on the way)."""
        for table in ("review_slots", "review_days", "review_calendar"):
            self.db.execute(f"DELETE FROM {table} WHERE user_id = ?", (self.user,))

    def rebuild(self) -> None:
        """Recount the user's slots from the log; the rollup follows when next read."""
        db, user = self.db, self.user
        with db.transaction():
            db.execute("DELETE FROM review_slots WHERE user_id = ?", (user,))
            db.execute("DELETE FROM review_calendar WHERE user_id = ?", (user,))
            columns = ", ".join(f"t.{c}" for c in COUNTS)
            db.execute(
                _SLOTS.format(
                    rows=f"SELECT ?, t.deck_id, t.slot, t.kind, t.mature, {columns} FROM"
                    f" ({contributions_sql('r.card_id >= ?', dialect=db.dialect)}) t WHERE true"
                ),
                (user, user, ANY_CARD),
            )

    def roll_up(self, calendar: Calendar) -> None:
        """Recount the rollup in ``calendar`` from the slots (a calendar change, a restore)."""
        db, user = self.db, self.user
        span = db.fetchone(
            "SELECT min(slot), max(slot) FROM review_slots WHERE user_id = ?", (user,)
        )
        with db.transaction():
            db.execute("DELETE FROM review_days WHERE user_id = ?", (user,))
            db.execute("DELETE FROM review_calendar WHERE user_id = ?", (user,))
            if span is not None and span[0] is not None:
                day, hour = _day_and_hour(calendar, span[0], span[1])
                sums = ", ".join(f"sum({c})" for c in COUNTS)
                db.execute(
                    _DAYS.format(
                        rows=f"SELECT user_id, deck_id, {day}, {hour}, kind, mature, {sums}"
                        " FROM review_slots WHERE user_id = ? GROUP BY 1, 2, 3, 4, 5, 6"
                    ),
                    (user,),
                )
            db.execute(
                "INSERT INTO review_calendar (user_id, calendar) VALUES (?, ?)",
                (user, calendar_key(calendar)),
            )

    def rolled_up_in(self) -> str | None:
        """The calendar the rollup is counted in (None: it must be rolled up first)."""
        found = self.db.scalar(
            "SELECT calendar FROM review_calendar WHERE user_id = ?", (self.user,)
        )
        return None if found is None else str(found)


def _day_and_hour(calendar: Calendar, first: int, last: int) -> tuple[str, str]:
    """SQL for the study day and local hour of a row's ``slot``, over slots first..last."""
    offsets = calendar.offsets(first * SLOT_MS, (last + 1) * SLOT_MS)
    start = f"slot * {SLOT_MS}"
    return study_day_sql(start, offsets, calendar.rollover_hour), local_hour_sql(start, offsets)


def rebuild_all(db: Database) -> None:
    """Recount the slots of every user (the migration that adds them)."""
    for (user,) in db.fetchall("SELECT DISTINCT user_id FROM reviews"):
        Summary(db, int(user)).rebuild()
