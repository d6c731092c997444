"""Shared decks: publications with their versions and notes, and each learner's subscription.

``published_notes`` holds every note a publication ever had, with the version
that last changed it and, for a note the author removed, the version that
removed it, so a subscriber at version *v* needs exactly the rows whose
``version`` or ``deleted_in`` is above *v*. ``subscribed_notes`` remembers, per
learner and note, the fingerprint of the text they last received (an edit of
theirs shows as a different fingerprint) and the author's text waiting for
their choice.
"""

from __future__ import annotations

import json

from tokendeck.domain.classes import Changes, Publication, PublishedVersion, SharedNote
from tokendeck.domain.notes import normalise_tags
from tokendeck.storage.accounts import ServerTable
from tokendeck.storage.database import Row
from tokendeck.storage.rows import from_ms
from tokendeck.storage.table import Table

_PUBLICATION = (
    "SELECT id, class_id, author_id, source, source_deck_id, name, description, version,"
    " updated_at FROM publications"
)
_NOTE = "guid, kind, front, back, tags, accepted"


def _publication(row: Row) -> Publication:
    return Publication(
        id=row[0],
        class_id=row[1],
        author_id=row[2],
        source=row[3],
        source_deck_id=row[4],
        name=row[5],
        description=row[6],
        version=row[7],
        updated_at=from_ms(row[8]),
    )


def _note(row: Row) -> SharedNote:
    return SharedNote(
        guid=row[0],
        kind=row[1],
        front=row[2],
        back=row[3],
        tags=normalise_tags(row[4]),
        accepted=tuple(json.loads(row[5])),
    )


def _note_params(note: SharedNote) -> tuple[str, str, str, str, str, str]:
    return (
        note.guid,
        note.kind,
        note.front,
        note.back,
        " ".join(note.tags),
        json.dumps(list(note.accepted)),
    )


