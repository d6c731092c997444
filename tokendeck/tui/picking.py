"""Which question to ask a card in Learn mode. Free of Textual.

By default the quizzing facade chooses (the format follows the card's FSRS
stability, see :mod:`tokendeck.quiz.learn`). A learner may instead restrict
Learn mode to some formats ("only typed answers today"); then one of those
is drawn per card, falling back along the same chains when it cannot be
built for the card.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.collection import Collection
    from tokendeck.quiz.formats import Question


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The formats, validated (ValidationError lists the ones there are)."""
    from tokendeck.quiz.formats import FORMATS

    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValidationError(
            f"unknown question format {unknown[0]!r}", hint=f"use one of {', '.join(FORMATS)}"
        )
    return tuple(formats)


def pick_question(
    col: Collection,
    card_id: int,
    *,
    now: datetime,
    rng: random.Random,
    formats: Sequence[str] = (),
) -> Question:
    """The Learn-mode question for a card, in one of ``formats`` when given."""
    if not formats:
        return col.learn_question(card_id, now=now, rng=rng)
    from tokendeck.quiz.formats import QuestionError, flip
    from tokendeck.quiz.learn import FALLBACK

    chosen = formats[0] if len(formats) == 1 else rng.choice(list(formats))
    for candidate in (chosen, *FALLBACK.get(chosen, ())):
        try:
            return col.build_question(card_id, candidate, now=now, rng=rng)
        except QuestionError:
            continue
    # Flip is in every chain, but a chain may end before it ("flip" itself).
    from tokendeck.quiz.items import item_from_view

    return flip(item_from_view(col.card(card_id)))
