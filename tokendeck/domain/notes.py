"""Notes: what the learner writes. A note produces one or more cards.

A ``basic`` note gives one card (front -> back); ``basic_reversed`` adds the
reverse card (back -> front); ``type_in`` is a basic card answered by typing;
``cloze`` gives one card per cloze number ``{{c1::...}}`` in its front.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime

from tokendeck.errors import ValidationError

NOTE_KINDS = ("basic", "basic_reversed", "type_in", "cloze")

_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
#: Highest cloze number: each number is a card of its own, and a file asking for
#: c99999999999999999999 is damaged (the number does not even fit in the database).
MAX_CLOZE = 500


@dataclass(frozen=True, slots=True)
class Note:
    """A note's content. ``tags`` are lower-case, without spaces.

    A note with a note type (``note_type_id``) keeps every field in ``fields``
    (by name, in the note type's order); ``front`` and ``back`` are then a
    flattened view of them for search, grading and quizzes.
    """

    id: int
    user_id: int
    guid: str
    kind: str
    front: str
    back: str
    tags: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    source: str = ""
    source_note: str = ""
    created_at: datetime | None = None
    modified_at: datetime | None = None
    #: The note type it renders through (notes from Anki); None: cards from its kind.
    note_type_id: int | None = None
    #: How its text is written: "markdown" (TokenDeck's own) or "html" (from Anki).
    format: str = "markdown"


def new_guid() -> str:
    """A fresh, globally unique note id (128 random bits, hex)."""
    # os.urandom is several times cheaper than uuid4 and as unique; bulk imports
    # make one per note.
    return os.urandom(16).hex()


def check_kind(kind: str) -> str:
    """Validate a note kind name."""
    if kind not in NOTE_KINDS:
        raise ValidationError(
            f"unknown note kind {kind!r}", hint=f"use one of {', '.join(NOTE_KINDS)}"
        )
    return kind


def normalise_tags(tags: object) -> tuple[str, ...]:
    """Split, trim and de-duplicate tags, keeping their order."""
    if isinstance(tags, str):
        items = tags.replace(",", " ").split()
    else:
        items = [str(t).strip() for t in tags]  # type: ignore[attr-defined]
    cleaned = [t.replace(" ", "_") for t in items if t]
    return tuple(dict.fromkeys(cleaned))


def card_ordinals(kind: str, front: str) -> list[int]:
    """Which cards a note of this kind and front text should have."""
    if kind == "basic_reversed":
        return [0, 1]
    if kind == "cloze":
        problem = cloze_problem(front)
        if problem:
            raise ValidationError(problem, hint=f"number clozes from c1 to c{MAX_CLOZE}")
        numbers = sorted({int(m.group(1)) for m in _CLOZE.finditer(front)})
        return [n - 1 for n in numbers if n >= 1] or [0]
    return [0]


def cloze_problem(front: str) -> str | None:
    """Why a cloze note's front cannot make cards (a cloze number too large), or None."""
    for match in _CLOZE.finditer(front):
        digits = match.group(1).lstrip("0")
        if len(digits) > len(str(MAX_CLOZE)) or int(digits or "0") > MAX_CLOZE:
            shown = digits if len(digits) <= 30 else digits[:30] + "..."
            return f"cloze number c{shown} is too large (at most c{MAX_CLOZE})"
    return None


def render(kind: str, front: str, back: str, ordinal: int) -> tuple[str, str]:
    """The question and answer text of one card of a note."""
    if kind == "basic_reversed" and ordinal == 1:
        return back, front
    if kind == "cloze":
        question = _render_cloze(front, ordinal + 1, reveal=False)
        answer = _render_cloze(front, ordinal + 1, reveal=True)
        return question, f"{answer}\n\n{back}".strip()
    return front, back


def _render_cloze(text: str, number: int, *, reveal: bool) -> str:
    def replace(match: re.Match[str]) -> str:
        if int(match.group(1)) != number:
            return match.group(2)
        if reveal:
            return f"**{match.group(2)}**"
        return f"[{match.group(3) or '...'}]"

    return _CLOZE.sub(replace, text)


def first_line(text: str) -> str:
    """The first non-empty line: the short answer on a well-made back."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
