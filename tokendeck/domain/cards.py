"""Cards: the unit that is scheduled and studied."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum
from typing import TYPE_CHECKING

from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.domain.notes import Note


class CardState(IntEnum):
    """Where a card is in its life: never seen, in (re)learning steps, or in review."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3

    @property
    def label(self) -> str:
        """Lower-case name used in output and files ("new", "review", ...)."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> CardState:
        """``"review"`` -> ``CardState.REVIEW``; raises ValidationError otherwise."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValidationError(
                f"unknown card state {text!r}", hint=f"use one of {names}"
            ) from None


class Rating(IntEnum):
    """The four answer buttons."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """Lower-case name ("again", "hard", "good", "easy")."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str | int) -> Rating:
        """Accept a name (any case) or a number 1-4."""
        raw = str(text).strip()
        if raw.isdigit() and 1 <= int(raw) <= 4:
            return cls(int(raw))
        try:
            return cls[raw.upper()]
        except KeyError:
            raise ValidationError(
                f"unknown rating {text!r}", hint="use again, hard, good or easy (or 1-4)"
            ) from None


#: The flags a card can carry, by number, as Anki colours them (0 is no flag).
FLAGS = {
    1: "red",
    2: "orange",
    3: "green",
    4: "blue",
    5: "pink",
    6: "turquoise",
    7: "purple",
}


def check_flag(flag: int | str) -> int:
    """A flag number 0-7 from a number or a colour name; ValidationError otherwise."""
    text = str(flag).strip().lower()
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    for number, colour in FLAGS.items():
        if text == colour:
            return number
    if text in ("none", "off", ""):
        return 0
    names = ", ".join(f"{n} {c}" for n, c in FLAGS.items())
    raise ValidationError(f"unknown flag {flag!r}", hint=f"use 0 (no flag) or {names}")


@dataclass(frozen=True, slots=True)
class Card:
    """One card's identity and scheduling state. Times are UTC."""

    id: int
    note_id: int
    deck_id: int
    user_id: int
    ordinal: int
    state: CardState
    due: datetime
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_until: date | None = None
    #: A coloured flag the learner set (0: none; see :data:`FLAGS`).
    flag: int = 0

    def is_buried(self, today: date) -> bool:
        """Whether the card is buried on study day ``today``."""
        return self.buried_until is not None and self.buried_until > today


@dataclass(frozen=True)
class CardFace:
    """A card's two sides as the pages show them: safe HTML, and as terminal text.

    For a Markdown note the question is its front and the answer its back. For
    a note rendered through an Anki note type the answer side is Anki's whole
    answer (``whole_answer``: it usually repeats the question through
    ``{{FrontSide}}``), so a page shows it *instead of* the question; its
    ``css`` (the note type's stylesheet) is to be scoped to the card's element
    and its ``macros`` given to KaTeX.
    """

    question_html: str
    answer_html: str
    whole_answer: bool = False
    css: str = ""
    macros: Mapping[str, str] = field(default_factory=dict)
    #: "markdown" or "html" (the note's format).
    format: str = "markdown"
    #: Media files the card uses (images, sounds, LaTeX images), in order.
    media: tuple[str, ...] = ()
    #: The template error shown instead of the card, if any.
    error: str | None = None
    #: Both sides as readable terminal text (maths in Unicode, images as [image: name]);
    #: the answer without the question it repeats.
    question_text: str = ""
    answer_text: str = ""


class CardView:
    """A card with its note and what it shows, as front-ends display it.

    ``front`` and ``back`` are the card's question and answer as text: a
    Markdown note's own text, or for a note rendered through its note type the
    terminal text of its rendered sides. ``face`` is both sides as HTML. Both
    are worked out on first use (rendering an Anki card takes a millisecond or
    two, and a search returns thousands of views that are never shown).
    """

    __slots__ = ("_back", "_face", "_front", "_render", "card", "deck_name", "note")

    def __init__(
        self,
        card: Card,
        note: Note,
        deck_name: str,
        front: str | None = None,
        back: str | None = None,
        *,
        render: Callable[[CardView], CardFace] | None = None,
    ) -> None:
        self.card = card
        self.note = note
        self.deck_name = deck_name
        self._front = front
        self._back = back
        self._render = render
        self._face: CardFace | None = None

    @property
    def id(self) -> int:
        """The card's id."""
        return self.card.id

    @property
    def face(self) -> CardFace:
        """Both sides as HTML (and terminal text), rendered on first use."""
        if self._face is None:
            if self._render is None:  # a view built by hand: its text, escaped
                question, answer = html.escape(self.front), html.escape(self.back)
                self._face = CardFace(question, answer, question_text=self.front)
            else:
                self._face = self._render(self)
        return self._face

    @property
    def front(self) -> str:
        """The question as text."""
        if self._front is None:
            self._front = self.face.question_text
        return self._front

    @property
    def back(self) -> str:
        """The answer as text (without the question an Anki answer side repeats)."""
        if self._back is None:
            self._back = self.face.answer_text
        return self._back

    @property
    def is_html(self) -> bool:
        """Whether the card renders through an Anki note type (its text is HTML)."""
        return self.note.format == "html" and self.note.note_type_id is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CardView):
            return NotImplemented
        return (self.card, self.note, self.deck_name, self.front, self.back) == (
            other.card,
            other.note,
            other.deck_name,
            other.front,
            other.back,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CardView(card={self.card.id}, note={self.note.id}, deck={self.deck_name!r})"
