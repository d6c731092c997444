"""Marking a response to a question: right or wrong, the grade, the suggested rating.

Responses by format: flip takes the learner's :class:`~tokendeck.domain.cards.Rating`
(so may reverse, when the learner answers in their head); typed, reverse and
cloze take the typed text; multiple choice and
discrimination the index of the chosen option; true / false a bool;
matching a mapping of term card id -> chosen definition card id. One
:class:`Mark` per card rated (a matching round rates each of its cards).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tokendeck.domain.attempts import Attempt
from tokendeck.domain.cards import Rating
from tokendeck.errors import ValidationError
from tokendeck.grading import Grader, GradeResult, grade
from tokendeck.quiz.formats import Question
from tokendeck.quiz.ratings import is_quick, rating_for

Response = Rating | str | int | bool | Mapping[int, int] | None


@dataclass(frozen=True, slots=True)
class Mark:
    """The outcome for one card: what was given, whether it was right, the rating."""

    card_id: int
    format: str  # the attempt format logged (discrimination logs as multiple_choice)
    response: str  # what the learner typed or picked, as text
    correct: bool
    score: float
    verdict: str  # correct / partly_correct / incorrect
    rating: Rating  # suggested FSRS rating (see tokendeck.quiz.ratings)
    explanation: str
    expected: str
    grade: GradeResult | None = None

    @property
    def confidence(self) -> float:
        """How sure the grader is of the verdict (1 for choices and self-ratings)."""
        return 1.0 if self.grade is None else self.grade.confidence

    @property
    def self_rate(self) -> bool:
        """True when the grader is unsure: the learner should rate, not accept a suggestion."""
        return self.grade is not None and self.grade.self_rate

    def attempt(self, rating: Rating | None = None) -> Attempt:
        """The Attempt to log with ``Collection.answer``; a different ``rating`` is an override."""
        chosen = self.rating if rating is None else rating
        return Attempt(
            format=self.format,
            answer=self.response,
            score=self.score,
            verdict=self.verdict,
            suggested_rating=int(self.rating),
            overridden=chosen != self.rating,
        )


def mark(
    question: Question,
    response: Response,
    *,
    elapsed_s: float | None = None,
    grader: Grader | None = None,
) -> list[Mark]:
    """Mark ``response``; ``elapsed_s`` (seconds taken) decides "quick" (see ratings)."""
    fmt = question.format
    if fmt == "flip" or (fmt == "reverse" and isinstance(response, Rating)):
        return [_self_rated(question, response)]  # reverse may be typed or self-rated
    if question.typed:
        return [_typed(question, str(response or ""), elapsed_s, grader)]
    if fmt in ("multiple_choice", "discrimination"):
        return [_choice(question, response, elapsed_s)]
    if fmt == "true_false":
        return [_true_false(question, response, elapsed_s)]
    if fmt == "matching":
        return _matching(question, response, elapsed_s)
    raise ValidationError(f"cannot mark format {fmt!r}")


def _self_rated(question: Question, response: Response) -> Mark:
    if not isinstance(response, int | str) or isinstance(response, bool):
        raise ValidationError("a flip answer is a rating", hint="give again, hard, good or easy")
    rating = Rating.parse(response)
    right = rating != Rating.AGAIN
    verdict = "correct" if right else "incorrect"
    return Mark(
        question.card_id, question.format, "", right, 1.0 if right else 0.0, verdict, rating,
        f"You rated it {rating.label}.", question.answer,
    )  # fmt: skip


def _typed(question: Question, text: str, elapsed_s: float | None, grader: Grader | None) -> Mark:
    asked = question.prompt if question.format == "typed" else ""  # the front, when it is one
    result = grade(
        question.answer,
        text,
        accepted=question.accepted,
        question=asked,
        vocabulary=question.vocabulary,
        grader=grader,
    )
    quick = is_quick(question.format, elapsed_s, question.answer)
    verdict = str(result.verdict)
    rating = rating_for(question.format, correct=verdict == "correct", verdict=verdict,
                        score=result.score, quick=quick)  # fmt: skip
    return Mark(
        question.card_id, question.format, text, verdict == "correct", result.score, verdict,
        rating, result.explanation, question.answer, result,
    )  # fmt: skip


def _choice(question: Question, response: Response, elapsed_s: float | None) -> Mark:
    if isinstance(response, bool) or not isinstance(response, int):
        raise ValidationError("a multiple-choice answer is an option number", hint="pick one")
    if not 0 <= response < len(question.choices):
        raise ValidationError(
            f"there is no option {response}", hint=f"pick 0 to {len(question.choices) - 1}"
        )
    right = response == question.correct
    quick = is_quick(question.format, elapsed_s)
    picked = question.choices[response].text
    why = "Right." if right else f"Not that one. The answer: {question.answer}"
    return _recognition(question, question.card_id, picked, right, quick, why)


def _true_false(question: Question, response: Response, elapsed_s: float | None) -> Mark:
    if not isinstance(response, bool):
        raise ValidationError("a true / false answer is true or false")
    right = response == question.truth
    why = "Right." if right else f"No: {question.answer}"
    quick = is_quick("true_false", elapsed_s)
    return _recognition(question, question.card_id, str(response).lower(), right, quick, why)


def _matching(question: Question, response: Response, elapsed_s: float | None) -> list[Mark]:
    if not isinstance(response, Mapping):
        raise ValidationError("a matching answer maps each term to a definition")
    limit = question.time_limit_s
    in_time = elapsed_s is not None and (limit is None or elapsed_s <= limit)
    texts = {c.card_id: c.text for c in question.choices}
    marks = []
    for term in question.terms:
        chosen = response.get(term.card_id)
        right = chosen == term.card_id
        own = texts[term.card_id]
        if right:
            why = "Matched."
        elif chosen is None:
            why = "Not matched."
        else:
            why = f"That definition belongs to {_term_of(question, chosen)}."
        picked = texts.get(chosen, "") if chosen is not None else ""
        # Each pair's own answer, not the whole key of the round under every pair.
        expected = f"{term.text}: {own}"
        marks.append(_recognition(question, term.card_id, picked, right, in_time, why, expected))
    return marks


def _term_of(question: Question, card_id: int) -> str:
    return next((t.text for t in question.terms if t.card_id == card_id), "another term")


def _recognition(
    question: Question,
    card_id: int,
    picked: str,
    right: bool,
    quick: bool,
    why: str,
    expected: str | None = None,
) -> Mark:
    fmt = "multiple_choice" if question.format == "discrimination" else question.format
    rating = rating_for(question.format, correct=right, quick=quick)
    verdict = "correct" if right else "incorrect"
    shown = question.answer if expected is None else expected
    return Mark(card_id, fmt, picked, right, float(right), verdict, rating, why, shown)
