"""Exact backups of a collection, and restoring one as an identical collection file.

An import treats a package as new material: it allocates ids, stamps rows
with the time of the import and merges into what is there. A restore is
different (as in Anki, it *replaces* the collection): every deck, note,
card, review and attempt comes back with its id, row times, card state
(buried days included), undo data and settings, so the restored file
compares equal row for row. This module converts between the collection's
rows and the interchange records; :mod:`tokendeck.formats.backup` converts
between those records and the archive file.

Replacing is crash-safe: the restored collection is built in a temporary
file in the same folder, the old file is checkpointed and kept (hard link,
else a copy) as ``backups/<name>-before-restore-<time>.db``, and only then
is the new file moved over the old one with one atomic rename. Anything that
fails before that rename leaves the old collection untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokendeck.cards import CardState
from tokendeck.errors import ImportFormatError, StorageError, ValidationError
from tokendeck.interchange import (
    AttemptRecord,
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    Package,
    ReviewRecord,
    UserRecord,
)
from tokendeck.storage import open_database
from tokendeck.storage import queries as q
from tokendeck.storage import restore_queries as rq
from tokendeck.storage.database import Database, Row

if TYPE_CHECKING:
    from tokendeck.collection import Collection

_LABELS = {int(state): state.label for state in CardState}
_NUMBERS = {label: number for number, label in _LABELS.items()}


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


# -- backing up ----------------------------------------------------------------------------
def build_backup(col: Collection, deck: str | int | None = None) -> Package:
    """Everything of the collection's user (or one deck) as a Package with ids and times."""
    db, user = col.db, col.user_id
    wanted = None if deck is None else set(col.deck_ids(deck))
    decks = {row[0]: row for row in rq.deck_rows(db, user) if wanted is None or row[0] in wanted}
    reviews = _reviews_by_card(db, user)
    cards = _cards_by_note(db, user, decks, reviews)
    package = Package(source=str(db.location))
    package.decks = [_deck_record(row) for row in decks.values()]
    package.notes = [
        _note_record(row, cards.get(row[0], []))
        for row in rq.note_rows(db, user)
        if deck is None or row[0] in cards
    ]
    kept = {c.key for n in package.notes for c in n.cards}
    if deck is None:  # the history of deleted cards belongs to the whole collection only
        package.deleted_card_reviews = [
            CardRecord(key=card_id, reviews=log) for card_id, log in reviews.items()
        ]
        kept.update(reviews)
    package.attempts = [_attempt_record(r) for r in rq.attempt_rows(db, user) if r[3] in kept]
    package.settings = {key: json.loads(value) for key, value in rq.setting_rows(db, user)}
    owner = rq.user_row(db, user)
    if owner is not None:
        package.user = UserRecord(owner[1], owner[0], rq.from_ms(owner[2]))
    package.media = _read_media(col.media_dir())
    return package


def _reviews_by_card(db: Database, user: int) -> dict[int, list[ReviewRecord]]:
    grouped: dict[int, list[ReviewRecord]] = {}
    for row in rq.review_rows(db, user):
        grouped.setdefault(row[2], []).append(_review_record(row))
    return grouped


def _cards_by_note(
    db: Database, user: int, decks: dict[int, Row], reviews: dict[int, list[ReviewRecord]]
) -> dict[int, list[CardRecord]]:
    """Card records by note id; each card's reviews are taken out of ``reviews``."""
    grouped: dict[int, list[CardRecord]] = {}
    for row in rq.card_rows(db, user):
        if row[2] in decks:
            record = _card_record(row, decks[row[2]][2], reviews.pop(row[0], []))
            grouped.setdefault(row[1], []).append(record)
        else:
            reviews.pop(row[0], None)  # a card outside the chosen deck: not a deleted one
    return grouped


def _deck_record(row: Row) -> DeckRecord:
    deck_id, _, name, description, config, created, modified = row
    return DeckRecord(
        name, description, json.loads(config), deck_id, rq.from_ms(created), rq.from_ms(modified)
    )


