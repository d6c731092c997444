"""Anki packages (``.apkg`` and ``.colpkg``) <-> :class:`tokendeck.transfer.package.Package`.

``read`` accepts every layout Anki writes (legacy ``collection.anki2``,
``collection.anki21`` and the zstd-compressed ``collection.anki21b`` with its
protobuf media map); ``write`` produces a schema-11 ``.apkg`` that Anki 2.1+
and current Anki import. Neither touches a TokenDeck collection.

How things map (reading; writing is the inverse):

==========================  ================================================
Anki                        TokenDeck
==========================  ================================================
note type (fields,          NoteTypeRecord in ``Package.note_types``; notes
templates, CSS, LaTeX)      name it, keep every field, format ``html``
cloze note type             kind ``cloze`` (card ord = cloze number - 1)
template with ``{{type:}}`` kind ``type_in``
card from a 2nd template    kind ``basic_reversed`` (else ``basic``)
first field / other shown   front / back (all fields kept in ``fields``)
deck ``A::B``, tags         deck ``A::B``, tags
card type/queue/due/ivl     state, due (day numbers from ``col.crt``), suspended
``left`` + deck steps       learning step
card ``data`` ``s``/``d``   stability/difficulty (else None: rebuilt by FSRS)
revlog type / ease          kind learn/review/relearn/filtered/manual, rating
manual row with factor 0    "Forget": kind manual, state after ``new``
deck option group           DeckRecord.options (DeckConfig keys, steps in s)
==========================  ================================================

Untrusted input: the zip is read through :class:`tokendeck.untrusted.zips.SafeZip`
within a :class:`~tokendeck.untrusted.budget.ReadLimits` budget (``Limits`` here
is the same class), media names that could leave the media folder are refused,
and the collection is opened by :func:`tokendeck.untrusted.databases.open_untrusted`
(read-only, no views, triggers or recursive queries, a time budget) and read
with fixed, parameterised SELECTs.
"""

from __future__ import annotations

from tokendeck.formats.anki.reading import read
from tokendeck.formats.anki.writing import to_bytes, write
from tokendeck.untrusted.budget import ReadLimits as Limits

__all__ = ["Limits", "read", "to_bytes", "write"]
