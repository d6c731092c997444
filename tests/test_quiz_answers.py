"""Answering questions through the facade: every format feeds the schedule with an Attempt."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import random

import pytest
from quiz_fixtures import NOW, grader  # noqa: F401

from tokendeck.collection import Collection
from tokendeck.domain.cards import CardState, Rating
from tokendeck.errors import ValidationError
from tokendeck.grading import Grader
from tokendeck.quiz.formats import QuestionError


@pytest.fixture
def quiz_col(builtin_col: Collection, grader: Grader) -> Collection:
    builtin_col.use_grader(grader)
    return builtin_col


def _card(col: Collection, front: str) -> int:
    return next(v.id for v in col.find_cards(now=NOW) if v.note.front == front)


@pytest.mark.parametrize(
    ("fmt", "response_for"),
    [
        ("multiple_choice", lambda q: q.correct),
        ("discrimination", lambda q: q.correct),
        ("true_false", lambda q: q.truth),
        ("typed", lambda q: q.answer),
        ("reverse", lambda q: "dalle 2"),
        ("flip", lambda q: Rating.GOOD),
    ],
)
def test_each_format_feeds_the_schedule_and_logs_an_attempt(
    quiz_col: Collection, fmt: str, response_for: object
) -> None:
    card_id = _card(quiz_col, "DALL-E 2")
    question = quiz_col.build_question(card_id, fmt, now=NOW, rng=random.Random(4))
    marks = quiz_col.grade_question(question, response_for(question), elapsed_s=3.0)  # type: ignore[operator]
    assert [m.correct for m in marks] == [True]
    [result] = quiz_col.record_marks(marks, now=NOW)
    assert result.card.state != CardState.NEW and result.review.rating == int(marks[0].rating)
    [logged] = quiz_col.attempts()
    expected_format = "multiple_choice" if fmt == "discrimination" else fmt
    assert logged.attempt.format == expected_format and not logged.attempt.overridden
    assert logged.attempt.suggested_rating == int(marks[0].rating)


def test_wrong_recognition_answer_is_again(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "CLIP")
    question = quiz_col.build_question(card_id, "multiple_choice", now=NOW, rng=random.Random(0))
    wrong = ((question.correct or 0) + 1) % len(question.choices)
    [marked] = quiz_col.grade_question(question, wrong, elapsed_s=2.0)
    assert not marked.correct and marked.rating == Rating.AGAIN


def test_override_is_logged(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "GLIDE")
    question = quiz_col.build_question(card_id, "typed", now=NOW, rng=random.Random(0))
    marks = quiz_col.grade_question(question, "a kind of database index")
    assert marks[0].rating == Rating.AGAIN
    quiz_col.record_marks(marks, now=NOW, overrides={card_id: Rating.GOOD})
    [logged] = quiz_col.attempts()
    assert logged.rating == Rating.GOOD and logged.attempt.overridden
    assert logged.attempt.suggested_rating == Rating.AGAIN and logged.attempt.verdict == "incorrect"


def test_matching_rates_every_pair(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "GLIDE")
    question = quiz_col.build_question(card_id, "matching", now=NOW, rng=random.Random(1))
    first, second, *rest = question.terms
    answer = {t.card_id: t.card_id for t in rest}
    answer |= {first.card_id: second.card_id, second.card_id: first.card_id}  # swapped
    marks = quiz_col.grade_question(question, answer, elapsed_s=30.0)
    assert len(marks) == len(question.terms)
    wrong = {m.card_id for m in marks if not m.correct}
    assert wrong == {first.card_id, second.card_id}
    assert all(m.rating == (Rating.AGAIN if m.card_id in wrong else Rating.GOOD) for m in marks)
    quiz_col.record_marks(marks, now=NOW)
    assert len(quiz_col.attempts()) == len(marks)


def test_bad_responses_are_refused(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "CLIP")
    question = quiz_col.build_question(card_id, "multiple_choice", now=NOW, rng=random.Random(0))
    with pytest.raises(ValidationError, match="no option"):
        quiz_col.grade_question(question, 9)
    tf = quiz_col.build_question(card_id, "true_false", now=NOW, rng=random.Random(0))
    with pytest.raises(ValidationError):
        quiz_col.grade_question(tf, "maybe")


def test_learn_moves_from_recognition_to_recall(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "CLIP")
    rng = random.Random(0)
    first = quiz_col.learn_question(card_id, now=NOW, rng=rng)
    assert first.format in ("multiple_choice", "true_false")
    col_card = quiz_col.card(card_id).card
    assert col_card.stability is None
    # Answer Easy a few times over weeks: stability grows past the recall threshold.
    moment = NOW
    for _ in range(4):
        quiz_col.answer(card_id, Rating.EASY, now=moment)
        moment = quiz_col.card(card_id).card.due
    assert (quiz_col.card(card_id).card.stability or 0) >= 21
    later = quiz_col.learn_question(card_id, now=moment, rng=rng)
    assert later.format == "typed"


def test_unknown_card_format_combination_raises(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "Why is the Pile a good training set?")
    with pytest.raises(QuestionError):
        quiz_col.build_question(card_id, "reverse", now=NOW, rng=random.Random(0))


def test_reverse_may_be_self_rated(quiz_col: Collection) -> None:
    card_id = _card(quiz_col, "CLIP")
    question = quiz_col.build_question(card_id, "reverse", now=NOW, rng=random.Random(0))
    [marked] = quiz_col.grade_question(question, Rating.HARD)
    assert marked.format == "reverse" and marked.rating == Rating.HARD and marked.grade is None