class Publications(ServerTable):
    """Decks published to classes."""

    __slots__ = ()

    def create(
        self,
        class_id: int,
        author_id: int,
        source: str,
        source_deck_id: int | None,
        name: str,
        description: str,
        now_ms: int,
    ) -> int:
        """A new publication at version 0 (its first version is written next)."""
        return self.db.execute(
            "INSERT INTO publications (class_id, author_id, source, source_deck_id, name,"
            " description, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (class_id, author_id, source, source_deck_id, name, description, now_ms, now_ms),
        )

    def get(self, publication_id: int) -> Publication | None:
        """A publication by id."""
        row = self.db.fetchone(f"{_PUBLICATION} WHERE id=?", (publication_id,))
        return None if row is None else _publication(row)

    def of_class(self, class_id: int) -> list[Publication]:
        """A class's publications, by name."""
        rows = self.db.fetchall(f"{_PUBLICATION} WHERE class_id=? ORDER BY name", (class_id,))
        return [_publication(r) for r in rows]

    def builtin(self) -> list[Publication]:
        """Every publication of the packaged deck (they follow TokenDeck's new versions)."""
        rows = self.db.fetchall(f"{_PUBLICATION} WHERE source='builtin' ORDER BY id")
        return [_publication(r) for r in rows]

    def name_taken(self, class_id: int, name: str) -> bool:
        """Whether the class already has a publication of this name."""
        found = self.db.scalar(
            "SELECT 1 FROM publications WHERE class_id=? AND name=?", (class_id, name)
        )
        return found is not None

    def versions(self, publication_id: int) -> list[PublishedVersion]:
        """Every version, newest first."""
        rows = self.db.fetchall(
            "SELECT version, created_at, added, changed, deleted FROM publication_versions"
            " WHERE publication_id=? ORDER BY version DESC",
            (publication_id,),
        )
        return [PublishedVersion(r[0], from_ms(r[1]), r[2], r[3], r[4]) for r in rows]

    def notes(self, publication_id: int) -> dict[str, tuple[SharedNote, bool]]:
        """Every note ever published: guid -> (note, deleted)."""
        rows = self.db.fetchall(
            f"SELECT {_NOTE}, deleted_in FROM published_notes WHERE publication_id=?",
            (publication_id,),
        )
        return {r[0]: (_note(r), r[6] is not None) for r in rows}

    def live_count(self, publication_id: int) -> int:
        """How many notes the newest version has."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM published_notes"
                " WHERE publication_id=? AND deleted_in IS NULL",
                (publication_id,),
            )
        )

    def write_version(self, publication: Publication, changes: Changes, now_ms: int) -> int:
        """Store ``changes`` as the next version; returns its number."""
        version = publication.version + 1
        upsert = (
            "INSERT INTO published_notes (publication_id, guid, kind, front, back, tags,"
            " accepted, version, deleted_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)"
            " ON CONFLICT (publication_id, guid) DO UPDATE SET kind=excluded.kind,"
            " front=excluded.front, back=excluded.back, tags=excluded.tags,"
            " accepted=excluded.accepted, version=excluded.version, deleted_in=NULL"
        )
        notes = (*changes.added, *changes.changed, *changes.restored)
        self.db.executemany(upsert, [(publication.id, *_note_params(n), version) for n in notes])
        self.db.executemany(
            "UPDATE published_notes SET deleted_in=? WHERE publication_id=? AND guid=?",
            [(version, publication.id, guid) for guid in changes.deleted],
        )
        self.db.execute(
            "INSERT INTO publication_versions (publication_id, version, created_at, added,"
            " changed, deleted) VALUES (?, ?, ?, ?, ?, ?)",
            (
                publication.id,
                version,
                now_ms,
                len(changes.added) + len(changes.restored),
                len(changes.changed),
                len(changes.deleted),
            ),
        )
        self.db.execute(
            "UPDATE publications SET version=?, updated_at=? WHERE id=?",
            (version, now_ms, publication.id),
        )
        return version

    def changes_since(
        self, publication_id: int, version: int
    ) -> tuple[list[SharedNote], list[str]]:
        """(notes changed or added, guids deleted) after ``version``."""
        rows = self.db.fetchall(
            f"SELECT {_NOTE}, deleted_in FROM published_notes"
            " WHERE publication_id=? AND (version > ? OR deleted_in > ?) ORDER BY guid",
            (publication_id, version, version),
        )
        live = [_note(r) for r in rows if r[6] is None]
        gone = [str(r[0]) for r in rows if r[6] is not None]
        return live, gone

    def delete(self, publication_id: int) -> None:
        """Stop publishing (subscribers keep their decks, which no longer update)."""
        self.db.execute("DELETE FROM publications WHERE id=?", (publication_id,))


class Subscriptions(Table):
    """A learner's copies of the publications of their classes (on the learner's handle)."""

    __slots__ = ()

    def behind(self) -> list[tuple[Publication, int | None, int | None]]:
        """Publications of the learner's classes they lack or hold at an older version.

        Returns (publication, subscribed version or None, the learner's deck id or None).
        """
        rows = self.db.fetchall(
            "SELECT p.id, p.class_id, p.author_id, p.source, p.source_deck_id, p.name,"
            " p.description, p.version, p.updated_at, s.version, s.deck_id"
            " FROM memberships m JOIN publications p ON p.class_id = m.class_id"
            " LEFT JOIN subscriptions s ON s.user_id = m.user_id AND s.publication_id = p.id"
            " WHERE m.user_id=? AND (s.version IS NULL OR s.version < p.version)"
            " ORDER BY p.id",
            (self.user,),
        )
        return [(_publication(r), r[9], r[10]) for r in rows]

    def subscribe(self, publication_id: int, deck_id: int, now_ms: int) -> None:
        """Record a new subscription at version 0."""
        self.db.execute(
            "INSERT INTO subscriptions (user_id, publication_id, deck_id, version,"
            " subscribed_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
            (self.user, publication_id, deck_id, now_ms, now_ms),
        )

    def set_version(self, publication_id: int, version: int, now_ms: int) -> None:
        """Record that the learner's copy is now at ``version``."""
        self.db.execute(
            "UPDATE subscriptions SET version=?, updated_at=? WHERE user_id=? AND publication_id=?",
            (version, now_ms, self.user, publication_id),
        )

    def drop_class(self, class_id: int) -> None:
        """Forget the learner's subscriptions to a class's publications (their decks stay)."""
        self.db.execute(
            "DELETE FROM subscriptions WHERE user_id=? AND publication_id IN"
            " (SELECT id FROM publications WHERE class_id=?)",
            (self.user, class_id),
        )

    # -- per note ----------------------------------------------------------------------------
    def notes(self, publication_id: int) -> dict[str, tuple[int, str, bool]]:
        """guid -> (the learner's note id, fingerprint last received, suspended by us)."""
        rows = self.db.fetchall(
            "SELECT guid, note_id, received, suspended FROM subscribed_notes"
            " WHERE user_id=? AND publication_id=?",
            (self.user, publication_id),
        )
        return {str(r[0]): (int(r[1]), str(r[2]), bool(r[3])) for r in rows}

    def put_note(
        self,
        publication_id: int,
        guid: str,
        note_id: int,
        received: str,
        *,
        suspended: bool = False,
    ) -> None:
        """Record the text the learner now holds as received (clearing any waiting conflict)."""
        self.db.execute(
            "INSERT INTO subscribed_notes (user_id, publication_id, guid, note_id, received,"
            " pending, pending_version, suspended) VALUES (?, ?, ?, ?, ?, NULL, NULL, ?)"
            " ON CONFLICT (user_id, publication_id, guid) DO UPDATE SET"
            " note_id=excluded.note_id, received=excluded.received, pending=NULL,"
            " pending_version=NULL, suspended=excluded.suspended",
            (self.user, publication_id, guid, note_id, received, int(suspended)),
        )

    def set_pending(self, publication_id: int, guid: str, note: SharedNote, version: int) -> None:
        """Keep the author's newer text beside the learner's edited note, for them to choose."""
        self.db.execute(
            "UPDATE subscribed_notes SET pending=?, pending_version=?"
            " WHERE user_id=? AND publication_id=? AND guid=?",
            (note.to_json(), version, self.user, publication_id, guid),
        )

    def set_suspended(self, publication_id: int, guid: str, flag: bool) -> None:
        """Remember whether the note is suspended because the author removed it."""
        self.db.execute(
            "UPDATE subscribed_notes SET suspended=?"
            " WHERE user_id=? AND publication_id=? AND guid=?",
            (int(flag), self.user, publication_id, guid),
        )

    def conflicts(self) -> list[tuple[int, int, str, str, int]]:
        """(note id, publication id, publication name, author's JSON, version) waiting."""
        rows = self.db.fetchall(
            "SELECT sn.note_id, sn.publication_id, p.name, sn.pending, sn.pending_version"
            " FROM subscribed_notes sn JOIN publications p ON p.id = sn.publication_id"
            " WHERE sn.user_id=? AND sn.pending IS NOT NULL ORDER BY p.name, sn.note_id",
            (self.user,),
        )
        return [(int(r[0]), int(r[1]), str(r[2]), str(r[3]), int(r[4])) for r in rows]

    def conflict_count(self) -> int:
        """How many notes have the author's text waiting."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM subscribed_notes WHERE user_id=? AND pending IS NOT NULL",
                (self.user,),
            )
        )

    def conflict(self, note_id: int) -> tuple[int, str, str, int] | None:
        """(publication id, guid, author's JSON, version) waiting on one note, or None."""
        row = self.db.fetchone(
            "SELECT publication_id, guid, pending, pending_version FROM subscribed_notes"
            " WHERE user_id=? AND note_id=? AND pending IS NOT NULL",
            (self.user, note_id),
        )
        return None if row is None else (int(row[0]), str(row[1]), str(row[2]), int(row[3]))
