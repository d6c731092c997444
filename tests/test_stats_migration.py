"""Migration 8 reaches a database that already has the later steps, and counts its log.

Steps are applied by absence (storage/migrations.py): a collection made before
the statistics summary existed, at step 7, gets step 8 when it is next opened,
and the summary then holds exactly what the log already held.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from tests.conftest import NOW
from tests.postgres_server import APP, OWNER, PostgresServer
from tests.test_stats_sql import assert_same, assert_summaries_true, reference
from tokendeck.collection import Collection
from tokendeck.storage import migrations

#: What step 8 added, taken away again (step 1's card index back): a database at step 7.
_BEFORE_STEP_8 = """
DROP TABLE review_slots;
DROP TABLE review_days;
DROP TABLE review_calendar;
DROP INDEX reviews_card;
CREATE INDEX reviews_card ON reviews ({index});
DELETE FROM schema_migrations WHERE version = 8;
"""


def _fill(col: Collection) -> None:
    col.update_settings(timezone="Europe/Berlin")
    for i in range(4):
        col.add_note("A" if i % 2 else "B", f"q{i}", "a", now=NOW)
    for day in range(5):
        for card in col.find_card_ids("", now=NOW):
            col.answer(card, 1 + (card + day) % 4, now=NOW + timedelta(days=day * 2))


def _check(col: Collection) -> None:
    assert 8 in migrations.applied_versions(col.store.db)
    assert_summaries_true(col)
    later = NOW + timedelta(days=20)
    for deck in (None, "A", "B"):
        assert_same(col.stats(later, deck), reference(col, later, deck))
    assert col.stats(later)["total_reviews"] == 20


@pytest.mark.sqlite_only(reason="takes a SQLite file back to step 7 by hand")
def test_a_file_at_step_7_gets_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        _fill(col)
        col.store.db.script(_BEFORE_STEP_8.format(index="card_id, reviewed_at"))
        assert migrations.pending_versions(col.store.db) == [8]
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        _check(col)


@pytest.fixture
def own_database(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.mark.postgres
def test_a_postgresql_database_at_step_7_gets_the_summary(own_database: str) -> None:
    owner = own_database.replace(f"//{APP}@", f"//{OWNER}@")
    with Collection.open(own_database, now=NOW, install_builtin=False) as col:
        _fill(col)
    with psycopg.connect(owner, autocommit=True) as conn:  # the owner: DDL is theirs
        conn.execute(_BEFORE_STEP_8.format(index="user_id, card_id, reviewed_at").encode())
        assert conn.execute("SELECT to_regclass('review_slots')").fetchone() == (None,)
    with Collection.open(owner, now=NOW, install_builtin=False) as col:  # the owner migrates
        _check(col)
    with Collection.open(own_database, now=NOW, install_builtin=False) as col:  # the app reads
        _check(col)
