"""The automatic daily backup: one snapshot a study day, rotated, beside the collection.

The first command of a study day that changes the collection writes
``backups/tokendeck-backup-YYYY-MM-DD.zip`` (a snapshot: the database file and
its media, see :mod:`tokendeck.backup.snapshot`) and keeps the newest seven, then one a
week for four weeks and one a month for a year, as Anki keeps daily, weekly and monthly ones.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from tokendeck.backup.snapshot import write_archive
from tokendeck.domain.days import Calendar
from tokendeck.storage import Store

AUTO_PREFIX = "tokendeck-backup-"


def backup_dir(collection_path: Path) -> Path:
    """Where backups of a collection file go by default: ``backups/`` beside it."""
    return Path(collection_path).resolve().parent / "backups"


def latest_backup(collection_path: Path) -> Path | None:
    """The newest snapshot taken of this collection file (daily or before a restore) in its
    backups folder, or None. Several collection files may share the folder: a snapshot
    says which file it was taken of."""
    from tokendeck.backup.snapshot import snapshot_of

    folder = backup_dir(collection_path)
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob("tokendeck-*.zip") if p.is_file()]
    found.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    name = Path(collection_path).name
    return next((p for p in found if snapshot_of(p) == name), None)


def timestamped_name(now: datetime, label: str = "manual") -> str:
    """A backup file name that sorts by time and never matches the daily rotation."""
    return f"tokendeck-{label}-{now.strftime('%Y-%m-%dT%H%M%S')}.zip"


def maybe_auto_backup(
    store: Store, calendar: Calendar, media_dir: Path, now: datetime, directory: Path, keep: int = 7
) -> Path | None:
    """Write today's backup into ``directory`` unless there is one; keep the newest ``keep``
    daily ones and older weekly and monthly ones (:func:`rotate`).

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
    # SQLite leaves a -journal beside an interrupted VACUUM INTO's target.
    pattern = re.compile(
        r"\." + re.escape(AUTO_PREFIX) + r"(\d{4}-\d{2}-\d{2})\.zip\..+\.partial(-journal)?"
    )
    doomed = []
    for path in directory.iterdir():
        found = pattern.fullmatch(path.name)
        if found and found.group(1) < today:
            path.unlink(missing_ok=True)
            doomed.append(path)
    return doomed


#: Backups kept in each tier, as Anki keeps daily, weekly and monthly ones: a bad week of
#: studying on a damaged collection cannot rotate every good copy away.
WEEKLY_KEPT = 4
MONTHLY_KEPT = 12


def rotate(
    directory: Path, keep: int, *, weekly: int = WEEKLY_KEPT, monthly: int = MONTHLY_KEPT
) -> list[Path]:
    """Keep the newest ``keep`` daily backups, then the newest of each of ``weekly`` older
    weeks and of ``monthly`` older months; delete the other automatic backups (and only
    those: files not named ``tokendeck-backup-YYYY-MM-DD.zip`` are never touched).
    Returns what was deleted."""
    pattern = re.compile(re.escape(AUTO_PREFIX) + r"(\d{4}-\d{2}-\d{2})\.zip")
    dated = []
    for path in directory.iterdir():
        found = pattern.fullmatch(path.name)
        if found:
            try:
                dated.append((date.fromisoformat(found.group(1)), path))
            except ValueError:
                continue  # a name that looks like a backup but is not a date: not ours
    kept = _tiers(sorted(dated, reverse=True), max(keep, 1), weekly, monthly)
    doomed = [path for _, path in dated if path not in kept]
    for path in doomed:
        path.unlink()
    return sorted(doomed)


def _tiers(
    newest_first: list[tuple[date, Path]], daily: int, weekly: int, monthly: int
) -> set[Path]:
    kept: set[Path] = set()
    weeks: set[tuple[int, int]] = set()
    months: set[tuple[int, int]] = set()
    counts = {"daily": 0, "weekly": 0, "monthly": 0}
    for day, path in newest_first:
        week, month = day.isocalendar()[:2], (day.year, day.month)
        if counts["daily"] < daily:
            tier = "daily"
        elif week not in weeks and counts["weekly"] < weekly:
            tier = "weekly"
        elif month not in months and counts["monthly"] < monthly:
            tier = "monthly"
        else:
            continue
        counts[tier] += 1
        kept.add(path)
        weeks.add(week)
        months.add(month)
    return kept
