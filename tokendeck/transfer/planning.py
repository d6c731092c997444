"""Rows for the notes and new cards an import creates, with little work per note.

A 100,000-note CSV is mostly the same few facts repeated: one deck, one kind,
the same tags, cards that are simply new. So the stored text of a tag list is
worked out once per distinct list, a new card is four numbers (the rest of its
row is the same for every new card of the import and is written by the SQL
statement), and GUIDs come from one random prefix and a counter.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from itertools import count
from typing import Any

from tokendeck.domain.notes import card_ordinals, normalise_tags
from tokendeck.storage.rows import tags_text
from tokendeck.transfer.package import NoteRecord

#: (card id, note id, deck id, ordinal) of a card that starts new.
NewCard = tuple[int, int, int, int]

#: ``json.dumps(value, ensure_ascii=False)`` with one encoder made once: ``dumps`` with
#: options builds an encoder per call, which was a third of encoding a note's fields.
_json = json.JSONEncoder(ensure_ascii=False).encode


def fresh_guids() -> Iterator[str]:
    """Unique note GUIDs for one import: a random 96-bit prefix and a counter.

    Unique for every practical purpose (two imports share a prefix with
    probability 2^-96), and consecutive, so the collection's GUID index grows at
    one end instead of at 100,000 random places (about 0.25 s of a 100,000-note
    import), and one ``os.urandom`` call serves the whole import. Still 32 hex
    digits, like :func:`notes.new_guid`.
    """
    prefix = os.urandom(12).hex()
    return (f"{prefix}{number:08x}" for number in count())


class NoteRows:
    """Turns note records into stored note rows, remembering per-import constants."""

    def __init__(self, user: int, now_ms: int) -> None:
        self.user = user
        self.now_ms = now_ms
        self._tags: dict[tuple[str, ...], str] = {(): ""}

    def content(self, record: NoteRecord) -> tuple[Any, ...]:
        """kind, front, back, tags, accepted, fields, source, source_note: as stored."""
        return (
            record.kind,
            record.front.strip(),
            record.back.strip(),
            self._tags_text(record.tags),
            _json(record.accepted) if record.accepted else "[]",
            _json(record.fields) if record.fields else "{}",
            record.source,
            record.source_note,
        )

    def new_note(
        self,
        note_id: int,
        guid: str,
        record: NoteRecord,
        note_type_id: int | None = None,
        format: str = "markdown",
    ) -> tuple[Any, ...]:
        """A row for ``Bulk.insert_notes``: id, user, GUID, content, two times, note type
        and format."""
        return (
            note_id,
            self.user,
            guid,
            *self.content(record),
            self.now_ms,
            self.now_ms,
            note_type_id,
            format,
        )

    def _tags_text(self, tags: list[str] | str) -> str:
        if isinstance(tags, str):  # hand-built records sometimes give one string
            return tags_text(normalise_tags(tags))
        key = tuple(tags)
        text = self._tags.get(key)
        if text is None:
            text = self._tags[key] = tags_text(normalise_tags(key))
        return text


class NewCards:
    """The cards that start new, as runs of one-card notes plus single rows for the rest.

    A run is (first card id, first note id, deck id, length): consecutive notes
    of one deck with one card each (ordinal 0), numbered in step, which SQLite
    expands itself (``package_queries.insert_new_cards``). A file of basic
    notes is one run however long it is; notes with several cards (reversed,
    cloze) are single (card id, note id, deck id, ordinal) rows.
    """

    def __init__(self) -> None:
        self.runs: list[list[int]] = []
        self.rows: list[NewCard] = []
        self._run = [0, 0, -1, 0]  # a run nothing continues

    def add(
        self,
        record: NoteRecord,
        note_id: int,
        deck_id: int,
        card_id: int,
        ordinals: list[int] | None = None,
    ) -> int:
        """Add the new cards of a note (ids from ``card_id``); returns how many.

        ``ordinals`` (a note of a note type) says which cards; None: its kind's.
        """
        if ordinals is None:
            if record.kind == "basic" or record.kind == "type_in":
                ordinals = _FIRST_ONLY  # the usual case, without working out ordinals
            else:
                ordinals = card_ordinals(record.kind, record.front)
        if ordinals != _FIRST_ONLY:
            self.rows.extend((card_id + i, note_id, deck_id, o) for i, o in enumerate(ordinals))
            return len(ordinals)
        run = self._run
        if run[2] == deck_id and run[0] + run[3] == card_id and run[1] + run[3] == note_id:
            run[3] += 1
        else:
            self._run = [card_id, note_id, deck_id, 1]
            self.runs.append(self._run)
        return 1


_FIRST_ONLY = [0]
