"""Test mode: a practice test of N questions from a deck, scored at the end.

Questions are drawn without replacement (randomly, through the injected
``random.Random``) and given the chosen formats in turn; a card a format
does not suit gets the next format that does. Matching rounds count as
one question. Flip is not offered: a test is marked, not self-rated.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tokendeck.errors import ValidationError
from tokendeck.grading import Grader
from tokendeck.quiz import formats
from tokendeck.quiz.formats import Question, QuestionError
from tokendeck.quiz.marking import Mark, Response, mark
from tokendeck.quiz.similarity import Similarities

TEST_FORMATS = ("multiple_choice", "true_false", "typed", "reverse", "matching", "discrimination")
DEFAULT_FORMATS = ("multiple_choice", "true_false", "typed")
_LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True, slots=True)
class PracticeTest:
    """The questions of a test, in order."""

    deck: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class TestScore:
    """A marked test: every card's mark, and the total."""

    marks: tuple[Mark, ...]
    points: float  # sum of scores (a partly correct typed answer scores between 0 and 1)
    possible: int

    @property
    def percent(self) -> float:
        """Score as a percentage (0 for an empty test)."""
        return 100.0 * self.points / self.possible if self.possible else 0.0


def check_formats(chosen: Sequence[str]) -> tuple[str, ...]:
    """Validate the formats asked for (default: multiple choice, true / false, typed)."""
    picked = tuple(chosen) or DEFAULT_FORMATS
    unknown = [f for f in picked if f not in TEST_FORMATS]
    if unknown:
        raise ValidationError(
            f"format {unknown[0]!r} cannot be in a test", hint=f"use {', '.join(TEST_FORMATS)}"
        )
    return picked


def build_test(
    sims: Similarities, count: int, chosen: Sequence[str], rng: random.Random, deck: str = ""
) -> PracticeTest:
    """A test of up to ``count`` questions in the ``chosen`` formats."""
    picked = check_formats(chosen)
    if count < 1:
        raise ValidationError(
            "a test needs at least one question",
            hint="ask for one question or more",
            cli_hint="use -n 1 or more",
        )
    if not sims.items:
        raise ValidationError(f"deck {deck!r} has no cards", hint="add cards, or test another deck")
    order = list(range(len(sims.items)))
    rng.shuffle(order)
    questions: list[Question] = []
    for slot, index in enumerate(order[:count]):
        question = _first_buildable(picked, slot, sims, index, rng)
        if question is not None:
            questions.append(question)
    return PracticeTest(deck, tuple(questions))


def _first_buildable(
    picked: tuple[str, ...], slot: int, sims: Similarities, index: int, rng: random.Random
) -> Question | None:
    for turn in range(len(picked)):
        try:
            return formats.build(picked[(slot + turn) % len(picked)], sims, index, rng)
        except QuestionError:
            continue
    return None


def score_test(
    test: PracticeTest, responses: Mapping[int, Response], grader: Grader | None = None
) -> TestScore:
    """Mark every question; ``responses`` maps question number (0-based) to the response.

    An unanswered question counts as wrong.
    """
    marks: list[Mark] = []
    for number, question in enumerate(test.questions):
        response = responses.get(number)
        if response is None:
            response = _blank(question)
        marks.extend(mark(question, response, grader=grader))
    # An incorrect answer earns nothing, whatever its score inside the incorrect band.
    points = sum(m.score for m in marks if m.verdict != "incorrect")
    return TestScore(tuple(marks), round(points, 3), len(marks))


def _blank(question: Question) -> Response:
    if question.format == "true_false":
        return question.truth is False  # the wrong answer
    if question.format in ("multiple_choice", "discrimination"):
        return ((question.correct or 0) + 1) % len(question.choices)
    if question.format == "matching":
        return {}
    return ""


def render(test: PracticeTest, *, markdown: bool = True, key: bool = True) -> str:
    """The test as printable Markdown (or plain text), with an answer key at the end."""
    title = f"Practice test: {test.deck}" if test.deck else "Practice test"
    lines = [f"# {title}" if markdown else title, ""]
    for number, question in enumerate(test.questions, 1):
        lines += [*_render_question(number, question, markdown), ""]
    if key:
        lines += ["## Answer key" if markdown else "Answer key", ""]
        lines += [f"{n}. {_key(q)}" for n, q in enumerate(test.questions, 1)]
    return "\n".join(lines).rstrip() + "\n"


def _render_question(number: int, question: Question, markdown: bool) -> list[str]:
    bold = "**" if markdown else ""
    head = f"{number}. {bold}{question.prompt}{bold}"
    if question.format == "true_false":
        return [head, "", "   True / False"]
    if question.format == "matching":
        terms = [f"   {i}. {t.text}" for i, t in enumerate(question.terms, 1)]
        defs = [f"   {_LETTERS[i]}. {c.text}" for i, c in enumerate(question.choices)]
        return [head, "", *terms, "", *defs]
    if question.choices:
        return [head, "", *(f"   {_LETTERS[i]}. {c.text}" for i, c in enumerate(question.choices))]
    return [head, "", "   ______________________________"]


def _key(question: Question) -> str:
    if question.format == "true_false":
        return "True" if question.truth else "False"
    if question.format == "matching":
        letter = {c.card_id: _LETTERS[i] for i, c in enumerate(question.choices)}
        return ", ".join(f"{i}-{letter[t.card_id]}" for i, t in enumerate(question.terms, 1))
    if question.correct is not None:
        return _LETTERS[question.correct]
    return question.answer
