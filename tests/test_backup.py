"""JSON backup: exact round trips through a collection, bad archives, daily rotation."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.errors import ImportFormatError, TooLargeError
from tokendeck.formats import backup
from tokendeck.formats.options import ReadOptions
from tokendeck.transfer.package import (
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    Package,
    ReviewRecord,
)
from tokendeck.untrusted.budget import ReadLimits

T0 = datetime(2026, 10, 1, 9, 30, 15, 123000, tzinfo=UTC)


def history_package() -> Package:
    """Notes of every kind, with scheduling state, review history, deck options and media."""
    reviews = [
        ReviewRecord(T0, 3, 4200, "learn", 0.0, "new", "learning", 2.3, 5.1),
        ReviewRecord(T0 + timedelta(days=1), 1, 900, "review", 3.0, "review", "relearning"),
    ]
    reviewed = CardRecord(
        ordinal=0,
        deck="Bio::Cells",
        state="review",
        due=T0 + timedelta(days=9),
        stability=8.25,
        difficulty=6.5,
        last_review=T0 + timedelta(days=1),
        reps=2,
        lapses=1,
        reviews=reviews,
    )
    return Package(
        notes=[
            NoteRecord("cell", 'the <b>unit</b> of "life"\nline 2', deck="Bio::Cells", guid="g-1",
                       tags=["bio", "basics"], accepted=["cells"], cards=[reviewed]),
            NoteRecord("la mitocondria", "mitochondrion", deck="Español", kind="basic_reversed",
                       guid="g-2", source="notes.txt", source_note="p. 4"),
            NoteRecord("The {{c1::nucleus}} holds {{c2::DNA}}", "", deck="Bio", kind="cloze",
                       guid="g-3"),
            NoteRecord("type me", "typed", deck="Bio", kind="type_in", guid="g-4",
                       cards=[CardRecord(ordinal=0, deck="Bio", suspended=True, due=T0)]),
        ],
        decks=[DeckRecord("Bio::Cells", "Cells deck", {"new_per_day": 7})],
        media=[MediaFile("cell.png", b"\x89PNG fake image bytes")],
        settings={"rollover_hour": 5, "timezone": "Europe/Berlin"},
    )  # fmt: skip


def essence(package: Package) -> dict[str, object]:
    """Everything a backup must keep, in a comparable form."""
    notes = [replace(n, source=n.source, line=None) for n in package.notes]
    return {
        "notes": backup._to_json(notes),
        "decks": sorted((d.name, d.description, sorted(d.options.items())) for d in package.decks),
        "media": sorted((m.name, m.data) for m in package.media),
        "settings": package.settings,
    }


@pytest.fixture
def filled(col: Collection, now: datetime) -> Collection:
    result = col.import_package(history_package(), now=now, mode="duplicate")
    assert result.added == 4
    return col


def test_archive_round_trips_the_package_exactly() -> None:
    package = history_package()
    again = backup.read(backup.write(package, now=T0), source="b.zip")
    assert essence(again) == essence(package)


def test_document_is_versioned_json_with_media_beside_it() -> None:
    data = backup.write(history_package(), now=T0)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        document = json.loads(archive.read(backup.DOCUMENT))
    assert names == {backup.DOCUMENT, "media/cell.png"}
    assert (document["format"], document["version"], document["created"]) == (
        "tokendeck-backup",
        2,
        T0.isoformat(),
    )
    assert document["notes"][0]["cards"][0]["reviews"][0]["reviewed_at"] == T0.isoformat()
    assert document["media"][0]["file"] == "media/cell.png"


def test_restore_gives_an_identical_collection(
    filled: Collection, tmp_path: Path, now: datetime
) -> None:
    before = filled.export_package(full=True)
    archive = tmp_path / "backup.zip"
    backup.write_file(before, archive, now=now)
    target = tmp_path / "restored.db"
    Collection.restore(target, backup.read(archive, source=str(archive)), now=now)
    with Collection.open(target, now=now, install_builtin=False) as restored:
        after = restored.export_package(full=True)
        assert restored.settings().rollover_hour == 5
    assert essence(after) == essence(before)
    assert len([r for n in after.notes for c in n.cards for r in c.reviews]) == 2


def test_restore_replaces_an_existing_collection(
    filled: Collection, db_path: Path, tmp_path: Path, now: datetime
) -> None:
    small = Package(notes=[NoteRecord("only", "this")])
    target = tmp_path / "other.db"
    with Collection.open(target, now=now, install_builtin=False) as other:
        other.import_package(history_package(), now=now)
    Collection.restore(target, small, now=now)
    with Collection.open(target, now=now, install_builtin=False) as restored:
        assert [n.front for n in restored.export_package().notes] == ["only"]


def test_a_failed_restore_leaves_the_old_collection(tmp_path: Path, now: datetime) -> None:
    target = tmp_path / "keep.db"
    with Collection.open(target, now=now, install_builtin=False) as col:
        col.import_package(Package(notes=[NoteRecord("kept", "yes")]), now=now)
    broken = Package(notes=[NoteRecord("bad", "kind", kind="nonsense")])
    with pytest.raises(ImportFormatError):
        Collection.restore(target, broken, now=now)
    with Collection.open(target, now=now, install_builtin=False) as col:
        assert [n.front for n in col.export_package().notes] == ["kept"]
    assert sorted(p.name for p in tmp_path.iterdir() if "restoring" in p.name) == []


# --- bad archives ----------------------------------------------------------------------------


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def document(**changes: object) -> bytes:
    base: dict[str, object] = {"format": "tokendeck-backup", "version": 1, "notes": []}
    base.update(changes)
    return json.dumps(base).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip at all", "not a readable zip archive"),
        (zip_bytes({"other.txt": b"x"}), "'tokendeck-backup.json' is missing"),
        (zip_bytes({backup.DOCUMENT: b"{nope"}), "is not valid JSON"),
        (zip_bytes({backup.DOCUMENT: b'{"format": "x"}'}), "not a TokenDeck backup"),
        (zip_bytes({backup.DOCUMENT: document(version=99)}), "version 99 is newer"),
        (
            zip_bytes({backup.DOCUMENT: document(notes=[{"front": "a", "back": 3}])}),
            r"notes\[0\]\.back: expected str, found 3",
        ),
        (
            zip_bytes({backup.DOCUMENT: document(notes=[{"back": "b"}])}),
            r"notes\[0\]: is incomplete",
        ),
        (
            zip_bytes(
                {
                    backup.DOCUMENT: document(
                        notes=[{"front": "a", "back": "b", "cards": [{"due": "tomorrow"}]}]
                    )
                }
            ),
            r"notes\[0\]\.cards\[0\]\.due: expected an ISO-8601 time",
        ),
        (
            zip_bytes({backup.DOCUMENT: document(media=[{"name": "../../etc/passwd"}])}),
            "unsafe media file name",
        ),
        (
            zip_bytes(
                {
                    backup.DOCUMENT: document(media=[{"name": "a.png", "sha256": "00"}]),
                    "media/a.png": b"png",
                }
            ),
            "does not match its checksum",
        ),
    ],
)
def test_bad_backups_are_refused_naming_the_problem(data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message) as info:
        backup.read(data, source="bad.zip")
    assert str(info.value).startswith("bad.zip")


def test_zip_bomb_is_refused() -> None:
    # A small limit stands in for the real 8 GiB one; the counting is what is tested.
    limits = ReadOptions(limits=ReadLimits(max_total_bytes=1 << 20, max_member_bytes=4 << 20))
    bomb = zip_bytes({backup.DOCUMENT: b" " * (2 << 20)})
    with pytest.raises(TooLargeError, match="zip bomb"):
        backup.read(bomb, source="bomb.zip", options=limits)


# --- automatic daily backups --------------------------------------------------------------


@pytest.mark.sqlite_only(reason="the daily backup is a snapshot of the SQLite file")
def test_auto_backup_once_a_day_and_keeps_the_newest(
    filled: Collection, tmp_path: Path, now: datetime
) -> None:
    folder = tmp_path / "backups"
    (folder).mkdir()
    (folder / "unrelated.zip").write_bytes(b"mine")
    made = [filled.daily_backup(folder, now=now + timedelta(days=d), keep=3) for d in range(5)]
    assert all(made)
    assert filled.daily_backup(folder, now=now + timedelta(days=4, hours=1), keep=3) is None
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "tokendeck-backup-2026-11-29.zip",
        "tokendeck-backup-2026-11-30.zip",
        "tokendeck-backup-2026-12-01.zip",
        "unrelated.zip",
    ]
    # the daily backup is a snapshot of the database (tests/test_snapshots.py), not JSON
    restored = Collection.restore_snapshot(tmp_path / "restored.db", folder / names[2], now=now)
    assert restored.notes == 4


def test_empty_collection_is_not_backed_up(col: Collection, tmp_path: Path, now: datetime) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    assert col.daily_backup(folder, now=now) is None
    assert list(folder.iterdir()) == []
