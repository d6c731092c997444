"""What one study session did, for the summary printed when it ends. Pure.

Retention here is the learner's usual meaning: of the answers given to cards
that were in review (not new, not in learning steps), the share that were not
"Again".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tokendeck.domain.cards import CardState, Rating


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer given in the session."""

    card_id: int
    rating: Rating
    state_before: CardState


@dataclass(frozen=True, slots=True)
class Summary:
    """The session in numbers."""

    answers: int
    cards: int
    elapsed: timedelta
    ratings: dict[Rating, int]
    review_answers: int
    retention: float | None  # None when no review card was answered


@dataclass
class Session:
    """Answers given since ``started``; undo takes the newest back."""

    started: datetime
    answers: list[Answer] = field(default_factory=list)

    def record(self, card_id: int, rating: Rating, state_before: CardState) -> None:
        """Remember an answer."""
        self.answers.append(Answer(card_id, rating, state_before))

    def take_back(self, card_id: int) -> None:
        """Forget the newest answer if it was for ``card_id`` (undo of an earlier session's
        answer leaves this session's numbers alone)."""
        if self.answers and self.answers[-1].card_id == card_id:
            self.answers.pop()

    def summary(self, now: datetime) -> Summary:
        """Counts, time spent and retention at ``now``."""
        ratings = {rating: 0 for rating in Rating}
        for answer in self.answers:
            ratings[answer.rating] += 1
        reviews = [a for a in self.answers if a.state_before == CardState.REVIEW]
        passed = sum(1 for a in reviews if a.rating != Rating.AGAIN)
        return Summary(
            answers=len(self.answers),
            cards=len({a.card_id for a in self.answers}),
            elapsed=max(timedelta(0), now - self.started),
            ratings=ratings,
            review_answers=len(reviews),
            retention=passed / len(reviews) if reviews else None,
        )


def format_summary(summary: Summary) -> str:
    """A few lines for the terminal after the study screen closes."""
    if summary.answers == 0:
        return "No cards studied this session."
    cards = _plural(summary.cards, "card")
    answers = _plural(summary.answers, "answer")
    per_rating = "  ".join(f"{r.label} {n}" for r, n in summary.ratings.items())
    if summary.retention is None:
        retention = "- (no review cards answered yet)"
    else:
        retention = f"{summary.retention:.0%} of {_plural(summary.review_answers, 'review')}"
    return "\n".join(
        [
            f"Studied {cards} ({answers}) in {_duration(summary.elapsed)}.",
            f"Retention: {retention}",
            f"Ratings:   {per_rating}",
        ]
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _duration(elapsed: timedelta) -> str:
    """Session length as a person says it: ``45s``, ``12m 05s``, ``1h 02m``."""
    seconds = int(elapsed.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
