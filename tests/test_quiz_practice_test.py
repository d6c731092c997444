"""Test mode: building, scoring and printing a practice test."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import random

import pytest
from quiz_fixtures import DECK, NOW, grader, items, lexical, llm_col, sims  # noqa: F401

from tokendeck.collection import Collection
from tokendeck.errors import ValidationError
from tokendeck.grading import Grader
from tokendeck.quiz.formats import Question
from tokendeck.quiz.marking import Response
from tokendeck.quiz.practice_test import build_test, render, score_test
from tokendeck.quiz.similarity import Similarities


def _right(question: Question) -> Response:
    if question.format == "true_false":
        return question.truth
    if question.format == "matching":
        return {t.card_id: t.card_id for t in question.terms}
    if question.correct is not None:
        return question.correct
    return question.answer


def test_a_test_has_n_questions_in_the_chosen_formats(sims: Similarities) -> None:
    chosen = ("multiple_choice", "true_false", "reverse")
    test = build_test(sims, 9, chosen, random.Random(5), deck=DECK)
    assert len(test.questions) == 9
    assert {q.format for q in test.questions} <= set(chosen)
    assert len({q.card_id for q in test.questions}) == 9  # no card twice


def test_same_seed_same_test(sims: Similarities) -> None:
    one = build_test(sims, 5, (), random.Random(7))
    two = build_test(sims, 5, (), random.Random(7))
    assert one == two


def test_all_right_scores_100_and_nothing_scores_0(sims: Similarities, grader: Grader) -> None:
    formats = ("multiple_choice", "true_false", "typed", "matching", "discrimination")
    test = build_test(sims, 10, formats, random.Random(2))
    full = score_test(test, {n: _right(q) for n, q in enumerate(test.questions)}, grader)
    assert full.percent == pytest.approx(100.0)
    empty = score_test(test, {}, grader)
    assert empty.points == 0 and empty.possible == full.possible


def test_render_markdown_and_plain(sims: Similarities) -> None:
    test = build_test(sims, 4, ("multiple_choice", "true_false"), random.Random(1), deck=DECK)
    markdown = render(test)
    assert markdown.startswith(f"# Practice test: {DECK}") and "## Answer key" in markdown
    assert "   A. " in markdown and "True / False" in markdown
    plain = render(test, markdown=False, key=False)
    assert "#" not in plain.splitlines()[0] and "Answer key" not in plain


def test_bad_formats_and_counts_are_refused(sims: Similarities) -> None:
    with pytest.raises(ValidationError, match="cannot be in a test"):
        build_test(sims, 3, ("flip",), random.Random(0))
    with pytest.raises(ValidationError, match="at least one"):
        build_test(sims, 0, (), random.Random(0))
    empty = Similarities((), sims.matrix[:0, :0], sims.method)
    with pytest.raises(ValidationError, match="has no cards"):
        build_test(empty, 3, (), random.Random(0), deck="Empty")


def test_facade_practice_test_with_lexical_fallback(
    builtin_col: Collection, lexical: Grader
) -> None:
    builtin_col.use_grader(lexical)
    test = builtin_col.practice_test(DECK, now=NOW, rng=random.Random(0), count=6)
    assert test.deck == DECK and len(test.questions) == 6
    score = builtin_col.score_practice_test(test, {0: _right(test.questions[0])})
    assert score.marks[0].correct and score.points >= 1
    builtin_col.record_marks(score.marks, now=NOW)
    assert len(builtin_col.attempts()) == score.possible
