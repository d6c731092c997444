"""The automatic daily backup as a SQLite snapshot zip: written, checked, restored, refused."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
import zstandard
from test_restore import T0, build_history, data, tables

from tokendeck.backup.snapshot import COMPRESSED_DATABASE, DATABASE, MANIFEST, is_snapshot
from tokendeck.collection import Collection
from tokendeck.errors import ImportFormatError, StorageError, ValidationError
from tokendeck.formats import backup
from tokendeck.storage.migrations import SCHEMA_VERSION

pytestmark = pytest.mark.sqlite_only(
    reason="a snapshot is the SQLite file zipped (a server is backed up with pg_dump)"
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source" / "collection.db"
    build_history(path)
    return path


def auto_backup(path: Path, folder: Path, days: int = 0) -> Path:
    with Collection.open(path, now=T0, install_builtin=False) as col:
        made = col.daily_backup(folder, now=T0 + timedelta(days=days))
    assert made is not None
    return made


@pytest.fixture
def snapshot(source: Path, tmp_path: Path) -> Path:
    return auto_backup(source, tmp_path / "backups")


def mine(tmp_path: Path) -> Path:
    """A small collection of the user's own that a refused restore must leave alone."""
    target = tmp_path / "mine" / "collection.db"
    with Collection.open(target, now=T0, install_builtin=False) as col:
        col.add_note("Mine", "keep me", "please", now=T0)
    return target


def database_of(snapshot: Path) -> bytes:
    """The snapshot's database file, decompressed."""
    with zipfile.ZipFile(snapshot) as archive:
        return (
            zstandard.ZstdDecompressor()
            .decompressobj()
            .decompress(archive.read(COMPRESSED_DATABASE))
        )


def rewrite(snapshot: Path, out: Path, **members: bytes) -> Path:
    """The snapshot with some members replaced (stored, so their bytes are as given).

    A new ``collection.sqlite`` goes in zstd-compressed, as TokenDeck writes it.
    """
    if DATABASE in members:
        members[COMPRESSED_DATABASE] = zstandard.ZstdCompressor().compress(members.pop(DATABASE))
    with zipfile.ZipFile(snapshot) as old, zipfile.ZipFile(out, "w") as new:
        for name in old.namelist():
            new.writestr(name, members.pop(name, None) or old.read(name))
        for name, data in members.items():
            new.writestr(name, data)
    return out


def test_the_auto_backup_is_a_snapshot_zip_with_the_database_and_media(snapshot: Path) -> None:
    assert snapshot.name == "tokendeck-backup-2026-11-02.zip" and is_snapshot(snapshot)
    with zipfile.ZipFile(snapshot) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
        assert archive.getinfo(COMPRESSED_DATABASE).compress_type == zipfile.ZIP_STORED
    assert database_of(snapshot).startswith(b"SQLite format 3\x00")
    assert names == {MANIFEST, COMPRESSED_DATABASE, "media/cell.png"}
    assert manifest["format"] == "tokendeck-snapshot" and manifest["version"] == 1
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["media"] == ["cell.png"]
    assert manifest["created"] == T0.isoformat() and manifest["tokendeck_version"]
    assert [p.name for p in snapshot.parent.iterdir()] == [snapshot.name]  # no partial left
    collection = snapshot.parent.parent / "source" / "collection.db"
    assert snapshot.stat().st_mode == collection.stat().st_mode


def test_restoring_a_snapshot_gives_the_collection_back_row_for_row(
    source: Path, snapshot: Path, tmp_path: Path
) -> None:
    target = tmp_path / "fresh" / "collection.db"
    result = Collection.restore_snapshot(target, snapshot, now=T0 + timedelta(days=30))
    before, after = tables(source), tables(target)
    assert set(before) >= {"users", "settings", "decks", "notes", "cards", "reviews", "attempts"}
    assert after == before and before["attempts"] and before["reviews"]
    assert (result.notes, result.cards, result.reviews, result.media) == (
        len(before["notes"]),
        len(before["cards"]),
        len(before["reviews"]),
        1,
    )
    assert result.exact and result.previous is None
    assert (target.parent / "collection.media" / "cell.png").read_bytes().startswith(b"\x89PNG")
    with Collection.open(target, now=T0, install_builtin=False) as col:
        assert [v.front for v in col.find_cards("mitocondria", now=T0)][:1] == ["la mitocondria"]


