"""Is the data in a snapshot usable, not only its schema? Checked before a restore swaps it in.

A schema that is TokenDeck's own (:mod:`tokendeck.storage.schema_check`) can
still hold values no TokenDeck wrote: text in an INTEGER column, deck options
that are not JSON, a time zone that does not exist. Restored, any of them
breaks every later command (found by ``make fuzz``). This check runs on the
restored copy, after its migrations and before the swap: every column's
values must have the type it declares, the JSON columns must hold JSON of the
right shape, and each deck's options and each user's calendar settings must
be ones TokenDeck accepts, and each card's flag one of Anki's seven colours
(or none).
"""

from __future__ import annotations

import json
from typing import Any

from tokendeck.domain.days import Calendar, zone
from tokendeck.domain.decks import DeckConfig
from tokendeck.errors import ValidationError
from tokendeck.storage.database import Database

#: (table, column) -> the JSON type it must hold (None: any JSON).
JSON_COLUMNS = {
    ("decks", "config"): "object",
    ("settings", "value"): None,
    ("notes", "fields"): "object",
    ("notes", "accepted"): "array",
}
#: A declared column type -> what ``typeof()`` may say of its values.
_TYPES = {"INTEGER": ("integer",), "REAL": ("real", "integer"), "TEXT": ("text",)}


def data_problem(db: Database) -> str | None:
    """What in ``db`` no TokenDeck would have written, or None."""
    return (
        _typed_columns(db) or _json_columns(db) or _deck_options(db) or _calendars(db) or _flags(db)
    )


def _tables(db: Database) -> list[str]:
    rows = db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'notes_fts_%'"
    )
    return [r[0] for r in rows]


def _typed_columns(db: Database) -> str | None:
    for table in _tables(db):
        for _cid, column, declared, notnull, _default, _pk in db.fetchall(
            f'PRAGMA table_info("{table}")'
        ):
            allowed = _TYPES.get(str(declared).upper())
            if allowed is None:
                continue
            kinds = ", ".join(f"'{k}'" for k in (*allowed, *(() if notnull else ("null",))))
            bad = db.scalar(
                f'SELECT count(*) FROM "{table}" WHERE typeof("{column}") NOT IN ({kinds})'
            )
            if bad:
                return f"{table}.{column} holds {bad} value(s) that are not {declared}"
    return None


def _json_columns(db: Database) -> str | None:
    for (table, column), kind in JSON_COLUMNS.items():
        shape = f" OR json_type({column}) != '{kind}'" if kind else ""
        bad = db.scalar(f"SELECT count(*) FROM {table} WHERE json_valid({column}) = 0{shape}")
        if bad:
            return f"{table}.{column} holds {bad} value(s) that are not JSON {kind or ''}".rstrip()
    return None


def _deck_options(db: Database) -> str | None:
    for name, config in db.fetchall("SELECT name, config FROM decks"):
        try:
            DeckConfig.from_dict(json.loads(config)).validated()
        except (ValidationError, TypeError) as exc:
            return f"deck {name!r} has options TokenDeck cannot use ({exc})"
    return None


def _calendars(db: Database) -> str | None:
    settings: dict[tuple[int, str], Any] = {
        (user, key): json.loads(value)
        for user, key, value in db.fetchall(
            "SELECT user_id, key, value FROM settings WHERE key IN ('timezone', 'rollover_hour')"
        )
    }
    for user in {user for user, _key in settings}:
        try:
            Calendar(
                zone(settings.get((user, "timezone"))), settings.get((user, "rollover_hour"), 4)
            )
        except (ValidationError, TypeError) as exc:
            return f"the settings of user {user} break the calendar ({exc})"
    return None


def _flags(db: Database) -> str | None:
    bad = db.scalar("SELECT count(*) FROM cards WHERE flag NOT BETWEEN 0 AND 7")
    return f"cards.flag holds {bad} value(s) that are not a flag (0-7)" if bad else None
