"""The review log summarised by 15-minute slot: what the statistics page adds up.

Counting a million answers one by one is what made the statistics page take
seconds. ``review_slots`` holds, per user, deck, 15-minute UTC slot, kind and
maturity, how many entries the log has and how they were answered; the
charts add up a few hundred thousand of these rows at most instead of every
review (:mod:`tokendeck.storage.stats` reads them).

Why 15-minute UTC slots and not study days: every UTC offset in use is a
multiple of 15 minutes and time zones switch on such a boundary, so all the
instants of one slot share their study day and their local hour whatever the
learner's time zone and rollover hour are. Changing either (or daylight
saving time starting) therefore never invalidates the summary; the day and
the hour of each slot are worked out when the charts are read.

What each row counts is fixed by the log alone (the same rule as
:mod:`tokendeck.stats.charts`):

* ``deck_id``: the deck the card is in *now* (0 once the card is deleted), so
  a deck's statistics are those of the cards now in it;
* ``mature``: 1 for a "review" entry whose card's previous entry scheduled an
  interval of at least :data:`~tokendeck.domain.reviews.MATURE_DAYS` days;
* ``again`` .. ``easy``: answers by rating, ``passed``: ratings above 1,
  ``entries``: every entry (manual ones too), ``duration_ms``: their time.

Keeping it true: appending an answer (the answer path) adds one entry; every
other change to a card's log or deck (undo, an answer older than the card's
newest entry, moving or deleting cards, bulk imports) goes through
:func:`refreshing`, which takes the affected cards' contributions out before
the change and puts them back, recomputed, after it. A restore or the
migration builds the whole summary with :func:`rebuild`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tokendeck.domain.reviews import MATURE_DAYS
from tokendeck.storage.database import Database

SLOT_MS = 900_000

#: The counted columns, in order.
COUNTS = ("entries", "again", "hard", "good", "easy", "passed", "duration_ms")
_KEY = "user_id, deck_id, slot, kind, mature"
_INSERT = f"INSERT INTO review_slots ({_KEY}, {', '.join(COUNTS)})"
_ADD = f" ON CONFLICT ({_KEY}) DO UPDATE SET " + ", ".join(
    f"{c} = review_slots.{c} + excluded.{c}" for c in COUNTS
)

# The newest entry of a card: what an appended answer follows (reviews_card, backwards).
_LATEST = (
    "SELECT reviewed_at, scheduled_days FROM reviews WHERE card_id = ? AND user_id = ?"
    " ORDER BY reviewed_at DESC, id DESC LIMIT 1"
)
_APPEND = (
    f"{_INSERT} VALUES (?, coalesce((SELECT deck_id FROM cards WHERE id = ?), 0), ?, ?, ?,"
    " 1, ?, ?, ?, ?, ?, ?)" + _ADD
)


def contributions_sql(cards: str, deck: str = "coalesce(c.deck_id, 0)") -> str:
    """What the entries of some cards add to the summary, one row per key.

    ``cards`` is a condition on ``r.card_id`` (every entry of a card or none, so
    each card's previous interval is its own); ``deck`` the deck expression.
    ``+r.user_id`` keeps the user's time index out of the plan: walking
    ``reviews_card`` gives the window its order without a sort.
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
        f" FROM reviews r WHERE +r.user_id = ? AND {cards}) w"
        " LEFT JOIN cards c ON c.id = w.card_id"
        " GROUP BY 1, 2, 3, 4"
    )


def _apply(
    db: Database, user: int, cards: str, params: Sequence[int], sign: int, deck: str
) -> None:
    counts = ", ".join(f"{sign} * t.{c}" for c in COUNTS)
    db.execute(
        f"{_INSERT} SELECT ?, t.deck_id, t.slot, t.kind, t.mature, {counts}"
        f" FROM ({contributions_sql(cards, deck)}) t WHERE true{_ADD}",
        (user, user, *params),
    )