def _note_record(row: Row, cards: list[CardRecord]) -> NoteRecord:
    note = q.note_from_row(row)
    return NoteRecord(
        front=note.front,
        back=note.back,
        deck=(cards[0].deck if cards else None) or "Default",
        kind=note.kind,
        guid=note.guid,
        tags=list(note.tags),
        fields=dict(note.fields),
        accepted=list(note.accepted),
        source=note.source,
        source_note=note.source_note,
        cards=cards,
        id=note.id,
        created_at=rq.from_ms(row[11]),
        modified_at=rq.from_ms(row[12]),
    )


def _card_record(row: Row, deck: str, reviews: list[ReviewRecord]) -> CardRecord:
    return CardRecord(
        ordinal=row[4],
        deck=deck,
        state=_LABELS[row[5]],
        due=rq.from_ms(row[6]),
        step=row[7],
        stability=row[8],
        difficulty=row[9],
        last_review=None if row[10] is None else rq.from_ms(row[10]),
        reps=row[11],
        lapses=row[12],
        suspended=bool(row[13]),
        reviews=reviews,
        key=row[0],
        buried_until=None if row[14] is None else date.fromordinal(row[14]),
        created_at=rq.from_ms(row[15]),
        modified_at=rq.from_ms(row[16]),
    )


def _review_record(row: Row) -> ReviewRecord:
    return ReviewRecord(
        reviewed_at=rq.from_ms(row[3]),
        rating=row[4],
        duration_ms=row[5],
        kind=row[6],
        scheduled_days=row[9],
        state_before=_LABELS[row[7]],
        state_after=_LABELS[row[8]],
        stability=row[11],
        difficulty=row[12],
        id=row[0],
        elapsed_days=row[10],
        undo=row[13],
    )


def _attempt_record(row: Row) -> AttemptRecord:
    return AttemptRecord(
        id=row[0],
        review_id=row[2],
        card_id=row[3],
        answered_at=rq.from_ms(row[4]),
        format=row[5],
        answer=row[6],
        score=row[7],
        verdict=row[8],
        suggested_rating=row[9],
        rating=row[10],
        overridden=bool(row[11]),
    )


def _read_media(folder: Path) -> list[MediaFile]:
    if not folder.is_dir():
        return []
    return [MediaFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]


