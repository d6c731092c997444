"""Migration 8: the review log summed up for the statistics, in SQLite's form and PostgreSQL's.

Three per-user tables (:mod:`tokendeck.storage.review_slots` says what each row
counts and how every write keeps it true):

* ``review_slots``: per deck, 15-minute UTC slot, kind and maturity, how many
  answers and how they were answered (exact in any calendar);
* ``review_days``: the same rolled up by study day and local hour in one calendar;
* ``review_calendar``: which calendar that is.

And ``reviews_card`` now covers what counting a card's log reads, so recounting
the log of many cards (an import's) walks the index alone, in card and time
order, instead of reading the table row by row in random order.

The step reads only tables of steps 1-4 (``reviews``, ``cards``, ``settings``),
so it applies to a database in any state from step 4 on, whatever later steps
it already has.
"""

from __future__ import annotations

from tokendeck.storage import review_slots
from tokendeck.storage.database import Database
from tokendeck.storage.pg_schema import per_user

#: The per-user tables this step adds (row-level security on PostgreSQL).
PER_USER_TABLES = ("review_slots", "review_days", "review_calendar")

_COUNTS = """
    entries INTEGER NOT NULL,
    again INTEGER NOT NULL,
    hard INTEGER NOT NULL,
    good INTEGER NOT NULL,
    easy INTEGER NOT NULL,
    passed INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL"""

# Written once for both backends: INTEGER is 64 bits in SQLite and becomes BIGINT for
# PostgreSQL (a slot times its length in milliseconds passes 32 bits); @KEY_END closes
# each summary table (WITHOUT ROWID on SQLite).
_TABLES = f"""
CREATE TABLE review_slots (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    deck_id INTEGER NOT NULL,
    slot INTEGER NOT NULL,
    kind TEXT NOT NULL,
    mature INTEGER NOT NULL,{_COUNTS},
    PRIMARY KEY (user_id, deck_id, slot, kind, mature)
)@KEY_END;
CREATE TABLE review_days (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    deck_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    kind TEXT NOT NULL,
    mature INTEGER NOT NULL,{_COUNTS},
    PRIMARY KEY (user_id, deck_id, day, hour, kind, mature)
)@KEY_END;
CREATE TABLE review_calendar (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    calendar TEXT NOT NULL
);
"""


def sqlite_form(db: Database) -> None:
    """Step 8 on SQLite: the summaries (WITHOUT ROWID: the key is the table, so an answer
    updates one B-tree, not two), the covering card index, then every user's log counted."""
    db.script(
        """
        DROP INDEX reviews_card;
        CREATE INDEX reviews_card ON reviews
            (card_id, reviewed_at, id, user_id, scheduled_days, kind, rating, duration_ms);
        """
        + _TABLES.replace("@KEY_END", " WITHOUT ROWID")
    )
    review_slots.rebuild_all(db)


def postgres_form(db: Database) -> None:
    """Step 8 on PostgreSQL: the same tables, ``user_id`` first in every key, behind
    row-level security; the card index keeps ``user_id`` first (every query of a user
    names it, and Citus distributes by it) and carries the counted columns as INCLUDE."""
    db.script(
        """
        DROP INDEX reviews_card;
        CREATE INDEX reviews_card ON reviews (user_id, card_id, reviewed_at, id)
            INCLUDE (scheduled_days, kind, rating, duration_ms);
        """
        + _TABLES.replace("INTEGER", "BIGINT").replace("@KEY_END", "")
    )
    for table in PER_USER_TABLES:
        db.script(per_user(table))
    review_slots.rebuild_all(db)
