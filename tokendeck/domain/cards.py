"""Cards: the unit that is scheduled and studied."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class CardView:
    """A card with its note and the text to show, as front-ends display it."""

    card: Card
    note: Note
    deck_name: str
    front: str
    back: str

    @property
    def id(self) -> int:
        """The card's id."""
        return self.card.id
