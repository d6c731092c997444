"""What travels between replicas: the record kinds, their columns, and a batch of them.

Local integer ids never travel. A note, deck, note type and setting are named
by their GUID (or key); a card by its note's GUID and its ordinal; a review by its
UUID. Rows are plain tuples in the column order given here (a million reviews
are a million tuples, not a million objects), grouped in :class:`Table`\\ s; a
:class:`Batch` is what one request carries.

Stamps (``stamps`` columns) are JSON objects ``{field: hybrid-clock stamp}``;
a field missing from them carries stamp 0, the stamp of a value as created
(see :mod:`.merge`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Column types: integer, float, text, bytes (each may be None).
INT, FLOAT, TEXT, BYTES = "i", "f", "s", "b"

#: kind -> ((column, type), ...): the wire form of each record kind.
SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "settings": (("key", TEXT), ("value", TEXT), ("stamp", INT)),
    "decks": (
        ("guid", TEXT),
        ("name", TEXT),
        ("description", TEXT),
        ("config", TEXT),
        ("created_at", INT),
        ("stamps", TEXT),
    ),
    # A note type's GUID is given from its name and shape (fields, number of templates).
    "note_types": (
        ("guid", TEXT),
        ("name", TEXT),
        ("kind", TEXT),
        ("field_names", TEXT),
        ("templates", TEXT),
        ("css", TEXT),
        ("latex_pre", TEXT),
        ("latex_post", TEXT),
        ("latex_svg", INT),
        ("sort_field", INT),
        ("source_id", INT),
        ("created_at", INT),
        ("stamps", TEXT),
    ),
    # ``note_type`` is the note type's GUID (None: a note written here, in Markdown).
    "notes": (
        ("guid", TEXT),
        ("kind", TEXT),
        ("front", TEXT),
        ("back", TEXT),
        ("tags", TEXT),
        ("accepted", TEXT),
        ("fields", TEXT),
        ("source", TEXT),
        ("source_note", TEXT),
        ("note_type", TEXT),
        ("format", TEXT),
        ("created_at", INT),
        ("modified_at", INT),
        ("stamps", TEXT),
    ),
    "cards": (
        ("note_guid", TEXT),
        ("ordinal", INT),
        ("deck_guid", TEXT),
        ("state", INT),
        ("due", INT),
        ("step", INT),
        ("stability", FLOAT),
        ("difficulty", FLOAT),
        ("last_review", INT),
        ("reps", INT),
        ("lapses", INT),
        ("suspended", INT),
        ("buried_until", INT),
        ("flag", INT),
        ("created_at", INT),
        ("stamps", TEXT),
    ),
    # ``card`` indexes the batch's card keys; ``undo`` is the card as it was before
    # the answer (JSON, the replay base); ``attempt`` how the answer was asked and graded.
    "reviews": (
        ("uid", BYTES),
        ("card", INT),
        ("reviewed_at", INT),
        ("rating", INT),
        ("duration_ms", INT),
        ("kind", TEXT),
        ("state_before", INT),
        ("state_after", INT),
        ("scheduled_days", FLOAT),
        ("elapsed_days", INT),
        ("stability", FLOAT),
        ("difficulty", FLOAT),
        ("undo", TEXT),
        ("attempt", TEXT),
    ),
    # kind: note / card / deck / review; key: GUID, "GUID:ordinal" or the review's hex id;
    # deleted: the hybrid-clock stamp of the deletion.
    "tombstones": (("kind", TEXT), ("key", TEXT), ("deleted", INT)),
    # The card keys that ``reviews.card`` points into.
    "card_keys": (("note_guid", TEXT), ("ordinal", INT)),
}

#: Record kinds in the order a batch is applied: what a row refers to comes first.
ORDER = (
    "settings",
    "decks",
    "note_types",
    "notes",
    "cards",
    "card_keys",
    "reviews",
    "tombstones",
)

SCHED_COLUMNS = (
    "state",
    "due",
    "step",
    "stability",
    "difficulty",
    "last_review",
    "reps",
    "lapses",
)


def columns(kind: str) -> tuple[str, ...]:
    """The column names of a record kind."""
    return tuple(name for name, _ in SCHEMAS[kind])


def index(kind: str) -> dict[str, int]:
    """Column name -> position in a row of ``kind``."""
    return {name: i for i, (name, _) in enumerate(SCHEMAS[kind])}


def card_key(note_guid: str, ordinal: int) -> str:
    """A card's identity everywhere: its note's GUID and its ordinal."""
    return f"{note_guid}:{int(ordinal)}"


def split_card_key(key: str) -> tuple[str, int]:
    """``"GUID:2"`` -> ``("GUID", 2)``."""
    guid, _, ordinal = key.rpartition(":")
    return guid, int(ordinal)


class Table:
    """Rows of one record kind, held as rows or as columns, whichever the maker had.

    A million reviews go from the database to the wire and back to a database
    as columns, never as a million row tuples built in Python; merging code that
    wants rows gets them (built once, on first use).
    """

    def __init__(self, kind: str, rows: Sequence[tuple[Any, ...]] | None = None) -> None:
        self.kind = kind
        self._rows: list[tuple[Any, ...]] | None = list(rows) if rows else None
        self._columns: list[Sequence[Any]] | None = None
        self._parts: list[tuple[str, Any]] = [("rows", self._rows)] if rows else []
        self._length = len(rows) if rows else 0

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)

    def add_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Append rows."""
        if rows:
            self._parts.append(("rows", list(rows)))
            self._length += len(rows)
            self._rows = self._columns = None

    def add_columns(self, columns: Sequence[Sequence[Any]]) -> None:
        """Append rows given as columns (one sequence per column, all of one length)."""
        if columns and len(columns[0]):
            if len(columns) != len(SCHEMAS[self.kind]):
                raise ValueError(f"{self.kind} has {len(SCHEMAS[self.kind])} columns")
            self._parts.append(("columns", list(columns)))
            self._length += len(columns[0])
            self._rows = self._columns = None

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """Every row as a tuple."""
        if self._rows is None:
            out: list[tuple[Any, ...]] = []
            for form, part in self._parts:
                out.extend(part if form == "rows" else zip(*part, strict=True))
            self._rows = out
        return self._rows

    def columns(self) -> list[Sequence[Any]]:
        """Every column as a sequence (empty sequences for an empty table)."""
        if self._columns is None:
            if len(self._parts) == 1 and self._parts[0][0] == "columns":
                self._columns = self._parts[0][1]
            elif self._length:
                self._columns = [list(c) for c in zip(*self.rows, strict=True)]
            else:
                self._columns = [[] for _ in SCHEMAS[self.kind]]
        return self._columns


@dataclass
class Batch:
    """What one push or pull request carries: some rows of each kind, and a header.

    ``header`` holds the protocol's bookkeeping (cursors, paging, counts) as
    JSON-ready values.
    """

    header: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)

    def table(self, kind: str) -> Table:
        """The rows of ``kind`` (an empty table if the batch has none)."""
        if kind not in SCHEMAS:
            raise KeyError(kind)
        if kind not in self.tables:
            self.tables[kind] = Table(kind)
        return self.tables[kind]

    def add(self, kind: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Append rows of ``kind``."""
        self.table(kind).add_rows(rows)

    def add_columns(self, kind: str, columns: Sequence[Sequence[Any]]) -> None:
        """Append rows of ``kind`` given as columns."""
        self.table(kind).add_columns(columns)

    def rows(self, kind: str) -> list[tuple[Any, ...]]:
        """The rows of ``kind`` (empty when absent)."""
        found = self.tables.get(kind)
        return [] if found is None else found.rows

    def size(self) -> int:
        """Rows in the batch, all kinds together."""
        return sum(len(t) for t in self.tables.values())

    def counts(self) -> dict[str, int]:
        """Rows per kind (non-empty kinds only)."""
        return {k: len(t) for k, t in self.tables.items() if len(t)}
