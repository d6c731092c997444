"""Attempts: how a card was asked and answered, beside the review it produced.

Every question format (flip, typed recall, reverse, multiple choice, true /
false, matching, cloze) ends in an FSRS rating on the card; the attempt keeps
what the learner typed or picked, the grader's score and verdict, the rating
the grader suggested, and whether the learner overrode it. Overrides are
logged so the grader can be checked against the learner's own judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tokendeck.errors import ValidationError

FORMATS = ("flip", "typed", "reverse", "multiple_choice", "true_false", "matching", "cloze")


@dataclass(frozen=True, slots=True)
class Attempt:
    """One answer in some question format."""

    format: str = "flip"
    answer: str = ""
    score: float | None = None
    verdict: str | None = None
    suggested_rating: int | None = None
    overridden: bool = False

    def validated(self) -> Attempt:
        """Return self, or raise ValidationError naming the bad field."""
        if self.format not in FORMATS:
            raise ValidationError(
                f"unknown question format {self.format!r}", hint=f"use one of {', '.join(FORMATS)}"
            )
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValidationError(
                f"score {self.score} is out of range", hint="scores run from 0 to 1"
            )
        if self.suggested_rating is not None and not 1 <= self.suggested_rating <= 4:
            raise ValidationError("suggested rating must be 1 to 4")
        return self


@dataclass(frozen=True, slots=True)
class LoggedAttempt:
    """An attempt as stored, with its review and time."""

    id: int
    review_id: int
    card_id: int
    answered_at: datetime
    rating: int
    attempt: Attempt
