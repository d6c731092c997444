"""Bad and hostile Anki packages are refused with errors that say what and where."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("anki")

from anki_fixtures import build_sample, export_apkg

from tokendeck.errors import ImportFormatError, TooLargeError
from tokendeck.formats.anki import Limits, read

pytestmark = pytest.mark.anki


@pytest.fixture(scope="module")
def legacy_apkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("errors")
    col, _ = build_sample(folder)
    target = export_apkg(col, folder / "legacy.apkg", legacy=True)
    col.close()
    return target


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _zip(members: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _tamper(legacy_apkg: Path, tmp_path: Path, sql: str) -> Path:
    """A copy of the package whose collection had ``sql`` run on it."""
    members = _members(legacy_apkg)
    db = tmp_path / "collection.anki21"
    db.write_bytes(members["collection.anki21"])
    with sqlite3.connect(db) as conn:
        conn.execute(sql)
    members["collection.anki21"] = db.read_bytes()
    return _zip(members, tmp_path / "tampered.apkg")


def test_corrupt_zip(tmp_path: Path) -> None:
    bad = tmp_path / "deck.apkg"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip file")
    with pytest.raises(ImportFormatError, match=r"deck\.apkg: not a readable zip archive"):
        read(bad, source=str(bad))


def test_truncated_package(legacy_apkg: Path, tmp_path: Path) -> None:
    data = legacy_apkg.read_bytes()
    with pytest.raises(ImportFormatError, match=r"cut\.apkg"):
        read(data[: len(data) // 2], source="cut.apkg")


def test_zip_that_is_not_an_anki_package(tmp_path: Path) -> None:
    path = _zip({"notes.txt": b"hello"}, tmp_path / "other.zip")
    with pytest.raises(ImportFormatError, match=r"not an Anki package.*collection\.anki21b"):
        read(path, source="other.zip")


def test_collection_that_is_not_sqlite(tmp_path: Path) -> None:
    path = _zip({"collection.anki21": b"just text, no database"}, tmp_path / "fake.apkg")
    with pytest.raises(
        ImportFormatError, match=r"member collection\.anki21: not an Anki collection"
    ):
        read(path, source="fake.apkg")


def test_missing_newer_collection(legacy_apkg: Path, tmp_path: Path) -> None:
    members = _members(legacy_apkg)
    members["meta"] = b"\x08\x03"  # says anki21b, which is absent
    path = _zip(members, tmp_path / "missing.apkg")
    with pytest.raises(ImportFormatError, match=r"collection\.anki21b is missing"):
        read(path, source="missing.apkg")


def test_package_from_a_newer_anki(legacy_apkg: Path, tmp_path: Path) -> None:
    members = _members(legacy_apkg)
    members["meta"] = b"\x08\x09"
    path = _zip(members, tmp_path / "future.apkg")
    with pytest.raises(ImportFormatError, match=r"newer Anki"):
        read(path, source="future.apkg")


def test_unknown_note_type(legacy_apkg: Path, tmp_path: Path) -> None:
    path = _tamper(
        legacy_apkg, tmp_path, "UPDATE notes SET mid = 42 WHERE id = (SELECT min(id) FROM notes)"
    )
    with pytest.raises(ImportFormatError, match=r"tampered.apkg, note \d+: uses note type id 42"):
        read(path, source=str(path))


def test_collection_without_tables(legacy_apkg: Path, tmp_path: Path) -> None:
    path = _tamper(legacy_apkg, tmp_path, "DROP TABLE notes")
    with pytest.raises(
        ImportFormatError, match=r"not a readable Anki database.*no such table: notes"
    ):
        read(path, source="t.apkg")


def test_sql_in_field_values_is_only_data(legacy_apkg: Path, tmp_path: Path) -> None:
    evil = "x'); DROP TABLE notes; --"
    path = _tamper(
        legacy_apkg, tmp_path, f"UPDATE notes SET tags = ' {evil.replace(chr(39), chr(39) * 2)} '"
    )
    package = read(path, source="t.apkg")
    assert all("DROP" in " ".join(n.tags) for n in package.notes)


@pytest.mark.parametrize(
    "name", ["../evil.sh", "/etc/passwd", "a/b.png", "..", "c:\\x.png", "bad\x00.png"]
)
def test_media_names_cannot_escape(legacy_apkg: Path, tmp_path: Path, name: str) -> None:
    members = _members(legacy_apkg)
    members["media"] = json.dumps({"0": name}).encode()
    path = _zip(members, tmp_path / "escape.apkg")
    with pytest.raises(ImportFormatError, match=r"media map.*not a plain file name"):
        read(path, source="escape.apkg")


def test_corrupt_media_map(legacy_apkg: Path, tmp_path: Path) -> None:
    members = _members(legacy_apkg)
    members["media"] = b"{not json"
    path = _zip(members, tmp_path / "media.apkg")
    with pytest.raises(ImportFormatError, match=r"media map is not JSON"):
        read(path, source="media.apkg")


def test_zip_bomb_is_refused_by_ratio(legacy_apkg: Path, tmp_path: Path) -> None:
    members = _members(legacy_apkg)
    members["0"] = bytes(64 << 20)  # 64 MiB of zeros deflate ~1000:1
    path = _zip(members, tmp_path / "bomb.apkg")
    assert path.stat().st_size < 1 << 20
    with pytest.raises(TooLargeError, match=r"zip bomb"):
        read(path, source="bomb.apkg")


def test_total_size_limit(legacy_apkg: Path) -> None:
    with pytest.raises(TooLargeError, match=r"over 0 MiB"):
        read(legacy_apkg, source="x.apkg", limits=Limits(max_total_bytes=1000))


def test_zip_bomb_in_zstd_member(tmp_path: Path) -> None:
    import zstandard

    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(64 << 20))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("meta", b"\x08\x03")
        zf.writestr("collection.anki21b", bomb)
    with pytest.raises(TooLargeError, match=r"collection\.anki21b"):
        read(buffer.getvalue(), source="bomb.apkg")


def test_corrupt_zstd_member(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("meta", b"\x08\x03")
        zf.writestr("collection.anki21b", b"\x28\xb5\x2f\xfd garbage")
    with pytest.raises(ImportFormatError, match=r"collection\.anki21b' is corrupt"):
        read(buffer.getvalue(), source="z.apkg")


@pytest.mark.parametrize("member", ["collection.anki21", "collection.anki2"])
def test_packages_from_before_the_meta_member(
    legacy_apkg: Path, tmp_path: Path, member: str
) -> None:
    """Anki 2.0 and early 2.1 wrote no ``meta``: the collection member name decides."""
    members = _members(legacy_apkg)
    collection = members.pop("collection.anki21")
    del members["meta"], members["collection.anki2"]
    members[member] = collection
    package = read(_zip(members, tmp_path / "old.apkg"), source="old.apkg")
    assert len(package.notes) == 7
    assert {m.name for m in package.media} == {"cat.png", "miaou.mp3"}
