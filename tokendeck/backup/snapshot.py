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

from tokendeck.errors import ImportFormatError, TooLargeError, ValidationError
from tokendeck.storage import Store
from tokendeck.storage.snapshot import SnapshotInfo, check_snapshot, write_snapshot

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
#: What an archive may expand to; more is refused as a likely zip bomb.
MAX_TOTAL_BYTES = 16 << 30
_CHUNK = 1 << 20


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
def restore_snapshot(path: Path, archive_path: Path, *, now: datetime) -> RestoreResult:
    """Replace the collection file at ``path`` with the snapshot in ``archive_path``.

    Refuses (changing nothing) a damaged, foreign or newer snapshot, and a
    collection file holding users the snapshot does not.
    """
    from tokendeck.backup import restore as restoring

    path, source = Path(path), str(archive_path)
    partial = restoring.temporary_beside(path)
    staged: Path | None = None
    try:
        with _open(archive_path, source) as archive:
            _check_manifest(archive, source)
            budget = _Budget(source)
            with partial.open("wb") as out:
                budget.copy_database(archive, out)
            info = check_snapshot(partial, source=source)
            if path.exists():
                _refuse_other_users(path, info, source)
            counts = _migrate_and_count(partial)
            media = _media(archive, budget, source)
        staged = restoring.stage_media(path, media)
    except BaseException:
        restoring.remove_with_sidecars(partial)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    previous = restoring.swap_in(partial, path, now)
    restoring.swap_media(staged, path, now)
    return restoring.RestoreResult(*counts, len(media), previous, True)


def _open(archive_path: Path, source: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive_path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFormatError(
            f"not a readable zip archive ({exc})",
            path=source,
            hint="the backup is damaged; use another backup file",
        ) from None


def _check_manifest(archive: zipfile.ZipFile, source: str) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError) as exc:
        raise ImportFormatError(
            f"{MANIFEST} is missing or unreadable ({exc})",
            path=source,
            hint="the backup is damaged; use another backup file",
        ) from None
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


def _migrate_and_count(partial: Path) -> tuple[int, int, int]:
    """Bring an older snapshot's schema up to date; the rows it holds."""
    from tokendeck.storage import open_database
    from tokendeck.storage.search import ensure_current
    from tokendeck.storage.snapshot import row_counts

    db = open_database(partial)  # migrates
    try:
        ensure_current(db)
        return row_counts(db)
    finally:
        db.close()


def _media(archive: zipfile.ZipFile, budget: _Budget, source: str) -> list[MediaFile]:
    from tokendeck.transfer.importing import safe_media_name
    from tokendeck.transfer.package import MediaFile

    files = []
    for info in archive.infolist():
        if info.filename.startswith("media/") and not info.is_dir():
            name = safe_media_name(info.filename.removeprefix("media/"))
            files.append(MediaFile(name, budget.read(archive, info.filename)))
    return files


class _Budget:
    """Counts bytes actually decompressed, so a lying zip header cannot fill the disk."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.used = 0

    def copy_database(self, archive: zipfile.ZipFile, out: IO[bytes]) -> None:
        """Stream the database into ``out``, decompressing it if it was written compressed."""
        if COMPRESSED_DATABASE in archive.namelist():
            self.copy(archive, COMPRESSED_DATABASE, out, zstd=True)
        else:
            self.copy(archive, DATABASE, out)

    def copy(
        self, archive: zipfile.ZipFile, name: str, out: IO[bytes], *, zstd: bool = False
    ) -> None:
        """Stream one member into ``out`` (``zstd``: the member is one zstd stream)."""
        import zstandard

        try:
            with archive.open(name) as member:
                stream = zstandard.ZstdDecompressor().stream_reader(member) if zstd else member
                while chunk := stream.read(_CHUNK):
                    self.used += len(chunk)
                    if self.used > MAX_TOTAL_BYTES:
                        raise TooLargeError(
                            f"{self.source}: {name!r} takes the snapshot over "
                            f"{MAX_TOTAL_BYTES >> 30} GiB when decompressed; refusing a likely "
                            "zip bomb",
                            hint="a genuine backup this large must be restored by hand",
                        )
                    out.write(chunk)
        except KeyError:
            raise ImportFormatError(
                f"{name!r} is missing from the archive",
                path=self.source,
                hint="this is not a complete TokenDeck snapshot; use another backup file",
            ) from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, zstandard.ZstdError) as exc:
            raise ImportFormatError(
                f"{name!r} is corrupt ({exc})",
                path=self.source,
                hint="the backup is damaged; use another backup file",
            ) from None

    def read(self, archive: zipfile.ZipFile, name: str) -> bytes:
        """One member's bytes."""
        import io

        buffer = io.BytesIO()
        self.copy(archive, name, buffer)
        return buffer.getvalue()
