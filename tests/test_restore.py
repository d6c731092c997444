"""Restoring a JSON backup gives an identical collection, row for row, and replaces safely."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.backup.restore import RestoreResult
from tokendeck.collection import Collection
from tokendeck.domain.attempts import Attempt
from tokendeck.errors import ImportFormatError, TokenDeckError, ValidationError
from tokendeck.formats import backup
from tokendeck.transfer.package import MediaFile, NoteRecord, Package

pytestmark = pytest.mark.sqlite_only(
    reason="a restore replaces the collection file (a server restores with pg_restore)"
)

T0 = datetime(2026, 11, 2, 8, 15, 30, 123000, tzinfo=UTC)

#: The restore's own bookkeeping (when migrations ran) and the search index's
#: internals (rebuilt from the notes; compared through a search instead).
NOT_COMPARED = {"schema_migrations", "meta"}


#: What sync keeps of each replica (docs/sync.md), which a JSON backup does not carry: a
#: collection restored from one is a new replica (its first sync sends and receives by
#: identity: note GUIDs, and answers by card, time and rating). Snapshots keep it all.
SYNC_TABLES = {
    "sync_state", "sync_applying", "sync_devices", "sync_tombstones", "sync_orphans",
    "note_history",
}  # fmt: skip
SYNC_COLUMNS = {"sync_seq", "sync_origin", "sync_stamps", "sync_stamp"}
SYNC_NAMES = {"decks": {"guid"}, "note_types": {"guid"}, "reviews": {"uid"}}


def tables(path: Path, *, with_sync: bool = True) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a collection file, in a comparable order (without
    sync's own bookkeeping when ``with_sync`` is False)."""
    with closing(sqlite3.connect(path)) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if r[0] not in NOT_COMPARED
            and not r[0].startswith(("notes_fts", "sqlite_"))
            and (with_sync or r[0] not in SYNC_TABLES)
        ]
        found = {}
        for name in names:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({name})")]
            if not with_sync:
                dropped = SYNC_COLUMNS | SYNC_NAMES.get(name, set())
                columns = [c for c in columns if c not in dropped]
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {name}").fetchall()
            found[name] = sorted(rows, key=repr)
        return found


