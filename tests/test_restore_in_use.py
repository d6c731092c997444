"""A restore cannot replace a collection that a server (or anything else) has open (issue 14).

A ``tokendeck serve`` started before a restore used to go on acknowledging
answers written into the replaced file, which nobody would ever see again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.processes import local_serve
from tokendeck.cli import main
from tokendeck.collection import Collection
from tokendeck.errors import StorageError

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def collection(tmp_path: Path) -> tuple[Path, Path]:
    """A collection with a note, and a snapshot of it to restore."""
    path = tmp_path / "c.db"
    snapshot = tmp_path / "snap.zip"
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        col.add_note("Deck", "front", "back", now=NOW)
        col.write_snapshot(snapshot, now=NOW)
    return path, snapshot


def test_a_collection_open_here_cannot_be_restored_over(collection: tuple[Path, Path]) -> None:
    path, snapshot = collection
    with (
        Collection.open(path, now=NOW, install_builtin=False),
        pytest.raises(StorageError, match="in use"),
    ):
        Collection.restore_snapshot(path, snapshot, now=NOW)
    assert Collection.restore_snapshot(path, snapshot, now=NOW).notes == 1  # closed: fine


@pytest.fixture
def server(collection: tuple[Path, Path]) -> Iterator[int]:
    """``tokendeck serve`` on the collection, in its own process."""
    path, _ = collection
    with local_serve(path) as port:
        yield port


@pytest.mark.slow
def test_restore_refuses_while_the_server_runs_and_changes_nothing(
    collection: tuple[Path, Path], server: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path, snapshot = collection
    before = path.stat().st_ino
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(path), "--now", NOW.isoformat(), "restore", str(snapshot)])
    assert exited.value.code == 1
    assert "in use" in capsys.readouterr().err
    assert path.stat().st_ino == before  # the file the server writes to is still the collection
    assert list((path.parent / "backups").glob("tokendeck-before-restore-*")) == []
