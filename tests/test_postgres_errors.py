"""psycopg's errors reach the layers above as StorageError, saying how to fix things;
and the handle's read snapshots, on both backends."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import NOW
from tokendeck.collection import Collection
from tokendeck.errors import StorageError


@pytest.mark.postgres
def test_an_unreachable_server_is_explained_without_the_password() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StorageError, match="cannot connect to the database") as caught:
        Collection.open(f"postgresql://ann:s3cret@127.0.0.1:{port}/nothing", now=NOW)
    assert "s3cret" not in str(caught.value)
    assert "TOKENDECK_DATABASE_URL" in str(caught.value)


@pytest.mark.postgres
def test_a_refused_statement_rolls_back_and_the_collection_goes_on(postgres_url: str) -> None:
    with Collection.open(postgres_url, now=NOW, install_builtin=False) as col:
        col.add_note("D", "q", "a", now=NOW)
        with pytest.raises(StorageError, match="duplicate key"), col.batch():
            col.add_note("E", "q2", "a", now=NOW)
            col.store.db.execute(
                "INSERT INTO decks (id, user_id, name, created_at,"
                " modified_at) SELECT id, user_id, 'again', 0, 0 FROM decks"
            )
        assert [d.name for d in col.decks()] == ["D"]  # E was rolled back with the error
        assert col.count_cards(now=NOW) == 1


def test_a_snapshot_reads_one_state_and_refuses_writes(location: str | Path) -> None:
    with (
        Collection.open(location, now=NOW, install_builtin=False) as reader,
        Collection.open(location, now=NOW, install_builtin=False) as writer,
    ):
        writer.add_note("D", "first", "a", now=NOW)
        db = reader.store.db
        with db.snapshot():
            before = db.scalar("SELECT count(*) FROM notes")
            writer.add_note("D", "second", "a", now=NOW)  # another connection commits meanwhile
            assert db.scalar("SELECT count(*) FROM notes") == before == 1
            with pytest.raises(StorageError, match="read-only snapshot"), db.transaction():
                pass
        assert db.scalar("SELECT count(*) FROM notes") == 2
