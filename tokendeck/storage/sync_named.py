"""Decks and note types as a sync reads and writes them: few rows, a GUID, a unique name.

Both are named things: a deck's name is unique regardless of case, a note
type's exactly. Their GUIDs are given when a sync first sends them
(:meth:`tokendeck.storage.sync.SyncRows.sequence`): a deck's from its name, a
note type's from its name and shape (field names and number of templates,
:func:`tokendeck.storage.sync.note_type_guid`), so the same Anki note type
imported on two devices is one note type after they sync, while two different
ones that share a name stay two (the merge gives one of them a free name, as
an import does). Notes refer to their note type by that GUID on the wire.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from tokendeck.domain.synced import DECK_FIELDS, NOTE_TYPE_FIELDS
from tokendeck.storage.rows import marks
from tokendeck.storage.sync_read import Window
from tokendeck.storage.sync_write import LocalRow
from tokendeck.storage.table import Table

Row = tuple[Any, ...]


class NamedRows(Table):
    """The rows of a table of named things (decks, note types), by GUID."""

    __slots__ = ()
    #: the table, its synced columns in the wire's order, and whether names ignore case
    table: ClassVar[str]
    values: ClassVar[tuple[str, ...]]
    ignore_case: ClassVar[bool]

    def fold(self, name: str) -> str:
        """A name as uniqueness sees it."""
        return name.lower() if self.ignore_case else name

    # -- reading ---------------------------------------------------------------------------
    @property
    def _wire(self) -> str:
        return f"guid, {', '.join(self.values)}, created_at, sync_stamps"

    def changed(self, window: Window) -> list[Row]:
        """Rows in the window, as sent."""
        return self.db.fetchall(
            f"SELECT {self._wire} FROM {self.table} t WHERE t.user_id=? AND {window.where('t')}"
            " ORDER BY t.id",
            (self.user, *window.params),
        )

    def by_id(self, ids: Sequence[int]) -> list[Row]:
        """Rows by local id, as sent (what other rows refer to)."""
        if not ids:
            return []
        return self.db.fetchall(
            f"SELECT {self._wire} FROM {self.table} WHERE user_id=? AND id IN ({marks(ids)})",
            (self.user, *ids),
        )

    # -- writing ---------------------------------------------------------------------------
    def local(self) -> dict[str, LocalRow]:
        """Every row with a GUID, by GUID (a user has few)."""
        width = len(self.values)
        rows = self.db.fetchall(
            f"SELECT id, guid, {', '.join(self.values)}, created_at, sync_stamps, sync_seq,"
            f" sync_origin FROM {self.table} WHERE user_id=? AND guid IS NOT NULL",
            (self.user,),
        )
        return {
            r[1]: LocalRow(r[0], dict(zip(self.values, r[2 : 2 + width], strict=True)),
                           *r[2 + width :])
            for r in rows
        }  # fmt: skip

    def names(self) -> dict[str, int]:
        """Name (as :meth:`fold` sees it) -> id."""
        rows = self.db.fetchall(f"SELECT name, id FROM {self.table} WHERE user_id=?", (self.user,))
        return {self.fold(name): row_id for name, row_id in rows}

    def ids(self) -> dict[str, int]:
        """GUID -> id."""
        rows = self.db.fetchall(
            f"SELECT guid, id FROM {self.table} WHERE user_id=? AND guid IS NOT NULL",
            (self.user,),
        )
        return {guid: row_id for guid, row_id in rows}

    def insert(self, guid: str, values: dict[str, Any], created_at: int, now_ms: int) -> int:
        """Store a row new to this replica; returns its id."""
        return self.db.execute(
            f"INSERT INTO {self.table} (user_id, guid, {', '.join(self.values)}, created_at,"
            f" modified_at) VALUES (?, ?, {marks(self.values)}, ?, ?)",
            (self.user, guid, *(values[k] for k in self.values), created_at, now_ms),
        )

    def update(self, row_id: int, values: dict[str, Any], now_ms: int) -> None:
        """Store a row's synced values."""
        assigned = ", ".join(f"{k}=?" for k in self.values)
        self.db.execute(
            f"UPDATE {self.table} SET {assigned}, modified_at=? WHERE user_id=? AND id=?",
            (*(values[k] for k in self.values), now_ms, self.user, row_id),
        )


class SyncDecks(NamedRows):
    """A user's decks, as the sync sends and receives them."""

    __slots__ = ()
    table = "decks"
    values = DECK_FIELDS
    ignore_case = True

    def default_deck(self, now_ms: int) -> int:
        """The id of the deck "Default" (made if missing): where a card of a lost deck goes."""
        found = self.db.scalar(
            "SELECT id FROM decks WHERE user_id=? AND lower(name)='default'", (self.user,)
        )
        if found is not None:
            return int(found)
        from tokendeck.storage.decks import deck_guid

        return self.db.execute(
            "INSERT INTO decks (user_id, guid, name, created_at, modified_at)"
            " VALUES (?, ?, 'Default', ?, ?)",
            (self.user, deck_guid("Default"), now_ms, now_ms),
        )

    def in_use(self, deck_id: int) -> bool:
        """Whether any card is in a deck."""
        return bool(
            self.db.scalar(
                "SELECT 1 FROM cards WHERE user_id=? AND deck_id=? LIMIT 1", (self.user, deck_id)
            )
        )


class SyncNoteTypes(NamedRows):
    """A user's note types, as the sync sends and receives them."""

    __slots__ = ()
    table = "note_types"
    values = NOTE_TYPE_FIELDS
    ignore_case = False

    def behind(self, note_ids: Sequence[int], window: Window) -> list[Row]:
        """Note types of some notes that changed after the window (so the receiver may
        lack them): sent along with the notes."""
        if not note_ids:
            return []
        return self.db.fetchall(
            f"SELECT {self._wire} FROM note_types WHERE user_id=?"
            " AND (sync_seq IS NULL OR sync_seq > ?) AND id IN (SELECT note_type_id FROM notes"
            f" WHERE user_id=? AND id IN ({marks(note_ids)}))",
            (self.user, window.hi, self.user, *note_ids),
        )
