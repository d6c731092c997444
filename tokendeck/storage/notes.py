"""The ``notes`` table."""

from __future__ import annotations

from tokendeck.domain.notes import Note
from tokendeck.storage.database import Database
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.rows import NOTE_COLUMNS, note_from_row, note_params
from tokendeck.storage.table import Table

INSERT_NOTE = (
    "INSERT INTO notes (user_id, guid, kind, front, back, tags, accepted, fields, source,"
    " source_note, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
        """Store a note's content (kind, text, tags, ...)."""
        params = note_params(note)
        self.db.execute(
            "UPDATE notes SET kind=?, front=?, back=?, tags=?, accepted=?, fields=?, source=?,"
            " source_note=?, modified_at=? WHERE id=? AND user_id=?",
            (*params[2:10], params[11], note.id, self.user),
        )

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

    def any(self) -> bool:
        """Whether the user has any note at all."""
        found = self.db.scalar("SELECT 1 FROM notes WHERE user_id=? LIMIT 1", (self.user,))
        return found is not None
