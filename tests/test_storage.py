"""Storage: migrations, durability of answers, and errors at the storage boundary."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.errors import StorageError
from tokendeck.storage import migrations, open_database
from tokendeck.storage.database import Database
from tokendeck.storage.migrations import SCHEMA_VERSION, current_version

pytestmark = pytest.mark.sqlite_only(
    reason="the SQLite file itself: WAL, fsync, a killed writer, the FTS5 index"
)

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_new_database_is_at_the_newest_schema_in_wal_mode(tmp_path: Path) -> None:
    db = open_database(tmp_path / "c.db")
    assert current_version(db) == SCHEMA_VERSION
    assert db.scalar("PRAGMA journal_mode") == "wal"
    assert db.scalar("PRAGMA synchronous") == 2  # FULL: fsync on every commit
    db.close()


def test_a_step_that_lands_after_a_newer_one_is_still_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Work developed side by side merges in any order: a database already at the newest step
    # gets an older-numbered step it has not had, once, and the ledger records it.
    db = open_database(tmp_path / "c.db")
    db.close()

    def late_step(d: Database) -> None:
        d.execute("CREATE TABLE late_probe (x INTEGER)")

    late = migrations.Migration(0, "a late step", late_step)
    monkeypatch.setattr(migrations, "MIGRATIONS", (*migrations.MIGRATIONS, late))
    db = open_database(tmp_path / "c.db")
    assert 0 in migrations.applied_versions(db)
    assert db.scalar("SELECT count(*) FROM late_probe") == 0
    assert migrations.pending_versions(db) == []
    assert migrations.migrate(db) == SCHEMA_VERSION  # nothing left: applied once
    db.close()


def test_every_table_has_a_user(tmp_path: Path) -> None:
    db = open_database(tmp_path / "c.db")
    for table in ("decks", "notes", "cards", "reviews", "settings", "attempts"):
        columns = {row[1] for row in db.fetchall(f"PRAGMA table_info({table})")}
        assert "user_id" in columns, table
    db.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    open_database(path).close()
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO schema_migrations VALUES (999, 'future', 0)")
    with pytest.raises(StorageError, match="newer TokenDeck"):
        open_database(path)


def test_not_a_database_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a TokenDeck collection"):
        Collection.open(path, now=NOW)


def test_unwritable_location_is_explained(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="choose another --db"):
        Collection.open(blocker / "sub" / "c.db", now=NOW)


def test_answer_survives_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import datetime, UTC
        from tokendeck.collection import Collection
        now = datetime(2026, 11, 27, 15, tzinfo=UTC)
        col = Collection.open({str(path)!r}, now=now)
        card = col.next_card(now)
        col.answer(card.id, "good", now=now)
        print(card.id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no close, no clean exit
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == -9
    card_id = int(done.stdout.strip())
    with Collection.open(path, now=NOW) as col:
        assert [r.rating for r in col.history(card_id)] == [3]


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "c.db", now=NOW, install_builtin=False) as col:
        with pytest.raises(RuntimeError), col.store.db.transaction():
            col.store.db.execute(
                "INSERT INTO decks (user_id, name, config, created_at, modified_at)"
                " VALUES (?, 'Half', '{}', 0, 0)",
                (col.user_id,),
            )
            raise RuntimeError("boom")
        assert col.decks() == []


def test_bulk_import_defers_indexing_and_search_still_finds_everything(tmp_path: Path) -> None:
    from tokendeck.storage import search as search_index
    from tokendeck.transfer.package import NoteRecord, Package

    notes = [NoteRecord(f"term {i}", f"definition number {i}", deck="Bulk") for i in range(2500)]
    notes[1234] = NoteRecord("Transformer", "attention network", deck="Bulk")
    with Collection.open(tmp_path / "c.db", now=NOW, install_builtin=False) as col:
        col.import_package(Package(notes=notes), now=NOW)
        assert search_index.is_stale(col.store.db)
        # one note added the usual way still goes through the trigger
        col.add_note("Bulk", "Canberra", "capital of Australia", now=NOW)
        hits = col.find_cards("ansfor", now=NOW)
        assert [v.front for v in hits] == ["Transformer"]
        assert not search_index.is_stale(col.store.db)
        assert [v.front for v in col.find_cards("canberra", now=NOW)] == ["Canberra"]
        assert col.count_cards("definition", now=NOW) == 2499
        # edits after the rebuild are indexed by the triggers again
        view = col.find_cards("Transformer", now=NOW)[0]
        col.edit_note(view.note.id, now=NOW, front="Perceiver")
        assert col.find_cards("ansfor", now=NOW) == []
        assert len(col.find_cards("perceiver", now=NOW)) == 1


def test_failed_bulk_import_keeps_the_index_trigger(tmp_path: Path) -> None:
    from tokendeck.errors import ImportFormatError
    from tokendeck.storage import search as search_index
    from tokendeck.transfer.package import MediaFile, NoteRecord, Package

    notes = [NoteRecord(f"term {i}", "d", deck="Bulk") for i in range(2500)]
    # the unsafe media name fails the import after the notes were written
    package = Package(notes=notes, media=[MediaFile("..", b"x")])
    with Collection.open(tmp_path / "c.db", now=NOW, install_builtin=False) as col:
        with pytest.raises(ImportFormatError, match="unsafe media"):
            col.import_package(package, now=NOW)
        assert col.count_cards(now=NOW) == 0 and not search_index.is_stale(col.store.db)
        col.add_note("D", "Attention", "x", now=NOW)
        assert [v.front for v in col.find_cards("attent", now=NOW)] == ["Attention"]
