"""Restoring a backup as an identical collection file, replacing the old one safely.

As in Anki, a restore *replaces* the collection (use ``tokendeck import`` to
merge a backup's notes instead). The records of a backup (see
:mod:`tokendeck.backup.records`) are written back with their ids, row times, card
state, review log with undo data, attempts and settings, so the restored
file compares equal row for row; only the schema-migration bookkeeping and
the search index's internals are the restore's own.

Replacing is crash-safe: the restored collection (and its media folder) is
built in temporary files in the same folder, the old file is checkpointed and
kept (hard link, else a copy) as ``backups/<name>-before-restore-<time>.db``
with its media folder beside it, and only then is the new file moved over the
old one with one atomic rename. Anything that fails before that rename leaves
the old collection untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tokendeck.domain.cards import CardState
from tokendeck.domain.settings import Settings
from tokendeck.errors import ImportFormatError, StorageError, ValidationError
from tokendeck.storage import Database, Store, open_database
from tokendeck.storage.backup import checkpoint, other_users_with_data
from tokendeck.storage.backup import to_ms as exact_ms
from tokendeck.storage.locks import exclusive_use
from tokendeck.storage.rows import tags_text
from tokendeck.transfer.package import (
    AttemptRecord,
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    NoteTypeRecord,
    Package,
    ReviewRecord,
)

_NUMBERS = {state.label: int(state) for state in CardState}


@dataclass(frozen=True)
class RestoreResult:
    """What a restore wrote, and where the replaced collection was kept."""

    notes: int
    cards: int
    reviews: int
    media: int
    #: The collection file that was replaced, kept as it was (None for a new file).
    previous: Path | None
    #: False for a version-1 backup, which has no ids: restored like an import.
    exact: bool


def is_exact(package: Package) -> bool:
    """Whether a package carries the ids an identical restore needs (backup version 2+)."""
    return (
        package.user is not None
        and all(d.id is not None for d in package.decks)
        and all(n.id is not None and all(c.key is not None for c in n.cards) for n in package.notes)
    )


def restore_backup(
    path: Path, package: Package, *, now: datetime, user: str = "local"
) -> RestoreResult:
    """Replace the collection file at ``path`` with the backed-up ``package``.

    Refuses (changing nothing) a file that also holds other users' data: a
    restore replaces the whole file; and a file another process has open (a
    running server would go on writing into the replaced file).
    """
    path = Path(path)
    with exclusive_use(path):  # nothing may have the old file open while it is replaced
        return _restore_backup(path, package, now=now, user=user)


def _restore_backup(path: Path, package: Package, *, now: datetime, user: str) -> RestoreResult:
    owner = package.user.name if package.user else user
    if path.exists():
        _refuse_other_users(path, owner)
    partial = temporary_beside(path)
    staged: Path | None = None
    try:
        counts = _build(partial, package, now=now, user=owner)
        staged = stage_media(path, package.media)
    except StorageError as exc:
        remove_with_sidecars(partial)
        if "constraint failed" not in exc.message:
            raise
        # Two records claiming one id, a card of a missing note, ...: the file is at fault.
        raise ImportFormatError(
            f"its records contradict each other ({exc.message.split(': ', 1)[-1]})",
            path=package.source or None,
            hint="the backup is damaged; restore another backup file",
        ) from exc
    except BaseException:
        remove_with_sidecars(partial)
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)
        raise
    previous = swap_in(partial, path, now)
    swap_media(staged, path, now)
    return RestoreResult(*counts, len(package.media), previous, is_exact(package))


def _refuse_other_users(path: Path, owner: str) -> None:
    try:
        db = open_database(path)
    except StorageError:
        return  # a damaged collection is what restores are for: it is kept, then replaced
    try:
        others = other_users_with_data(db, owner)
    finally:
        db.close()
    if others:
        raise ValidationError(
            f"{path} also holds the collections of {', '.join(others)}; a restore replaces "
            "the whole file",
            hint="restore into a new collection file, then move the notes over",
            cli_hint="restore into a new file with --db, then move the notes over",
        )


def temporary_beside(path: Path) -> Path:
    """A new private file beside ``path``, where a restored collection is built."""
    # Same folder, so the final rename is atomic (one file system).
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.restoring-", dir=path.parent)
    os.close(handle)
    return Path(name)


def _build(partial: Path, package: Package, *, now: datetime, user: str) -> tuple[int, int, int]:
    if not is_exact(package):
        return _build_like_an_import(partial, package, now=now, user=user)
    from tokendeck.storage.search import ensure_current
    from tokendeck.transfer.importing import validate

    validate(package, "duplicate")  # kinds, fronts and deck names, naming the bad note
    db = open_database(partial)
    try:
        with db.transaction():
            counts = _write_rows(db, package, now)
        ensure_current(db)
    finally:
        db.close()
    return counts


def _write_rows(db: Database, package: Package, now: datetime) -> tuple[int, int, int]:
    owner = package.user
    assert owner is not None and owner.id is not None  # is_exact checked it
    uid = owner.id
    rows = Store(db, uid).backup
    rows.insert_user(owner.name, exact_ms(owner.created_at or now))
    rows.insert_settings((k, json.dumps(v)) for k, v in package.settings.items())
    deck_ids = _deck_ids(package)
    rows.insert_decks(_deck_row(uid, d) for d in package.decks)
    Store(db, uid).note_types.insert_rows([_note_type_row(uid, t) for t in package.note_types])
    type_ids = {t.name: t.key for t in package.note_types if t.key is not None}
    rows.insert_notes([_note_row(uid, n, type_ids) for n in package.notes])
    cards = [(n, c) for n in package.notes for c in n.cards]
    rows.insert_cards(_card_row(uid, n, c, deck_ids) for n, c in cards)
    logs = [*((c.key, c.reviews) for _, c in cards), *_deleted(package)]
    rows.insert_reviews(_review_row(uid, key, r) for key, log in logs for r in log)
    rows.insert_attempts(_attempt_row(uid, a) for a in package.attempts)
    return len(package.notes), len(cards), sum(len(log) for _, log in logs)


def _deleted(package: Package) -> Iterator[tuple[int | None, list[ReviewRecord]]]:
    return ((c.key, c.reviews) for c in package.deleted_card_reviews)


def _deck_ids(package: Package) -> dict[str, int]:
    return {d.name: d.id for d in package.decks if d.id is not None}


def _ms(moment: datetime | None) -> int:
    if moment is None:
        raise ValidationError(
            "a backed-up row has no time", hint="the backup is incomplete; use another backup file"
        )
    return exact_ms(moment)


def _deck_row(user: int, deck: DeckRecord) -> tuple[Any, ...]:
    return (
        deck.id,
        user,
        deck.name,
        deck.description,
        json.dumps(deck.options),
        _ms(deck.created_at),
        _ms(deck.modified_at),
    )


def _note_row(user: int, note: NoteRecord, note_types: dict[str, int]) -> tuple[Any, ...]:
    if note.note_type is not None and note.note_type not in note_types:
        raise ValidationError(
            f"note {note.id} uses note type {note.note_type!r}, which the backup does not list",
            hint="the backup is incomplete; use another backup file",
        )
    return (
        note.id,
        user,
        note.guid,
        note.kind,
        note.front,
        note.back,
        tags_text(note.tags),
        json.dumps(note.accepted, ensure_ascii=False),
        json.dumps(note.fields, ensure_ascii=False),
        note.source,
        note.source_note,
        _ms(note.created_at),
        _ms(note.modified_at),
        note_types.get(note.note_type or ""),
        note.format,
    )


def _note_type_row(user: int, record: NoteTypeRecord) -> tuple[Any, ...]:
    if record.key is None:
        raise ValidationError(
            f"note type {record.name!r} has no id",
            hint="the backup is incomplete; use another backup file",
        )
    templates = [
        {"name": t.name, "question": t.question, "answer": t.answer} for t in record.templates
    ]
    return (
        record.key,
        user,
        record.name,
        record.kind,
        json.dumps(record.field_names, ensure_ascii=False),
        json.dumps(templates, ensure_ascii=False),
        record.css,
        record.latex_pre,
        record.latex_post,
        int(record.latex_svg),
        record.sort_field,
        record.id,
        _ms(record.created_at),
        _ms(record.modified_at),
    )


def _card_row(
    user: int, note: NoteRecord, card: CardRecord, deck_ids: dict[str, int]
) -> tuple[Any, ...]:
    deck = card.deck or note.deck
    if deck not in deck_ids:
        raise ValidationError(
            f"card {card.key} is in deck {deck!r}, which the backup does not list",
            hint="the backup is incomplete; use another backup file",
        )
    return (
        card.key,
        note.id,
        deck_ids[deck],
        user,
        card.ordinal,
        int(CardState.parse(card.state)),
        _ms(card.due),
        card.step,
        card.stability,
        card.difficulty,
        None if card.last_review is None else exact_ms(card.last_review),
        card.reps,
        card.lapses,
        int(card.suspended),
        None if card.buried_until is None else card.buried_until.toordinal(),
        _ms(card.created_at),
        _ms(card.modified_at),
        card.flag,
    )


def _review_row(user: int, card_id: int | None, review: ReviewRecord) -> tuple[Any, ...]:
    return (
        review.id,
        user,
        card_id,
        exact_ms(review.reviewed_at),
        review.rating,
        review.duration_ms,
        review.kind,
        _NUMBERS.get(review.state_before or "", int(CardState.REVIEW)),
        _NUMBERS.get(review.state_after or "", int(CardState.REVIEW)),
        review.scheduled_days or 0.0,
        -1 if review.elapsed_days is None else review.elapsed_days,
        review.stability,
        review.difficulty,
        review.undo,
    )


def _attempt_row(user: int, attempt: AttemptRecord) -> tuple[Any, ...]:
    return (
        attempt.id,
        user,
        attempt.review_id,
        attempt.card_id,
        exact_ms(attempt.answered_at),
        attempt.format,
        attempt.answer,
        attempt.score,
        attempt.verdict,
        attempt.suggested_rating,
        attempt.rating,
        int(attempt.overridden),
    )


def _build_like_an_import(
    partial: Path, package: Package, *, now: datetime, user: str
) -> tuple[int, int, int]:
    """A version-1 backup has no ids: its notes are imported into the fresh file."""
    from tokendeck.storage.rows import to_ms
    from tokendeck.transfer.importing import apply_package

    body = Package(
        notes=package.notes,
        decks=package.decks,
        note_types=package.note_types,
        settings=package.settings,
        source=package.source,
        match=package.match,
    )
    store = Store.open(partial, user, to_ms(now))
    try:
        # The body has no media (restore_backup stages a backup's media itself).
        result = apply_package(
            store,
            body,
            now=now,
            calendar=Settings().calendar(),
            media_dir=_media_dir(partial),
            mode="duplicate",
        )
    finally:
        store.close()
    return result.added, result.cards, result.reviews


def swap_in(partial: Path, path: Path, now: datetime) -> Path | None:
    """Keep the old file (if any) under backups/, then rename the new one over it."""
    previous = None
    if path.exists():
        checkpoint(path)
        previous = _keep(path, now)
        shutil.copymode(path, partial)  # the temporary file was private (0600)
    else:
        os.chmod(partial, 0o644)  # what SQLite gives a new file under the usual umask
    for sidecar in _sidecars(path):
        sidecar.unlink(missing_ok=True)  # emptied by the checkpoint; must not meet the new file
    os.replace(partial, path)
    return previous


def _backup_name(path: Path, now: datetime, suffix: str) -> Path:
    folder = path.resolve().parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{path.stem}-before-restore-{now.strftime('%Y-%m-%dT%H%M%S')}{suffix}"


def _keep(path: Path, now: datetime) -> Path:
    kept = _backup_name(path, now, path.suffix)
    for source, target in [(path, kept), *zip(_sidecars(path), _sidecars(kept), strict=True)]:
        if source.exists() and source.stat().st_size:  # a damaged file may keep its WAL
            target.unlink(missing_ok=True)
            try:
                os.link(source, target)  # instant, and the old bytes stay as they were
            except OSError:
                shutil.copy2(source, target)
    return kept


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def remove_with_sidecars(path: Path) -> None:
    """Delete a database file and its -wal/-shm/-journal files (a failed restore's leftovers)."""
    for each in (path, *_sidecars(path)):
        each.unlink(missing_ok=True)


def _media_dir(path: Path) -> Path:
    # Named after the collection file, as Collection.media_dir does.
    return path.with_name(path.stem + ".media")


def stage_media(path: Path, media: list[MediaFile]) -> Path | None:
    """The backup's media written into a temporary folder beside the collection."""
    from tokendeck.transfer.importing import safe_media_name

    if not media:
        return None
    staged = Path(tempfile.mkdtemp(prefix=f".{path.stem}.media.restoring-", dir=path.parent))
    try:
        for item in media:
            (staged / safe_media_name(item.name)).write_bytes(item.data)
    except BaseException:  # a full disk, say: nothing half-written may stay behind
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def swap_media(staged: Path | None, path: Path, now: datetime) -> None:
    """The old media folder goes to backups/ beside the kept file; the staged one replaces it."""
    folder = _media_dir(path)
    if folder.exists():
        kept = _backup_name(path, now, ".media")
        if kept.exists():
            shutil.rmtree(kept)
        os.replace(folder, kept)
    if staged is not None:
        os.replace(staged, folder)