def data(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """:func:`tables` as a JSON backup carries them (a restore from one compares equal)."""
    return tables(path, with_sync=False)


def build_history(path: Path) -> None:
    """Several decks, settings, media, answers, an undo, a suspension, a burial, a deletion."""
    with Collection.open(path, now=T0) as col:  # the built-in deck, installed
        col.update_settings(rollover_hour=5, timezone="Europe/Berlin")
        col.create_deck("Bio::Cells", now=T0)
        bio = col.deck("Bio::Cells")
        col.update_deck(bio.id, now=T0 + timedelta(minutes=1), description="cells", new_per_day=7)
        cell = col.add_note("Bio::Cells", "cell", "unit of life", now=T0, tags="bio basics",
                            accepted=["cells"])  # fmt: skip
        col.add_note("Español", "la mitocondria", "mitochondrion", now=T0, reverse=True)
        col.add_note("Bio", "The {{c1::nucleus}} holds {{c2::DNA}}", "extra", now=T0, kind="cloze")
        gone = col.add_note("Bio", "deleted later", "but reviewed", now=T0)
        (col.media_dir()).mkdir(parents=True, exist_ok=True)
        (col.media_dir() / "cell.png").write_bytes(b"\x89PNG fake image bytes")
        moment = T0
        for view in col.find_cards(now=T0, order="created")[:25]:
            moment += timedelta(minutes=3, milliseconds=7)
            typed = Attempt("typed", "an answer", 0.83, "close", 3, overridden=True)
            col.answer(view.id, "good", now=moment, duration_ms=4200, attempt=typed)
        col.undo(moment)  # the last answer taken back: its review and attempt go
        [gone_card] = col.cards_of_note(gone.id)
        col.answer(gone_card.id, "easy", now=moment + timedelta(minutes=1))
        col.delete_note(gone.id)  # its reviews stay in the log
        later = moment + timedelta(days=3, hours=1)
        for view in col.find_cards(now=later, due=True)[:5]:
            col.answer(view.id, "again", now=later)
        [cell_card] = col.cards_of_note(cell.id)
        col.suspend([cell_card.id], now=later)
        spanish = [
            c.id for c in col.cards_of_note(col.find_cards("mitocondria", now=later)[0].note.id)
        ]
        col.bury(spanish[:1], now=later)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "source" / "collection.db"
    build_history(path)
    return path


def back_up(path: Path, archive: Path) -> Package:
    with Collection.open(path, now=T0, install_builtin=False) as col:
        backup.write_file(col.export_package(full=True), archive, now=T0)
    return backup.read(archive, source=archive.name)


def test_restore_into_a_fresh_file_compares_equal_table_by_table(
    source: Path, tmp_path: Path
) -> None:
    package = back_up(source, tmp_path / "b.zip")
    target = tmp_path / "fresh" / "collection.db"
    result = Collection.restore(target, package, now=T0 + timedelta(days=30))
    assert isinstance(result, RestoreResult) and result.exact and result.previous is None
    before, after = data(source), data(target)
    assert set(before) >= {"users", "settings", "decks", "notes", "cards", "reviews", "attempts"}
    for name in before:
        assert after[name] == before[name], name
    assert before["attempts"] and before["reviews"] and len(before["decks"]) == 4
    # what the test built is really there: a buried day, a suspension, undo data, orphan history
    cards = before["cards"]
    assert any(row[14] is not None for row in cards) and any(row[13] for row in cards)
    assert any(row[-1] is not None for row in before["reviews"])  # undo data
    card_ids = {row[0] for row in cards}
    assert any(row[2] not in card_ids for row in before["reviews"])  # a deleted card's reviews
    assert result.reviews == len(before["reviews"]) and result.media == 1
    assert (target.parent / "collection.media" / "cell.png").read_bytes().startswith(b"\x89PNG")


def test_restored_collection_searches_studies_and_undoes_like_the_original(
    source: Path, tmp_path: Path
) -> None:
    target = tmp_path / "restored.db"
    Collection.restore(target, back_up(source, tmp_path / "b.zip"), now=T0)
    when = T0 + timedelta(days=4)
    with (
        Collection.open(source, now=when, install_builtin=False) as a,
        Collection.open(target, now=when, install_builtin=False) as b,
    ):
        assert [v.id for v in a.find_cards("ansfor", now=when)] == [
            v.id for v in b.find_cards("ansfor", now=when)
        ]
        assert a.queue_counts(when) == b.queue_counts(when)
        assert a.undo(when) == b.undo(when)  # the undo data came back too


def test_restore_over_an_existing_collection_replaces_it_and_keeps_the_old_file(
    source: Path, tmp_path: Path
) -> None:
    package = back_up(source, tmp_path / "b.zip")
    target = tmp_path / "mine" / "collection.db"
    with Collection.open(target, now=T0, install_builtin=False) as other:
        other.add_note("Other", "only here", "and lost by the restore", now=T0)
        other.media_dir().mkdir()
        (other.media_dir() / "mine.png").write_bytes(b"mine")
    old = tables(target)
    target.chmod(0o640)
    result = Collection.restore(target, package, now=T0 + timedelta(days=1))
    assert data(target) == data(source)
    assert target.stat().st_mode & 0o777 == 0o640  # the replaced file's permissions
    assert (
        result.previous
        == target.parent / "backups" / "collection-before-restore-2026-11-03T081530.db"
    )
    assert tables(result.previous) == old  # nothing of the replaced collection is lost
    leftovers = sorted(p.name for p in target.parent.iterdir())
    assert leftovers == ["backups", "collection.db", "collection.media"]
    # the media folder is replaced too; the old one is kept beside the old file
    assert [p.name for p in (target.parent / "collection.media").iterdir()] == ["cell.png"]
    old_media = result.previous.with_suffix(".media")
    assert [p.name for p in old_media.iterdir()] == ["mine.png"]


def _damaged(archive: Path) -> bytes:
    """The backup with two notes claiming the same id (a restore must refuse it)."""
    with zipfile.ZipFile(archive) as zipped:
        document = json.loads(zipped.read(backup.DOCUMENT))
        media = {n: zipped.read(n) for n in zipped.namelist() if n != backup.DOCUMENT}
    document["notes"][-1]["id"] = document["notes"][0]["id"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr(backup.DOCUMENT, json.dumps(document))
        for name, data in media.items():
            out.writestr(name, data)
    return buffer.getvalue()


def test_a_corrupt_backup_leaves_the_collection_unchanged(source: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.zip"
    back_up(source, archive)
    target = tmp_path / "mine" / "collection.db"
    with Collection.open(target, now=T0, install_builtin=False) as col:
        col.add_note("Mine", "keep me", "please", now=T0)
    before = tables(target)
    bad = backup.read(_damaged(archive), source="bad.zip")
    clash = r"bad.zip: its records contradict each other \(UNIQUE constraint failed: notes.id\)"
    with pytest.raises(ImportFormatError, match=clash):
        Collection.restore(target, bad, now=T0)
    assert tables(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["collection.db"]
    # a truncated archive never gets as far as the collection
    with pytest.raises(ImportFormatError):
        backup.read(archive.read_bytes()[:-200], source="cut.zip")
    assert tables(target) == before


def test_a_backup_without_ids_restores_like_an_import(tmp_path: Path) -> None:
    # Version 1 backups carried no ids: still restored, with new ids, and said so.
    package = Package(notes=[NoteRecord("old", "backup")], settings={"rollover_hour": 6})
    target = tmp_path / "c.db"
    result = Collection.restore(target, package, now=T0)
    assert not result.exact and result.notes == 1
    with Collection.open(target, now=T0, install_builtin=False) as col:
        assert [v.front for v in col.find_cards(now=T0)] == ["old"]
        assert col.settings().rollover_hour == 6


def test_a_version_1_archive_is_still_read(tmp_path: Path) -> None:
    document = {"format": "tokendeck-backup", "version": 1, "notes": [{"front": "a", "back": "b"}]}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr(backup.DOCUMENT, json.dumps(document))
    package = backup.read(buffer.getvalue(), source="v1.zip")
    assert [n.front for n in package.notes] == ["a"] and package.user is None


def test_restore_refuses_a_file_shared_with_other_users(source: Path, tmp_path: Path) -> None:
    package = back_up(source, tmp_path / "b.zip")
    target = tmp_path / "server.db"
    with Collection.open(target, user="ada", now=T0, install_builtin=False) as col:
        col.add_note("Ada", "hers", "not to be replaced", now=T0)
    before = tables(target)
    with pytest.raises(ValidationError, match="also holds the collections of ada") as info:
        Collection.restore(target, package, now=T0)
    assert isinstance(info.value, TokenDeckError) and "--db" in str(info.value)
    assert tables(target) == before


def _cli(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> str:
    from tokendeck.cli import main

    try:
        main(["--db", str(db), "--now", "2026-12-01T10:00:00Z", *args])
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    return capsys.readouterr().out


def test_cli_backup_then_restore_over_the_collection_is_identical(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "b.zip"
    _cli(capsys, source, "backup", "-o", str(archive))
    before = data(source)
    cards = _cli(capsys, source, "cards", "--json")
    _cli(capsys, source, "add", "--deck", "Bio", "--front", "added later", "--back", "lost")
    out = _cli(capsys, source, "restore", str(archive))
    assert "Restored 20 note(s), 22 card(s)" in out
    assert "The previous collection was saved to" in out
    assert data(source) == before
    assert _cli(capsys, source, "cards", "--json") == cards
    kept = sorted(p.name for p in (source.parent / "backups").iterdir())
    assert "collection-before-restore-2026-12-01T100000.db" in kept


def test_cli_restores_over_a_damaged_collection_and_keeps_it(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "b.zip"
    _cli(capsys, source, "backup", "-o", str(archive))
    target = tmp_path / "broken" / "collection.db"
    target.parent.mkdir()
    target.write_bytes(b"this is not a database" * 100)
    out = _cli(capsys, target, "restore", str(archive))
    assert "The replaced database file was kept as" in out
    assert data(target) == data(source)
    kept = target.parent / "backups" / "collection-before-restore-2026-12-01T100000.db"
    assert kept.read_bytes() == b"this is not a database" * 100


def test_a_bad_media_file_leaves_no_trace(source: Path, tmp_path: Path) -> None:
    package = back_up(source, tmp_path / "b.zip")
    package.media.append(MediaFile(".hidden", b"x"))  # refused only once the rows are written
    target = tmp_path / "mine" / "collection.db"
    with Collection.open(target, now=T0, install_builtin=False) as col:
        col.add_note("Mine", "keep me", "please", now=T0)
    before = tables(target)
    with pytest.raises(ImportFormatError, match="unsafe media file name"):
        Collection.restore(target, package, now=T0)
    assert tables(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["collection.db"]


def test_a_large_restore_indexes_in_bulk_and_still_searches(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large restores (2,000+ notes) defer the search index; a tiny threshold takes that path.
    from tokendeck.storage import search as search_index

    monkeypatch.setattr(search_index, "BULK_THRESHOLD", 2)
    target = tmp_path / "bulk.db"
    Collection.restore(target, back_up(source, tmp_path / "b.zip"), now=T0)
    assert data(target) == data(source)
    with Collection.open(source, now=T0, install_builtin=False) as col:
        expected = [v.id for v in col.find_cards("ansfor", now=T0)]
    with Collection.open(target, now=T0, install_builtin=False) as col:
        assert [v.id for v in col.find_cards("ansfor", now=T0)] == expected
        note = col.find_cards("mitocondria", now=T0)[0].note
        col.edit_note(note.id, now=T0, front="la mitocondria (f)")
        assert col.find_cards("(f)", now=T0)[0].note.id == note.id
