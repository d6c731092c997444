"""The ``users`` and ``settings`` tables: who owns the rows, and their collection-wide settings."""

from __future__ import annotations

import json
from typing import Any

from tokendeck.storage.database import Database
from tokendeck.storage.table import Table


def find_or_create_user(db: Database, name: str, now_ms: int) -> int:
    """The id of user ``name``, creating the user on first use."""
    found = db.scalar("SELECT id FROM users WHERE name=?", (name,))
    if found is None:
        # Two processes may create the same user at once: the second insert does nothing.
        with db.transaction():
            db.execute(
                "INSERT INTO users (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, now_ms),
            )
        found = db.scalar("SELECT id FROM users WHERE name=?", (name,))
    return int(found)


class Settings(Table):
    """A user's settings, stored as JSON values by key."""

    __slots__ = ()

    def all(self) -> dict[str, Any]:
        """Every stored setting, decoded from JSON."""
        rows = self.db.fetchall("SELECT key, value FROM settings WHERE user_id=?", (self.user,))
        return {key: json.loads(value) for key, value in rows}

    def put(self, key: str, value: Any) -> None:
        """Insert or replace one setting."""
        self.db.execute(
            "INSERT INTO settings (user_id, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id, key) DO UPDATE SET value=excluded.value",
            (self.user, key, json.dumps(value)),
        )
