"""Note types: how a note's named fields become cards (Anki's templates, styling, LaTeX).

Notes written in TokenDeck are Markdown and take their cards from their kind
(basic, reversed, type-in, cloze). Notes that came from Anki keep Anki's note
type: named fields, card templates in Anki's template language, a stylesheet
and a LaTeX header. A :class:`NoteType` is that, stored per user; it has the
shape :mod:`tokendeck.rendering` renders (``NoteTypeLike``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tokendeck.errors import ValidationError

#: One card per template whose front is not blank, or one card per cloze number.
NOTE_TYPE_KINDS = ("standard", "cloze")

#: How a note's text is written: TokenDeck's own notes are Markdown; notes that came
#: from Anki are HTML and are rendered through their note type.
NOTE_FORMATS = ("markdown", "html")


@dataclass(frozen=True, slots=True)
class CardTemplate:
    """One card template: question and answer in Anki's template language."""

    name: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class NoteType:
    """A user's note type (its ``name`` is unique per user)."""

    id: int
    user_id: int
    name: str
    kind: str
    field_names: tuple[str, ...]
    templates: tuple[CardTemplate, ...]
    css: str = ""
    latex_pre: str = ""
    latex_post: str = ""
    latex_svg: bool = False
    #: Index of the field Anki sorts and finds duplicates by.
    sort_field: int = 0
    #: The id the note type had where it came from (Anki's), if any.
    source_id: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None

    def same_shape(self, field_names: tuple[str, ...] | list[str], templates: int) -> bool:
        """Whether notes written for fields ``field_names`` and ``templates`` cards fit it."""
        return tuple(field_names) == self.field_names and templates == len(self.templates)


def check_note_type(name: str, kind: str, field_names: tuple[str, ...], templates: int) -> None:
    """Refuse a note type that cannot render any card, naming what is wrong."""
    if not name.strip():
        raise ValidationError("a note type needs a name", hint="give it the name Anki showed")
    if kind not in NOTE_TYPE_KINDS:
        raise ValidationError(
            f"note type {name!r} has unknown kind {kind!r}", hint="use standard or cloze"
        )
    if not field_names or any(not f.strip() for f in field_names):
        raise ValidationError(
            f"note type {name!r} needs named fields", hint="every field needs a non-empty name"
        )
    if len(set(field_names)) != len(field_names):
        raise ValidationError(
            f"note type {name!r} names a field twice", hint="field names must be unique"
        )
    if templates < 1:
        raise ValidationError(
            f"note type {name!r} has no card template", hint="add at least one template"
        )


def check_format(text: str) -> str:
    """Validate a note format name (markdown or html)."""
    if text not in NOTE_FORMATS:
        raise ValidationError(f"unknown note format {text!r}", hint="use markdown or html")
    return text


_REFERENCE = re.compile(r"\{\{([^#/^!}][^}]*)\}\}")


def flatten(note_type: NoteType, fields: Mapping[str, str]) -> tuple[str, str]:
    """A note's front and back as search, grading and quizzes read them.

    The front is the first field; the back joins (with ``<br>``) the other
    fields the templates show, as the Anki reader flattens a note it imports.
    """
    names = note_type.field_names
    front = fields.get(names[0], "") if names else ""
    shown = {
        ref.rsplit(":", 1)[-1].strip()
        for template in note_type.templates
        for ref in _REFERENCE.findall(template.question + template.answer)
    }
    rest = [n for n in names[1:] if n in shown] or list(names[1:])
    back = "<br>".join(fields.get(n, "") for n in rest if fields.get(n, ""))
    return front, back
