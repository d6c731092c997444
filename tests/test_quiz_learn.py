"""Learn-mode policy: the stability thresholds and the fallbacks."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from quiz_fixtures import by_term, grader, items, llm_col, sims  # noqa: F401

from tokendeck.quiz.learn import LearnPolicy, build_with_fallback, learn_question
from tokendeck.quiz.similarity import Similarities


def _formats(sims: Similarities, term: str, stability: float | None, **kw: bool) -> set[str]:
    index = by_term(sims, term)
    item = replace(sims.items[index], stability=stability)
    policy = LearnPolicy()
    return {policy.choose(item, random.Random(seed), **kw) for seed in range(30)}


@pytest.mark.parametrize(
    ("stability", "expected"),
    [
        (None, {"multiple_choice", "true_false"}),
        (0.5, {"multiple_choice", "true_false"}),
        (1.0, {"discrimination"}),
        (3.9, {"discrimination"}),
        (4.0, {"typed", "reverse"}),
        (21.0, {"typed"}),
        (300.0, {"typed"}),
    ],
)
def test_thresholds(sims: Similarities, stability: float | None, expected: set[str]) -> None:
    assert _formats(sims, "CLIP", stability) == expected


def test_relearning_goes_back_to_recognition(sims: Similarities) -> None:
    assert _formats(sims, "CLIP", 50.0, relearning=True) <= {"multiple_choice", "true_false"}


def test_free_questions_never_get_term_formats(sims: Similarities) -> None:
    term = "Why is the Pile a good training set?"
    assert _formats(sims, term, 2.0) == {"multiple_choice"}
    assert _formats(sims, term, 10.0) == {"typed"}


def test_fallback_when_a_format_cannot_be_built(sims: Similarities) -> None:
    index = by_term(sims, "Why is the Pile a good training set?")
    question = build_with_fallback("reverse", sims, index, random.Random(0))
    assert question.format == "typed"


def test_learn_question_for_a_new_card_is_recognition(sims: Similarities) -> None:
    question = learn_question(sims, by_term(sims, "GLIDE"), random.Random(3))
    assert question.format in ("multiple_choice", "true_false")


def test_without_a_confusable_rival_discrimination_becomes_reverse(sims: Similarities) -> None:
    index = by_term(sims, "HCI")
    stable = Similarities(
        tuple(replace(i, stability=2.0) if n == index else i for n, i in enumerate(sims.items)),
        sims.matrix,
        sims.method,
    )
    assert learn_question(stable, index, random.Random(0)).format == "reverse"
    clip = by_term(sims, "CLIP")
    shaky = Similarities(
        tuple(replace(i, stability=2.0) if n == clip else i for n, i in enumerate(sims.items)),
        sims.matrix,
        sims.method,
    )
    assert learn_question(shaky, clip, random.Random(0)).format == "discrimination"
