"""Learn mode: which question format to ask a card in, from its memory state.

The collection's queue still decides *which* card comes next and FSRS
still schedules it; Learn mode only chooses *how* to ask, so that new and
shaky cards start with recognition and move to recall as they stick:

=================================  ==========================================
card                                format
=================================  ==========================================
cloze card                          cloze (typed)
new, relearning or stability < 1 d  multiple choice, or true / false (1 in 3)
stability 1 d to < 4 d              discrimination if it has a confusable
                                    rival, else reverse (by fallback) (definition -> term)
stability 4 d to < 21 d             typed recall (reverse for short terms
                                    every other time)
stability >= 21 d                   typed recall
=================================  ==========================================

A format that cannot be built for the card (too few neighbours for multiple
choice, a free question with no term for reverse) falls back along
:data:`FALLBACK` to one that can; flip always can.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from tokendeck.quiz import formats
from tokendeck.quiz.formats import Question, QuestionError
from tokendeck.quiz.items import Item
from tokendeck.quiz.similarity import Similarities

#: What to try when a format cannot be built for a card.
FALLBACK: dict[str, tuple[str, ...]] = {
    "multiple_choice": ("true_false", "typed", "flip"),
    "true_false": ("multiple_choice", "typed", "flip"),
    "discrimination": ("reverse", "multiple_choice", "typed", "flip"),
    "reverse": ("typed", "flip"),
    "typed": ("flip",),
    "cloze": ("typed", "flip"),
    "matching": ("multiple_choice", "typed", "flip"),
    "flip": (),
}


@dataclass(frozen=True, slots=True)
class LearnPolicy:
    """Stability thresholds (days) between the stages of Learn mode."""

    recognition_below: float = 1.0
    discrimination_below: float = 4.0
    mixed_recall_below: float = 21.0
    true_false_share: float = 1 / 3

    def choose(self, item: Item, rng: random.Random, *, relearning: bool = False) -> str:
        """The preferred format for ``item`` (see the table in the module docstring)."""
        if item.kind == "cloze":
            return "cloze"
        stability = item.stability
        if relearning or stability is None or stability < self.recognition_below:
            return "true_false" if rng.random() < self.true_false_share else "multiple_choice"
        if stability < self.discrimination_below:
            return "discrimination" if item.is_term else "multiple_choice"
        if stability < self.mixed_recall_below and item.is_term and rng.random() < 0.5:
            return "reverse"
        return "typed"


def learn_question(
    sims: Similarities,
    index: int,
    rng: random.Random,
    *,
    policy: LearnPolicy | None = None,
    relearning: bool = False,
) -> Question:
    """The Learn-mode question for the item at ``index`` (with fallbacks)."""
    chosen = (policy or LearnPolicy()).choose(sims.items[index], rng, relearning=relearning)
    return build_with_fallback(chosen, sims, index, rng)


def build_with_fallback(fmt: str, sims: Similarities, index: int, rng: random.Random) -> Question:
    """Build ``fmt``, or the first of its fallbacks that works for the card."""
    for candidate in (fmt, *FALLBACK.get(fmt, ("flip",))):
        try:
            return formats.build(candidate, sims, index, rng)
        except QuestionError:
            continue
    return formats.flip(sims.items[index])
