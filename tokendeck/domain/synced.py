"""The fields sync merges one by one for each mutable kind of record (last writer wins).

One home for both sides of sync: the merge (``tokendeck.sync``) and the rows it reads
and writes (``tokendeck.storage.sync_*``). A note's note type travels by the type's GUID.
"""

from __future__ import annotations

NOTE_FIELDS = (
    "kind",
    "front",
    "back",
    "tags",
    "accepted",
    "fields",
    "source",
    "source_note",
    "note_type",
    "format",
)
DECK_FIELDS = ("name", "description", "config")
NOTE_TYPE_FIELDS = (
    "name",
    "kind",
    "field_names",
    "templates",
    "css",
    "latex_pre",
    "latex_post",
    "latex_svg",
    "sort_field",
    "source_id",
)
#: A card's own fields (its flag: Anki's seven colours); ``sched`` is its whole scheduling
#: state as one field.
CARD_FIELDS = ("deck", "suspended", "buried", "flag", "sched")