def test_restoring_over_a_collection_keeps_the_old_file(
    source: Path, snapshot: Path, tmp_path: Path
) -> None:
    target = mine(tmp_path)
    old = tables(target)
    result = Collection.restore_snapshot(target, snapshot, now=T0 + timedelta(days=1))
    assert tables(target) == tables(source)
    assert result.previous is not None and tables(result.previous) == old


def _refused(target: Path, archive: Path, error: type[Exception], match: str) -> None:
    before = tables(target)
    with pytest.raises(error, match=match) as info:
        Collection.restore_snapshot(target, archive, now=T0)
    assert str(archive) in str(info.value) and "(" in str(info.value)  # a hint follows
    assert tables(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["collection.db"]


def test_a_truncated_snapshot_is_refused_with_the_collection_unchanged(
    snapshot: Path, tmp_path: Path
) -> None:
    cut = tmp_path / "cut.zip"
    cut.write_bytes(snapshot.read_bytes()[: snapshot.stat().st_size // 2])
    _refused(mine(tmp_path), cut, ImportFormatError, "not a readable zip archive")


def test_a_corrupt_member_is_refused(snapshot: Path, tmp_path: Path) -> None:
    data = bytearray(snapshot.read_bytes())
    with zipfile.ZipFile(snapshot) as archive:
        info = archive.getinfo(COMPRESSED_DATABASE)
    middle = info.header_offset + 100 + info.compress_size // 2
    data[middle : middle + 64] = b"\xa5" * 64  # the database no longer matches its CRC
    bad = tmp_path / "flipped.zip"
    bad.write_bytes(bytes(data))
    _refused(mine(tmp_path), bad, ImportFormatError, "'collection.sqlite.zst' is corrupt")


def test_a_snapshot_without_its_database_is_refused(snapshot: Path, tmp_path: Path) -> None:
    bad = tmp_path / "manifest-only.zip"
    with zipfile.ZipFile(snapshot) as old, zipfile.ZipFile(bad, "w") as new:
        new.writestr(MANIFEST, old.read(MANIFEST))
    assert is_snapshot(bad)
    _refused(mine(tmp_path), bad, ImportFormatError, "'collection.sqlite' is missing")


def test_a_database_that_is_not_sqlite_is_refused(snapshot: Path, tmp_path: Path) -> None:
    bad = rewrite(snapshot, tmp_path / "text.zip", **{DATABASE: b"just some text\n" * 500})
    _refused(mine(tmp_path), bad, ImportFormatError, "damaged or not SQLite")


def test_a_damaged_database_fails_the_integrity_check(snapshot: Path, tmp_path: Path) -> None:
    data = bytearray(database_of(snapshot))
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):  # b-tree pages overwritten
        data[start + 8 : start + page] = b"\xa5" * (page - 8)
    bad = rewrite(snapshot, tmp_path / "damaged.zip", **{DATABASE: bytes(data)})
    _refused(mine(tmp_path), bad, ImportFormatError, "damaged or not SQLite")


def test_a_foreign_sqlite_database_is_refused(snapshot: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
    bad = rewrite(snapshot, tmp_path / "foreign.zip", **{DATABASE: foreign.read_bytes()})
    _refused(mine(tmp_path), bad, ImportFormatError, "not a TokenDeck collection")


def _with_database(snapshot: Path, out: Path, change: str) -> Path:
    """The snapshot with its database changed by ``change`` (SQL)."""
    data = database_of(snapshot)
    work = out.with_suffix(".sqlite")
    work.parent.mkdir(parents=True, exist_ok=True)
    work.write_bytes(data)
    with closing(sqlite3.connect(work)) as conn:
        conn.executescript(change)
    return rewrite(snapshot, out, **{DATABASE: work.read_bytes()})


def test_a_snapshot_from_a_newer_tokendeck_is_refused(snapshot: Path, tmp_path: Path) -> None:
    newer = SCHEMA_VERSION + 1
    change = f"INSERT INTO schema_migrations VALUES ({newer}, 'from the future', 0);"
    bad = _with_database(snapshot, tmp_path / "future" / "newer.zip", change)
    _refused(mine(tmp_path), bad, StorageError, f"newer TokenDeck \\(schema {newer}")


def _without_sync_step() -> str:
    """SQL taking step 9 (sync) out of a collection file: its triggers, indexes, tables and
    columns (those of note_types go with the table)."""
    from tokendeck.storage.sync_schema import SYNC_TABLES

    triggers = [
        f"{table}_sync_{what}"
        for table, what in [("notes", "edit"), ("decks", "edit"), ("note_types", "edit"),
                            ("cards", "edit"), ("settings", "put"), ("settings", "edit"),
                            ("notes", "cards_first"), ("notes", "delete"), ("cards", "delete"),
                            ("cards", "reuse"),
                            ("decks", "delete"), ("reviews", "delete")]
    ]  # fmt: skip
    indexes = ["decks_guid", "reviews_uid", "settings_sync", "decks_sync", "notes_sync",
               "cards_sync", "reviews_sync", "reviews_local", "note_types_guid",
               "note_types_sync"]  # fmt: skip
    columns = {
        "settings": ["sync_seq", "sync_origin", "sync_stamp"],
        "decks": ["guid", "sync_seq", "sync_origin", "sync_stamps"],
        "notes": ["sync_seq", "sync_origin", "sync_stamps"],
        "cards": ["sync_seq", "sync_origin", "sync_stamps"],
        "reviews": ["uid", "sync_seq", "sync_origin"],
    }
    sql = "".join(f"DROP TRIGGER {t};" for t in triggers)
    sql += "".join(f"DROP INDEX {i};" for i in indexes)
    sql += "".join(f"DROP TABLE {t};" for t in SYNC_TABLES)
    sql += "".join(f"ALTER TABLE {t} DROP COLUMN {c};" for t, cs in columns.items() for c in cs)
    return sql


def test_an_older_schema_is_migrated_on_restore(
    source: Path, snapshot: Path, tmp_path: Path
) -> None:
    # A file of TokenDeck before step 4: without meta, note types, the study features (flags,
    # custom study), the server's tables, the statistics summary and sync's.
    server_tables = [
        *("subscribed_notes", "subscriptions", "published_notes", "publication_versions"),
        *("publications", "memberships", "classes", "invites", "login_attempts"),
        *("api_tokens", "sessions", "accounts"),
    ]
    change = _without_sync_step()
    change += "".join(f"DROP TABLE {t};" for t in server_tables)
    change += "ALTER TABLE users DROP COLUMN role;"
    change += "DROP TABLE review_slots; DROP TABLE review_days; DROP TABLE review_calendar;"
    change += (
        "DROP INDEX reviews_card; CREATE INDEX reviews_card ON reviews (card_id, reviewed_at);"
    )
    change += (
        "DROP TABLE custom_study; DROP TABLE study_extensions; ALTER TABLE cards DROP COLUMN flag;"
    )
    change += (
        "DROP INDEX notes_note_type; ALTER TABLE notes DROP COLUMN format;"
        " ALTER TABLE notes DROP COLUMN note_type_id; DROP TABLE note_types;"
        " DROP TABLE meta; DELETE FROM schema_migrations WHERE version >= 4;"
    )
    old = _with_database(snapshot, tmp_path / "old" / "older.zip", change)
    target = tmp_path / "fresh" / "collection.db"
    Collection.restore_snapshot(target, old, now=T0)
    assert data(target) == data(source)  # sync's bookkeeping starts afresh: it had none
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (
            SCHEMA_VERSION,
        )
        assert conn.execute("SELECT count(*) FROM meta").fetchone() is not None
        assert conn.execute("SELECT count(*) FROM classes").fetchone() == (0,)


def test_a_snapshot_missing_users_of_the_file_is_refused(snapshot: Path, tmp_path: Path) -> None:
    target = tmp_path / "server" / "collection.db"
    with Collection.open(target, user="ada", now=T0, install_builtin=False) as col:
        col.add_note("Ada", "hers", "not to be replaced", now=T0)
    _refused(target, snapshot, ValidationError, "also holds the collections of ada")


def test_rotation_keeps_seven_and_deletes_only_daily_backups(source: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    others = ["tokendeck-manual-2026-10-01T090000.zip", "tokendeck-backup-2026-10-01.zip.partial"]
    others += ["tokendeck-backup-old.zip", "notes.txt"]
    for name in others:
        (folder / name).write_bytes(b"mine")
    made = [auto_backup(source, folder, days) for days in range(9)]
    daily = sorted(p.name for p in folder.glob("tokendeck-backup-2026-1?-??.zip"))
    assert daily == [p.name for p in made[2:]] and all(is_snapshot(p) for p in made[2:])
    assert all((folder / name).read_bytes() == b"mine" for name in others)


def test_partials_left_by_an_earlier_days_crash_are_removed_todays_kept(
    source: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [".tokendeck-backup-2026-11-01.zip.k3j2.partial"]
    old += [".tokendeck-backup-2026-11-01.zip.a8x1.sqlite.partial"]
    old += [".tokendeck-backup-2026-11-01.zip.a8x1.sqlite.partial-journal"]
    kept = [".tokendeck-backup-2026-11-02.zip.zz91.partial", ".tokendeck-backup-x.zip.1.partial"]
    kept += ["tokendeck-backup-2026-10-01.zip.partial", ".hidden-notes.partial"]
    for name in old + kept:
        (folder / name).write_bytes(b"half")
    auto_backup(source, folder)  # study day 2026-11-02
    left = {p.name for p in folder.iterdir()}
    assert left == {*kept, "tokendeck-backup-2026-11-02.zip"}


def test_an_empty_collection_gets_no_snapshot(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    with Collection.open(empty, now=T0, install_builtin=False) as col:
        assert col.daily_backup(tmp_path / "backups", now=T0) is None
    assert not (tmp_path / "backups").exists()


# -- through the CLI ---------------------------------------------------------------------------
def _cli(capsys: pytest.CaptureFixture[str], db: Path, *args: str, now: str) -> str:
    from tokendeck.cli import main

    try:
        main(["--db", str(db), "--now", now, *args])
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    return capsys.readouterr().out


def test_the_first_change_of_the_day_writes_one_snapshot_that_restores(
    source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = source.parent / "backups"
    day = "2026-12-01T10:00:00Z"
    _cli(capsys, source, "decks", now=day)  # nothing changed: no backup
    assert not folder.exists()
    _cli(capsys, source, "add", "--deck", "Bio", "--front", "first", "--back", "a", now=day)
    expected = tables(source)
    _cli(capsys, source, "add", "--deck", "Bio", "--front", "second", "--back", "b", now=day)
    [made] = folder.iterdir()
    assert made.name == "tokendeck-backup-2026-12-01.zip" and is_snapshot(made)
    out = _cli(capsys, source, "restore", str(made), now="2026-12-01T11:00:00Z")
    assert "Restored" in out and "The previous collection was saved to" in out
    assert tables(source) == expected
    saved = sorted(folder.glob("tokendeck-before-restore-*.zip"))
    assert [is_snapshot(p) for p in saved] == [True]


def test_an_old_json_daily_backup_still_restores(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "backups" / "tokendeck-backup-2026-11-20.zip"
    with Collection.open(source, now=T0, install_builtin=False) as col:
        backup.write_file(col.export_package(full=True), old, now=T0)
    assert not is_snapshot(old)
    target = tmp_path / "elsewhere" / "collection.db"
    out = _cli(capsys, target, "restore", str(old), now="2026-12-01T10:00:00Z")
    assert "Restored" in out and data(target) == data(source)


def test_the_cli_refuses_a_damaged_snapshot_naming_it(
    snapshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokendeck.cli import main

    bad = rewrite(snapshot, tmp_path / "bad.zip", **{DATABASE: b"not sqlite" * 300})
    target = mine(tmp_path)
    before = tables(target)
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", str(target), "--now", "2026-12-01T10:00:00Z", "restore", str(bad)])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and str(bad) in err and "another backup file" in err
    assert tables(target) == before


def test_an_uncompressed_database_member_still_restores(
    source: Path, snapshot: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(snapshot) as old, zipfile.ZipFile(plain, "w") as new:
        for name in old.namelist():
            if name == COMPRESSED_DATABASE:
                new.writestr(DATABASE, database_of(snapshot))
            else:
                new.writestr(name, old.read(name))
    target = tmp_path / "fresh" / "collection.db"
    Collection.restore_snapshot(target, plain, now=T0)
    assert tables(target) == tables(source)


def test_a_file_that_has_not_had_a_middle_step_is_still_judged_ours() -> None:
    # Steps land in any order: a file recording 8 but not 7 is checked against the steps it
    # records; judged against every step, the same file is not as TokenDeck writes it.
    from tokendeck.storage.migrations import LEDGER, MIGRATIONS
    from tokendeck.storage.schema_check import schema_problem
    from tokendeck.storage.sqlite import SQLiteDatabase

    every = frozenset(step.version for step in MIGRATIONS)
    skipped = sorted(every)[-2]
    steps = every - {skipped}
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        db = SQLiteDatabase(conn, ":memory:")
        db.execute(LEDGER)
        for step in MIGRATIONS:
            if step.version in steps:
                step.apply(db)
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    assert schema_problem(rows, steps) is None
    assert schema_problem(rows, every) is not None
