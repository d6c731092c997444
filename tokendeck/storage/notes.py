"""The ``notes`` table."""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.domain.notes import Note
from tokendeck.storage.database import Database, Row
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.rows import NOTE_COLUMNS, marks, note_from_row, note_params
from tokendeck.storage.table import Table

INSERT_NOTE = (
    "INSERT INTO notes (user_id, guid, kind, front, back, tags, accepted, fields, source,"
    " source_note, created_at, modified_at, note_type_id, format)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


#: Note ids per statement when bumping their decks' content versions.
_BUMP_CHUNK = 500


def content_key(user: int, deck_id: int) -> str:
    """The ``meta`` key of a deck's content version.

    The version goes up when the deck's notes are edited or the deck is renamed; with the
    deck's card ids it tells a cache of the deck's similarities that it is out of date
    (derived data, so it lives in meta, outside backups). The user is part of the key, as
    deck ids are unique only per user on PostgreSQL.
    """
    return f"content:{user}:{deck_id}"


def bump_content(db: Database, user: int, note_ids: Sequence[int]) -> None:
    """Raise the content version of every deck holding a card of these notes.

    Done here, after each statement that edits notes, on both backends (no trigger: the
    same code for SQLite and PostgreSQL, under row-level security there, and nothing for a
    sharded PostgreSQL to run on a shard that writes the shared ``meta`` table).
    """
    for start in range(0, len(note_ids), _BUMP_CHUNK):
        chunk = note_ids[start : start + _BUMP_CHUNK]
        db.execute(
            "INSERT INTO meta (key, value) SELECT DISTINCT 'content:' || ? || ':' || deck_id,"
            f" '1' FROM cards WHERE user_id=? AND note_id IN ({marks(chunk)}) ON CONFLICT (key)"
            " DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
            (str(user), user, *chunk),
        )


class Notes(Table):
    """A user's notes."""

    __slots__ = ("summary",)

    def __init__(self, db: Database, user: int, summary: Summary) -> None:
        super().__init__(db, user)
        #: The statistics summary this table keeps in step with its writes.
        self.summary = summary

    def get(self, note_id: int) -> Note | None:
        """A note by id, or None."""
        row = self.db.fetchone(
            f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? AND id=?", (self.user, note_id)
        )
        return None if row is None else note_from_row(row)

    def by_guid(self, guid: str) -> Note | None:
        """A note by GUID, or None."""
        row = self.db.fetchone(
            f"SELECT {NOTE_COLUMNS} FROM notes WHERE user_id=? AND guid=?", (self.user, guid)
        )
        return None if row is None else note_from_row(row)

    def insert(self, note: Note) -> int:
        """Store a new note (of this user); returns its id."""
        params = note_params(note)
        return self.db.execute(INSERT_NOTE, (self.user, *params[1:]))

    def update(self, note: Note) -> None:
        """Store a note's content (kind, text, fields, tags, note type, ...)."""
        params = note_params(note)
        self.db.execute(
            "UPDATE notes SET kind=?, front=?, back=?, tags=?, accepted=?, fields=?, source=?,"
            " source_note=?, modified_at=?, note_type_id=?, format=? WHERE id=? AND user_id=?",
            (*params[2:10], *params[11:14], note.id, self.user),
        )
        bump_content(self.db, self.user, [note.id])

    def delete(self, note_id: int) -> None:
        """Delete a note and (by cascade) its cards; reviews are kept."""
        cards = [
            int(row[0])
            for row in self.db.fetchall(
                "SELECT id FROM cards WHERE note_id=? AND user_id=?", (note_id, self.user)
            )
        ]
        with self.summary.refreshing(cards):
            self.db.execute("DELETE FROM notes WHERE id=? AND user_id=?", (note_id, self.user))

    def sources(self) -> list[tuple[int, str]]:
        """(id, source) of every note that records where it came from."""
        return self.db.fetchall(
            "SELECT id, source FROM notes WHERE user_id=? AND source != '' ORDER BY id",
            (self.user,),
        )

    def media_texts(self) -> list[Row]:
        """(id, format, front, back, fields, note_type_id) of every note: where media are named."""
        return self.db.fetchall(
            "SELECT id, format, front, back, fields, note_type_id FROM notes WHERE user_id=?"
            " ORDER BY id",
            (self.user,),
        )

    def count_of_type(self, note_type_id: int) -> int:
        """How many notes render through a note type."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM notes WHERE user_id=? AND note_type_id=?",
                (self.user, note_type_id),
            )
        )

    def any(self) -> bool:
        """Whether the user has any note at all."""
        found = self.db.scalar("SELECT 1 FROM notes WHERE user_id=? LIMIT 1", (self.user,))
        return found is not None
