"""The automatic daily backup: one snapshot a study day, rotated, beside the collection.

The first command of a study day that changes the collection writes
``backups/tokendeck-backup-YYYY-MM-DD.zip`` (a snapshot: the database file and
its media, see :mod:`tokendeck.backup.snapshot`) and keeps the newest few.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from tokendeck.backup.snapshot import write_archive
from tokendeck.domain.days import Calendar
from tokendeck.storage import Store

AUTO_PREFIX = "tokendeck-backup-"


def backup_dir(collection_path: Path) -> Path:
    """Where backups of a collection file go by default: ``backups/`` beside it."""
    return Path(collection_path).resolve().parent / "backups"


def timestamped_name(now: datetime, label: str = "manual") -> str:
    """A backup file name that sorts by time and never matches the daily rotation."""
    return f"tokendeck-{label}-{now.strftime('%Y-%m-%dT%H%M%S')}.zip"


def maybe_auto_backup(
    store: Store, calendar: Calendar, media_dir: Path, now: datetime, directory: Path, keep: int = 7
) -> Path | None:
    """Write today's backup into ``directory`` unless there is one; keep the newest ``keep``.

    The daily backup is a SQLite snapshot (:mod:`tokendeck.backup.snapshot`), which
    costs about a second where the JSON backup took tens of seconds on a large
    collection; ``tokendeck backup`` still writes the portable JSON
    (:mod:`tokendeck.formats.backup`).
    Returns the new file, or ``None`` when today's backup exists, the
    collection is on a PostgreSQL server (backed up there as a whole), or the
    collection is empty (an empty backup must never rotate a real one away).
    Only files named ``tokendeck-backup-YYYY-MM-DD.zip`` are ever deleted, and
    the hidden partial files of an earlier day's backup that a crash left behind.
    """
    if store.on_server:
        return None  # a PostgreSQL server is backed up by pg_dump or PITR (docs/deploy.md)
    day = calendar.today(now)
    target = Path(directory) / f"{AUTO_PREFIX}{day.isoformat()}.zip"
    if target.exists() or not store.notes.any():
        return None
    write_archive(store, media_dir, target, now=now)
    rotate(Path(directory), keep)
    remove_stale_partials(Path(directory), day.isoformat())
    return target


def remove_stale_partials(directory: Path, today: str) -> list[Path]:
    """Delete partial files of daily backups from days before ``today`` (ISO date).

    A kill in the middle of writing a backup leaves ``.tokendeck-backup-<day>.zip.*
    .partial`` behind. Today's may belong to a backup being written right now by
    another command, so only earlier days' are removed (decided by name, not clock).
    """
    pattern = re.compile(r"\." + re.escape(AUTO_PREFIX) + r"(\d{4}-\d{2}-\d{2})\.zip\..+\.partial")
    doomed = []
    for path in directory.iterdir():
        found = pattern.fullmatch(path.name)
        if found and found.group(1) < today:
            path.unlink(missing_ok=True)
            doomed.append(path)
    return doomed


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` automatic backups; return what was deleted."""
    pattern = re.compile(re.escape(AUTO_PREFIX) + r"\d{4}-\d{2}-\d{2}\.zip")
    backups = sorted(p for p in directory.iterdir() if pattern.fullmatch(p.name))
    doomed = backups[: max(len(backups) - max(keep, 1), 0)]
    for path in doomed:
        path.unlink()
    return doomed
