"""Schema step 6 (flags, custom study, inherited deck options) reaches a database that
already has step 7 (the server's tables), on both backends.

Step 6 was developed beside step 7 and merged after it, so a database made by the
TokenDeck of step 7 records 1-5 and 7 but not 6; opening it applies 6 alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer
from tokendeck.collection import Collection
from tokendeck.storage import migrations, open_database
from tokendeck.storage.schema_check import schema_problem

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
WITHOUT_SIX = frozenset(m.version for m in migrations.MIGRATIONS) - {6}


@pytest.fixture
def owner_location(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str | Path]:
    """A database of the test's own that nobody has migrated yet (the owner's URL)."""
    if backend == "sqlite":
        yield tmp_path / "older.db"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database(template="template0")
    try:
        yield url.replace("tokendeck_app@", "tokendeck_owner@")
    finally:
        server.drop_database(url)


def _older_database(location: str | Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database as the TokenDeck of step 7 left it: one user with a subdeck whose parent
    does not exist, and options of its own."""
    with monkeypatch.context() as patch:
        steps = tuple(m for m in migrations.MIGRATIONS if m.version != 6)
        patch.setattr(migrations, "MIGRATIONS", steps)
        db = open_database(location)
        try:
            assert migrations.applied_versions(db) == WITHOUT_SIX
            user = db.execute("INSERT INTO users (name, created_at) VALUES ('local', 0)")
            # on PostgreSQL the handle of that user (row-level security)
            scoped = getattr(db, "scoped", None)
            mine = db if scoped is None else scoped(user)
            mine.execute(
                "INSERT INTO decks (user_id, name, config, created_at, modified_at)"
                " VALUES (?, 'Lang::French', ?, 0, 0)",
                (user, json.dumps({"new_per_day": 5, "desired_retention": 0.9})),
            )
            if mine is not db:
                mine.close()
        finally:
            db.close()


def test_a_database_at_step_7_gets_step_6_and_keeps_its_decks(
    owner_location: str | Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _older_database(owner_location, monkeypatch)
    with Collection.open(owner_location, now=NOW, install_builtin=False) as col:
        assert migrations.applied_versions(col.store.db) == WITHOUT_SIX | {6}
        # the deck tree needs every parent; the subdeck keeps its own options
        assert [d.name for d in col.decks()] == ["Lang", "Lang::French"]
        french = col.deck("Lang::French")
        assert french.config.new_per_day == 5
        assert french.config.desired_retention == 0.9
        # step 6's tables and column work, alongside step 7's
        note = col.add_note("Lang::French", "le soleil", "the sun", now=NOW, tags=("sky",))
        card = col.cards_of_note(note.id)[0]
        col.flag([card.id], 3, now=NOW)
        assert col.card(card.id).card.flag == 3
        col.update_deck(french.id, now=NOW, new_per_day=0)
        assert col.queue_counts(NOW, "Lang::French").new == 0
        col.custom_study("Lang::French", "new", now=NOW, amount=2)  # today's limit, raised
        assert col.queue_counts(NOW, "Lang::French").new == 1
        tagged = col.custom_study("Lang", "tag", now=NOW, amount=5, tags=("sky",))
        assert (tagged.session, tagged.cards) == (True, 1)
        shown = col.next_card(NOW, "Lang", session="custom")
        assert shown is not None and shown.id == card.id
    with Collection.open(owner_location, now=NOW, install_builtin=False) as again:
        assert migrations.pending_versions(again.store.db) == []  # applied once


@pytest.mark.sqlite_only(reason="the schema check of a SQLite file (snapshots)")
def test_a_file_without_step_6_passes_the_snapshot_schema_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    from contextlib import closing

    path = tmp_path / "older.db"
    _older_database(path, monkeypatch)
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    # compared with the steps it records, not with every step up to its newest
    assert schema_problem(rows, WITHOUT_SIX) is None
    every = frozenset(m.version for m in migrations.MIGRATIONS)
    assert schema_problem(rows, every) is not None
