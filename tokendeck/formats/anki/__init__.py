"""Anki packages (``.apkg`` and ``.colpkg``) <-> :class:`tokendeck.interchange.Package`.

``read`` accepts every layout Anki writes (legacy ``collection.anki2``,
``collection.anki21`` and the zstd-compressed ``collection.anki21b``);
``write`` produces an ``.apkg`` that current and older Anki versions open.
Neither touches a TokenDeck collection.
"""

from __future__ import annotations

from tokendeck.formats.anki.archive import Limits
from tokendeck.formats.anki.reading import read
from tokendeck.formats.anki.writing import to_bytes, write

__all__ = ["Limits", "read", "to_bytes", "write"]
