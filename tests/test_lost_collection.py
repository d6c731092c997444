"""A lost collection is never silently replaced, and backups come in tiers (issue 14).

An emptied or deleted collection file used to become a fresh collection with
the built-in deck, and a week later the daily backups of the real one had
rotated away.
"""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.backup.daily import latest_backup, rotate
from tokendeck.backup.snapshot import DATABASE, MANIFEST
from tokendeck.cli import main
from tokendeck.collection import Collection
from tokendeck.errors import StorageError

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@pytest.fixture
def backed_up(tmp_path: Path) -> Path:
    """A collection with one note and today's daily backup beside it."""
    path = tmp_path / "mine.db"
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        col.add_note("Deck", "front", "back", now=NOW)
        assert col.daily_backup(tmp_path / "backups", now=NOW) is not None
    return path


def test_a_deleted_collection_with_backups_is_refused_naming_the_latest(backed_up: Path) -> None:
    backed_up.unlink()
    for sidecar in backed_up.parent.glob("mine.db-*"):
        sidecar.unlink()
    with pytest.raises(StorageError) as refused:
        Collection.open(backed_up, now=NOW)
    assert "missing" in refused.value.message
    assert "tokendeck restore" in str(refused.value) and "backups" in str(refused.value)
    assert not backed_up.exists()  # nothing was created in its place


def test_an_emptied_collection_with_backups_is_refused(backed_up: Path) -> None:
    backed_up.write_bytes(b"")
    with pytest.raises(StorageError, match="empty"):
        Collection.open(backed_up, now=NOW)
    assert backed_up.stat().st_size == 0


def test_a_file_that_is_not_a_database_is_refused_with_the_backup_to_restore(
    backed_up: Path,
) -> None:
    backed_up.write_bytes(b"these are my shopping notes, not a collection" * 100)
    with pytest.raises(StorageError) as refused:
        Collection.open(backed_up, now=NOW)
    assert "not a TokenDeck collection" in refused.value.message
    assert str(latest_backup(backed_up)) in str(refused.value)


def test_the_cli_says_so_in_one_line(backed_up: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backed_up.write_bytes(b"")
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(backed_up), "--now", NOW.isoformat(), "decks"])
    assert exited.value.code == 1
    assert capsys.readouterr().err.startswith("Error: the collection")


def test_another_collection_in_the_same_folder_starts_fresh(backed_up: Path) -> None:
    other = backed_up.with_name("other.db")
    with Collection.open(other, now=NOW) as col:
        assert not col.is_empty()  # the built-in deck, in a new collection
    assert latest_backup(other) is None and latest_backup(backed_up) is not None


def test_a_first_collection_opens_where_there_are_no_backups(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    path.write_bytes(b"")  # an empty file (touch) is a new collection too
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        assert col.is_empty()


def _daily(folder: Path, day: date) -> Path:
    path = folder / f"tokendeck-backup-{day.isoformat()}.zip"
    path.write_bytes(b"zip")
    return path


def test_backups_are_kept_daily_then_weekly_then_monthly(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    start = date(2025, 1, 1)
    made = [_daily(folder, start + timedelta(days=i)) for i in range(400)]
    other = folder / "tokendeck-manual-2025-01-01T090000.zip"
    other.write_bytes(b"mine")
    rotate(folder, 7)
    left = sorted(p.name for p in folder.glob("tokendeck-backup-*.zip"))
    days = [date.fromisoformat(n.removeprefix("tokendeck-backup-")[:10]) for n in left]
    newest = start + timedelta(days=399)
    assert [p.name for p in made[-7:]] == left[-7:]  # the last week, every day
    assert len(left) == 7 + 4 + 12
    weekly, monthly = days[-11:-7], days[:-11]
    assert len({d.isocalendar()[:2] for d in weekly}) == 4
    assert all(newest - d < timedelta(days=7 * 6) for d in weekly)
    assert len({(d.year, d.month) for d in monthly}) == 12
    assert (newest - min(days)).days > 300  # a copy from most of a year ago survives
    assert other.exists()


def test_a_bad_week_cannot_rotate_every_good_copy_away(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    start = date(2026, 10, 1)
    good = [_daily(folder, start + timedelta(days=i)) for i in range(30)]
    for i in range(30, 40):  # ten days of using a damaged collection
        _daily(folder, start + timedelta(days=i))
        rotate(folder, 7)
    assert sum(p.exists() for p in good) >= 2


def test_a_failed_restore_leaves_no_copy_of_the_unchanged_collection(
    backed_up: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = latest_backup(backed_up)
    assert snapshot is not None
    broken = backed_up.parent / "broken.zip"  # a snapshot whose database is not one
    with zipfile.ZipFile(snapshot) as good, zipfile.ZipFile(broken, "w") as bad:
        bad.writestr(MANIFEST, good.read(MANIFEST))
        bad.writestr(DATABASE, b"not a database" * 100)
    with pytest.raises(SystemExit):
        main(["--db", str(backed_up), "--now", NOW.isoformat(), "restore", str(broken)])
    assert "Error:" in capsys.readouterr().err
    folder = backed_up.parent / "backups"
    assert list(folder.glob("tokendeck-before-restore-*")) == []
    with Collection.open(backed_up, now=NOW, install_builtin=False) as col:
        assert not col.is_empty()