# -- restoring -----------------------------------------------------------------------------
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
    restore replaces the whole file.
    """
    path = Path(path)
    owner = package.user.name if package.user else user
    if path.exists():
        _refuse_other_users(path, owner)
    partial = _temporary_beside(path)
    try:
        counts = _build(partial, package, now=now, user=owner)
    except StorageError as exc:
        _remove_with_sidecars(partial)
        if "constraint failed" not in exc.message:
            raise
        # Two records claiming one id, a card of a missing note, ...: the file is at fault.
        raise ImportFormatError(
            f"its records contradict each other ({exc.message.split(': ', 1)[-1]})",
            path=package.source or None,
            hint="the backup is damaged; restore another backup file",
        ) from exc
    except BaseException:
        _remove_with_sidecars(partial)
        raise
    previous = _swap_in(partial, path, now)
    media = _write_media(path, package.media)
    return RestoreResult(*counts, media, previous, is_exact(package))


def _refuse_other_users(path: Path, owner: str) -> None:
    try:
        db = open_database(path)
    except StorageError:
        return  # a damaged collection is what restores are for: it is kept, then replaced
    try:
        others = rq.other_users_with_data(db, owner)
    finally:
        db.close()
    if others:
        raise ValidationError(
            f"{path} also holds the collections of {', '.join(others)}; a restore replaces "
            "the whole file",
            hint="restore into a new file with --db, then move the notes over",
        )


def _temporary_beside(path: Path) -> Path:
    # Same folder, so the final rename is atomic (one file system).
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.restoring-", dir=path.parent)
    os.close(handle)
    return Path(name)


def _build(partial: Path, package: Package, *, now: datetime, user: str) -> tuple[int, int, int]:
    if not is_exact(package):
        return _build_like_an_import(partial, package, now=now, user=user)
    from tokendeck.packages import validate
    from tokendeck.storage import search_index

    validate(package, "duplicate")  # kinds, fronts and deck names, naming the bad note
    db = open_database(partial)
    try:
        with db.transaction():
            counts = _write_rows(db, package, now)
        search_index.ensure_current(db)
    finally:
        db.close()
    return counts


def _write_rows(db: Database, package: Package, now: datetime) -> tuple[int, int, int]:
    owner = package.user
    assert owner is not None and owner.id is not None  # is_exact checked it
    uid = owner.id
    rq.insert_user(db, uid, owner.name, rq.to_ms(owner.created_at or now))
    rq.insert_settings(db, uid, ((k, json.dumps(v)) for k, v in package.settings.items()))
    deck_ids = _deck_ids(package)
    rq.insert_decks(db, (_deck_row(uid, d) for d in package.decks))
    rq.insert_notes(db, [_note_row(uid, n) for n in package.notes])
    cards = [(n, c) for n in package.notes for c in n.cards]
    rq.insert_cards(db, (_card_row(uid, n, c, deck_ids) for n, c in cards))
    logs = [*((c.key, c.reviews) for _, c in cards), *_deleted(package)]
    rq.insert_reviews(db, (_review_row(uid, key, r) for key, log in logs for r in log))
    rq.insert_attempts(db, (_attempt_row(uid, a) for a in package.attempts))
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
    return rq.to_ms(moment)


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


def _note_row(user: int, note: NoteRecord) -> tuple[Any, ...]:
    return (
        note.id,
        user,
        note.guid,
        note.kind,
        note.front,
        note.back,
        q.tags_text(note.tags),
        json.dumps(note.accepted, ensure_ascii=False),
        json.dumps(note.fields, ensure_ascii=False),
        note.source,
        note.source_note,
        _ms(note.created_at),
        _ms(note.modified_at),
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
        None if card.last_review is None else rq.to_ms(card.last_review),
        card.reps,
        card.lapses,
        int(card.suspended),
        None if card.buried_until is None else card.buried_until.toordinal(),
        _ms(card.created_at),
        _ms(card.modified_at),
    )


def _review_row(user: int, card_id: int | None, review: ReviewRecord) -> tuple[Any, ...]:
    return (
        review.id,
        user,
        card_id,
        rq.to_ms(review.reviewed_at),
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
        rq.to_ms(attempt.answered_at),
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
    from tokendeck.collection import Collection

    body = Package(
        notes=package.notes, decks=package.decks, settings=package.settings, source=package.source
    )
    with Collection.open(partial, user=user, now=now, install_builtin=False) as fresh:
        result = fresh.import_package(body, now=now, mode="duplicate")
    return result.added, result.cards, result.reviews


def _swap_in(partial: Path, path: Path, now: datetime) -> Path | None:
    """Keep the old file (if any) under backups/, then rename the new one over it."""
    previous = None
    if path.exists():
        rq.checkpoint(path)
        previous = _keep(path, now)
        shutil.copymode(path, partial)  # the temporary file was private (0600)
    else:
        os.chmod(partial, 0o644)  # what SQLite gives a new file under the usual umask
    for sidecar in _sidecars(path):
        sidecar.unlink(missing_ok=True)  # emptied by the checkpoint; must not meet the new file
    os.replace(partial, path)
    return previous


def _keep(path: Path, now: datetime) -> Path:
    folder = path.resolve().parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / f"{path.stem}-before-restore-{now.strftime('%Y-%m-%dT%H%M%S')}{path.suffix}"
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


def _remove_with_sidecars(path: Path) -> None:
    for each in (path, *_sidecars(path)):
        each.unlink(missing_ok=True)


def _write_media(path: Path, media: list[MediaFile]) -> int:
    # The media folder is named after the collection file (see Collection.media_dir).
    from tokendeck.packages import safe_media_name

    if not media:
        return 0
    folder = path.with_name(path.stem + ".media")
    folder.mkdir(parents=True, exist_ok=True)
    for item in media:
        (folder / safe_media_name(item.name)).write_bytes(item.data)
    return len(media)