_CARD_DECK = "coalesce(c.deck_id, 0)"
#: Below every card id: "every card from this id on" then means every card.
ANY_CARD = -(2**63)


@contextmanager
def refreshing(db: Database, user: int, cards: Sequence[int] | int) -> Iterator[None]:
    """Around a change to some cards' logs or decks: their contributions out, then back in.

    ``cards`` is a list of card ids, or one id meaning "every card from this id
    on" (an import's new cards). Runs in the caller's transaction (or its own).
    """
    with db.transaction():
        _apply_chunks(db, user, cards, -1)
        yield
        _apply_chunks(db, user, cards, 1)


def _apply_chunks(db: Database, user: int, cards: Sequence[int] | int, sign: int) -> None:
    if isinstance(cards, int):
        _apply(db, user, "r.card_id >= ?", [cards], sign, _CARD_DECK)
        return
    ids = sorted({int(card) for card in cards})
    for start in range(0, len(ids), 500):  # SQLite binds at most 999 parameters at once
        chunk = ids[start : start + 500]
        _apply(db, user, f"r.card_id IN ({', '.join('?' for _ in chunk)})", chunk, sign, _CARD_DECK)


def appended(db: Database, user: int, card_id: int, at_ms: int) -> tuple[bool, float]:
    """Whether an entry at ``at_ms`` goes after the card's newest one, and that one's interval.

    Call before inserting the entry: (True, interval of the previous entry, 0
    when there is none) for the usual answer, which :func:`add_one` then counts;
    (False, ...) when the card already has a later entry, which changes how that
    later one counts: the caller then wraps the insert in :func:`refreshing`.
    """
    latest = db.fetchone(_LATEST, (card_id, user))
    if latest is None:
        return True, 0.0
    return latest[0] <= at_ms, float(latest[1])


def add_one(
    db: Database,
    user: int,
    card_id: int,
    at_ms: int,
    kind: str,
    rating: int,
    duration_ms: int,
    before: float,
) -> None:
    """Count one entry appended after the card's newest (``before``: that one's interval)."""
    mature = 1 if kind == "review" and before >= MATURE_DAYS else 0
    db.execute(
        _APPEND,
        (
            user,
            card_id,
            at_ms // SLOT_MS,
            kind,
            mature,
            1 if rating == 1 else 0,
            1 if rating == 2 else 0,
            1 if rating == 3 else 0,
            1 if rating == 4 else 0,
            1 if rating > 1 else 0,
            duration_ms,
        ),
    )


def adopt_orphans(db: Database, user: int, card_id: int) -> None:
    """After creating card ``card_id``: entries left by a deleted card of that id join it.

    SQLite may hand out a deleted card's id again; its log stays in the
    ``reviews`` table and now belongs to the new card (and its deck).
    """
    if db.scalar("SELECT 1 FROM reviews WHERE card_id = ? LIMIT 1", (card_id,)) is None:
        return
    with db.transaction():
        _apply(db, user, "r.card_id = ?", [card_id], -1, "0")
        _apply(db, user, "r.card_id = ?", [card_id], 1, _CARD_DECK)


def rebuild(db: Database, user: int) -> None:
    """Recount the whole summary of one user from the log."""
    with db.transaction():
        db.execute("DELETE FROM review_slots WHERE user_id = ?", (user,))
        _apply(db, user, "r.card_id >= ?", [ANY_CARD], 1, _CARD_DECK)


def rebuild_all(db: Database) -> None:
    """Recount the summary of every user (the migration that adds it)."""
    for (user,) in db.fetchall("SELECT DISTINCT user_id FROM reviews"):
        rebuild(db, int(user))


def entries(db: Database, user: int) -> int:
    """Entries the summary counts for a user (the log's size when it is up to date)."""
    return int(
        db.scalar("SELECT coalesce(sum(entries), 0) FROM review_slots WHERE user_id = ?", (user,))
    )
