"""The ``note_types`` table: a user's note types (fields, templates, styling, LaTeX)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tokendeck.domain.notetypes import CardTemplate, NoteType
from tokendeck.storage.database import Row
from tokendeck.storage.rows import from_ms
from tokendeck.storage.table import Table

#: Every column, in the order rows are read and (for restores) written.
NOTE_TYPE_COLUMNS = (
    "id, user_id, name, kind, field_names, templates, css, latex_pre, latex_post, latex_svg,"
    " sort_field, source_id, created_at, modified_at"
)
_SELECT = f"SELECT {NOTE_TYPE_COLUMNS} FROM note_types"


def note_type_from_row(row: Row) -> NoteType:
    """A :class:`NoteType` from a row selected with ``NOTE_TYPE_COLUMNS``."""
    templates = json.loads(row[5])
    return NoteType(
        id=row[0],
        user_id=row[1],
        name=row[2],
        kind=row[3],
        field_names=tuple(json.loads(row[4])),
        templates=tuple(CardTemplate(t["name"], t["question"], t["answer"]) for t in templates),
        css=row[6],
        latex_pre=row[7],
        latex_post=row[8],
        latex_svg=bool(row[9]),
        sort_field=row[10],
        source_id=row[11],
        created_at=from_ms(row[12]),
        modified_at=from_ms(row[13]),
    )


def note_type_params(note_type: NoteType) -> tuple[Any, ...]:
    """Column values after ``id, user_id`` up to ``source_id`` (times are the caller's)."""
    templates = [
        {"name": t.name, "question": t.question, "answer": t.answer} for t in note_type.templates
    ]
    return (
        note_type.name,
        note_type.kind,
        json.dumps(list(note_type.field_names), ensure_ascii=False),
        json.dumps(templates, ensure_ascii=False),
        note_type.css,
        note_type.latex_pre,
        note_type.latex_post,
        int(note_type.latex_svg),
        note_type.sort_field,
        note_type.source_id,
    )


class NoteTypes(Table):
    """A user's note types."""

    __slots__ = ()

    def all(self) -> list[NoteType]:
        """Every note type, by name."""
        rows = self.db.fetchall(f"{_SELECT} WHERE user_id=? ORDER BY name", (self.user,))
        return [note_type_from_row(r) for r in rows]

    def get(self, note_type_id: int) -> NoteType | None:
        """A note type by id, or None."""
        row = self.db.fetchone(f"{_SELECT} WHERE user_id=? AND id=?", (self.user, note_type_id))
        return None if row is None else note_type_from_row(row)

    def by_name(self, name: str) -> NoteType | None:
        """A note type by its exact name, or None."""
        row = self.db.fetchone(f"{_SELECT} WHERE user_id=? AND name=?", (self.user, name))
        return None if row is None else note_type_from_row(row)

    def insert(self, note_type: NoteType, now_ms: int) -> int:
        """Store a new note type (of this user); returns its id."""
        columns = NOTE_TYPE_COLUMNS.split(", ", 1)[1]  # the id is the database's to give
        return self.db.execute(
            f"INSERT INTO note_types ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.user, *note_type_params(note_type), now_ms, now_ms),
        )

    def update(self, note_type: NoteType, now_ms: int) -> None:
        """Store a note type's templates, styling and LaTeX header (its fields stay)."""
        params = note_type_params(note_type)
        self.db.execute(
            "UPDATE note_types SET kind=?, templates=?, css=?, latex_pre=?, latex_post=?,"
            " latex_svg=?, sort_field=?, source_id=?, modified_at=? WHERE id=? AND user_id=?",
            (params[1], *params[3:], now_ms, note_type.id, self.user),
        )

    def rows(self) -> list[Row]:
        """Every note type as a row of ``NOTE_TYPE_COLUMNS`` (backups), by id."""
        return self.db.fetchall(
            f"SELECT {NOTE_TYPE_COLUMNS} FROM note_types WHERE user_id=? ORDER BY id",
            (self.user,),
        )

    def insert_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        """Note types with their ids and times, in ``NOTE_TYPE_COLUMNS`` order (restores)."""
        marks = ", ".join("?" for _ in NOTE_TYPE_COLUMNS.split(","))
        self.db.executemany(
            f"INSERT INTO note_types ({NOTE_TYPE_COLUMNS}) VALUES ({marks})", iter(rows)
        )
