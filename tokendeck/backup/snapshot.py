"""Snapshot backups: the collection's SQLite file itself, zipped with its media.

The automatic daily backup is a snapshot, not the JSON backup: converting a
large collection to JSON row by row took ~40 s and 1.6 GB at 100,000 cards,
while copying the database file with ``VACUUM INTO`` takes about a second
(see :mod:`tokendeck.storage.snapshot`). The archive (documented in
docs/formats.md) holds::

    snapshot.json        {"format": "tokendeck-snapshot", "version": 1, "created",
                          "tokendeck_version", "schema_version", "media": [names]}
    collection.sqlite.zst  the whole database file (every user in it), zstd-compressed
                           (``collection.sqlite``, uncompressed, is read too)
    media/<name>         the media folder's files

Restoring one (:func:`restore_snapshot`) checks the database read-only,
migrates an older schema and swaps it in with the same crash-safe steps as a
JSON restore (:mod:`tokendeck.backup.restore`): the old file and media folder are
kept under ``backups/``, and anything that fails before the final rename
leaves the collection untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.storage import Store
from tokendeck.storage.snapshot import SnapshotInfo, check_snapshot, write_snapshot
from tokendeck.untrusted.budget import Budget, ReadLimits
from tokendeck.untrusted.guard import reading
from tokendeck.untrusted.jsondoc import load_json
from tokendeck.untrusted.names import media_name_problem, shown
from tokendeck.untrusted.zips import SafeZip

if TYPE_CHECKING:
    from tokendeck.backup.restore import RestoreResult
    from tokendeck.transfer.package import MediaFile

FORMAT = "tokendeck-snapshot"
VERSION = 1
MANIFEST = "snapshot.json"
DATABASE = "collection.sqlite"
#: The database as written: one zstd stream in a stored zip member. Measured on
#: the 100,000-card / 1M-review collection (185 MB): zstd level 1 on both cores
#: 0.73 s -> 83 MiB; zip's deflate level 1 3.9 s -> 84 MB; stored 180 MB. VACUUM
#: INTO itself is ~1.6 s there (benchmarks/bench_backup.py; docs/formats.md).
COMPRESSED_DATABASE = DATABASE + ".zst"
ZSTD_LEVEL = 1
#: What reading a snapshot may cost: a whole collection file may be large (16 GiB
#: at most), but it expands no more than any other archive (zstd level 1 on a
#: collection is about 2.2x).
LIMITS = ReadLimits(max_total_bytes=16 << 30, max_member_bytes=16 << 30)
_HINT = "the backup is damaged; use another backup file"


# -- writing ---------------------------------------------------------------------------------
def write_archive(
    store: Store, media_dir: Path, path: Path, *, now: datetime, compress: bool = True
) -> None:
    """Write a snapshot of ``store``'s database and ``media_dir`` to ``path`` atomically.

    A crash leaves the old file.

    ``compress=False`` stores the database as it is: a little faster to write,
    about twice the size (the benchmark's comparison).
    """
    from tokendeck.storage.migrations import current_version
    from tokendeck.version import __version__

    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique names: two commands finishing at once must not write into each
    # other's files (VACUUM INTO accepts an empty file).
    partial, database = _temporary(path, ".partial"), _temporary(path, ".sqlite.partial")
    media = _media_files(media_dir)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": now.isoformat(),
        "tokendeck_version": __version__,
        "schema_version": current_version(store.db),
        "media": [p.name for p in media],
        # which collection file of the folder this is a snapshot of (several may share it)
        "collection": Path(store.location).name,
    }
    try:
        write_snapshot(store.db, database)
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            if compress:
                _write_compressed(archive, database, COMPRESSED_DATABASE)
            else:
                archive.write(database, DATABASE)
            for file in media:
                archive.write(file, f"media/{file.name}")
        shutil.copymode(store.location, partial)  # as private as the collection, not 0600
        os.replace(partial, path)
    finally:
        database.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)


def _write_compressed(archive: zipfile.ZipFile, file: Path, name: str) -> None:
    import zstandard

    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=-1)
    with archive.open(name, "w", force_zip64=True) as out, file.open("rb") as source:
        compressor.copy_stream(source, out)


def _temporary(path: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    return Path(name)


def _media_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]


# -- recognising -----------------------------------------------------------------------------
def snapshot_of(file: Path) -> str | None:
    """The name of the collection file a snapshot was taken of (None: unknown or not one)."""
    try:
        with zipfile.ZipFile(file) as archive:
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        return None
    name = manifest.get("collection") if isinstance(manifest, dict) else None
    return name if isinstance(name, str) else None


def is_snapshot(file: Path) -> bool:
    """Whether ``file`` is a snapshot archive, judged by its contents (not its name)."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return False
    # The manifest alone decides: a snapshot missing its database is then
    # refused as a damaged snapshot, not as "not a JSON backup".
    return MANIFEST in names


# -- restoring -------------------------------------------------------------------------------
def restore_snapshot(
    path: Path, archive_path: Path, *, now: datetime, limits: ReadLimits | None = None
) -> RestoreResult:
    """Replace the collection file at ``path`` with the snapshot in ``archive_path``.

    Refuses (changing nothing) a damaged, foreign, tampered or newer snapshot,
    and a collection file holding users the snapshot does not. The archive is
    read within ``limits`` (:data:`LIMITS` by default), so a bomb is refused
    before it fills the disk.
    """
    from tokendeck.storage.locks import exclusive_use

    with exclusive_use(Path(path)):  # nothing may have the old file open while it is replaced
        return _restore_snapshot(Path(path), archive_path, now=now, limits=limits)


def _restore_snapshot(
    path: Path, archive_path: Path, *, now: datetime, limits: ReadLimits | None
) -> RestoreResult:
    from tokendeck.backup import restore as restoring

    source = str(archive_path)
    budget = Budget(limits or LIMITS, source=source)
    partial = restoring.temporary_beside(path)
    staged: Path | None = None
    try:
        with (
            reading(source, hint=_HINT),
            SafeZip(archive_path, budget=budget, hint=_HINT) as archive,
        ):
            _check_manifest(archive, source)
            with partial.open("wb") as out:
                _copy_database(archive, out)
            info = check_snapshot(partial, source=source, budget=budget)
            if path.exists():
                _refuse_other_users(path, info, source)
            counts = _migrate_and_count(partial, source)
            media = _media(archive, source)
        staged = restoring.stage_media(path, media)
    except BaseException:
        restoring.remove_with_sidecars(partial)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    previous = restoring.swap_in(partial, path, now)
    restoring.swap_media(staged, path, now)
    return restoring.RestoreResult(*counts, len(media), previous, True)


def _copy_database(archive: SafeZip, out: IO[bytes]) -> None:
    """Stream the database into ``out``, decompressing it if it was written compressed."""
    if archive.has(COMPRESSED_DATABASE):
        archive.copy(COMPRESSED_DATABASE, out, zstd=True)
    else:
        archive.copy(DATABASE, out)


def _check_manifest(archive: SafeZip, source: str) -> dict[str, Any]:
    if not archive.has(MANIFEST):
        raise ImportFormatError(f"{MANIFEST} is missing", path=source, hint=_HINT)
    manifest = load_json(archive.read(MANIFEST), source=source, what=MANIFEST, hint=_HINT)
    from tokendeck.formats.backup import check_header

    return check_header(
        manifest,
        expected=(FORMAT, VERSION),
        what="snapshot",
        source=source,
        hint="restore a file made by TokenDeck",
    )


def _refuse_other_users(path: Path, info: SnapshotInfo, source: str) -> None:
    """A snapshot replaces the whole file: users it does not hold would be lost."""
    from tokendeck.errors import StorageError
    from tokendeck.storage import open_database
    from tokendeck.storage.backup import other_users_with_data

    try:
        db = open_database(path)
    except StorageError:
        return  # a damaged collection is what restores are for: it is kept, then replaced
    try:
        others = set(other_users_with_data(db, "")) - set(info.users)
    finally:
        db.close()
    if others:
        raise ValidationError(
            f"{path} also holds the collections of {', '.join(sorted(others))}, which the "
            f"snapshot {source} does not; a restore replaces the whole file",
            hint="restore into a new collection file, then move the notes over",
            cli_hint="restore into a new file with --db, then move the notes over",
        )


def _migrate_and_count(partial: Path, source: str) -> tuple[int, int, int]:
    """Bring an older snapshot's schema up to date, check its data; the rows it holds."""
    from tokendeck.storage import open_database
    from tokendeck.storage.search import ensure_current
    from tokendeck.storage.snapshot import row_counts
    from tokendeck.storage.snapshot_data import data_problem

    db = open_database(partial)  # migrates
    try:
        problem = data_problem(db)
        if problem:
            raise ImportFormatError(
                f"the collection inside holds data TokenDeck did not write: {problem}",
                path=source,
                hint=_HINT,
            )
        ensure_current(db)
        return row_counts(db)
    finally:
        db.close()


def _media(archive: SafeZip, source: str) -> list[MediaFile]:
    from tokendeck.transfer.package import MediaFile

    files = []
    for member in archive.names():
        if member.startswith("media/") and not member.endswith("/"):
            name = member.removeprefix("media/")
            problem = media_name_problem(name)
            if problem:
                raise ImportFormatError(
                    f"media file name {shown(name)} {problem}", path=source, hint=_HINT
                )
            files.append(MediaFile(name, archive.read(member)))
    return files
