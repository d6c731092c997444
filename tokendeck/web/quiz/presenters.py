"""Between the quiz dataclasses and the API's shapes: questions out, answers in, marks out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from tokendeck.domain.cards import Rating
from tokendeck.errors import ValidationError
from tokendeck.web.quiz import schemas as qs

if TYPE_CHECKING:
    from tokendeck.quiz.formats import Question
    from tokendeck.quiz.marking import Mark, Response

#: What kind of answer each format takes.
INPUTS = {
    "flip": "rating",
    "typed": "text",
    "reverse": "text",
    "cloze": "text",
    "multiple_choice": "choice",
    "discrimination": "choice",
    "true_false": "truth",
    "matching": "pairs",
}
SELF_RATED = ("flip", "reverse")


def question_out(question: Question, token: str) -> qs.QuestionOut:
    """The question without its answer (options by position only)."""
    return qs.QuestionOut(
        token=token,
        format=question.format,  # type: ignore[arg-type]
        card_id=question.card_id,
        prompt=question.prompt,
        input=INPUTS[question.format],  # type: ignore[arg-type]
        options=[qs.OptionOut(index=i, text=c.text) for i, c in enumerate(question.choices)],
        terms=[qs.TermOut(card_id=t.card_id, text=t.text) for t in question.terms],
        statement=question.statement,
        time_limit_s=question.time_limit_s,
        can_self_rate=question.format in SELF_RATED,
    )


def response_of(question: Question, given: qs.ResponseIn) -> Response:
    """The marking module's response for the API's answer (ValidationError if it does not fit)."""
    if given.rating is not None and question.format in SELF_RATED:
        return Rating.parse(given.rating)
    kind = INPUTS[question.format]
    if kind == "text":
        return given.text if given.text is not None else _missing("text", "type an answer")
    if kind == "choice":
        return given.choice if given.choice is not None else _missing("choice", "pick an option")
    if kind == "truth":
        return given.truth if given.truth is not None else _missing("truth", "true or false")
    if kind == "pairs":
        return _pairs(question, given.pairs or {})
    return _missing("rating", "rate yourself from 1 (again) to 4 (easy)")


def _missing(name: str, hint: str) -> Response:
    raise ValidationError(f"this question needs a {name!r} answer", hint=hint)


def _pairs(question: Question, pairs: Mapping[int, int]) -> dict[int, int]:
    """Term card id -> definition position becomes term card id -> definition card id."""
    chosen: dict[int, int] = {}
    for term_id, position in pairs.items():
        if not 0 <= position < len(question.choices):
            raise ValidationError(
                f"there is no definition {position}",
                hint=f"pick 0 to {len(question.choices) - 1}",
            )
        chosen[term_id] = question.choices[position].card_id
    return chosen


def mark_out(mark: Mark, question: Question | None = None) -> qs.MarkOut:
    """A marked answer with its concepts found and missed (typed formats), and for options
    which was picked and which is right (so the page marks them as Quizlet does)."""
    found = list(mark.grade.found) if mark.grade else []
    missed = list(mark.grade.missed) if mark.grade else []
    chosen, right = _positions(mark, question)
    return qs.MarkOut(
        card_id=mark.card_id,
        format=mark.format,
        response=mark.response,
        correct=mark.correct,
        score=round(mark.score, 3),
        verdict=mark.verdict,  # type: ignore[arg-type]
        rating=int(mark.rating),
        rating_name=mark.rating.label,  # type: ignore[arg-type]
        explanation=mark.explanation,
        expected=mark.expected,
        found=found,
        missed=missed,
        chosen_index=chosen,
        answer_index=right,
        confidence=round(mark.confidence, 3),
        self_rate=mark.self_rate,
    )


def _positions(mark: Mark, question: Question | None) -> tuple[int | None, int | None]:
    """(picked, right) positions among a question's options or a round's definitions
    (options read differently from each other, so the picked text names one)."""
    if question is None or not question.choices:
        return None, None
    texts = [c.text for c in question.choices]
    chosen = texts.index(mark.response) if mark.response in texts else None
    if question.format == "matching":
        right = next((n for n, c in enumerate(question.choices) if c.card_id == mark.card_id), None)
        return chosen, right
    return chosen, question.correct


def score_summary(right: int, partly: int, wrong: int, percent: float) -> str:
    """ "8 right, 1 partly right, 2 wrong of 11: 77%"."""
    parts = [f"{right} right"]
    if partly:
        parts.append(f"{partly} partly right")
    parts.append(f"{wrong} wrong")
    return f"{', '.join(parts)} of {right + partly + wrong}: {round(percent)}%"
