"""The documented mapping from (format, outcome, time) to FSRS rating."""

from __future__ import annotations

import pytest

from tokendeck.domain.cards import Rating
from tokendeck.quiz.ratings import QUICK_SECONDS, is_quick, rating_for

RECOGNITION = ("multiple_choice", "discrimination", "matching", "true_false")
RECALL = ("typed", "reverse", "cloze")


@pytest.mark.parametrize(
    ("fmt", "correct", "verdict", "score", "quick", "expected"),
    [
        ("typed", True, "correct", 1.0, True, Rating.EASY),
        ("typed", True, "correct", 1.0, False, Rating.GOOD),
        ("typed", True, "correct", 0.8, True, Rating.GOOD),  # right by meaning, not exactly
        ("typed", False, "partly_correct", 0.5, True, Rating.HARD),
        ("typed", False, "incorrect", 0.1, True, Rating.AGAIN),
        ("reverse", True, "correct", 0.95, True, Rating.EASY),
        ("cloze", False, "incorrect", 0.0, False, Rating.AGAIN),
        ("multiple_choice", True, "", 0.0, True, Rating.GOOD),
        ("multiple_choice", True, "", 0.0, False, Rating.HARD),
        ("multiple_choice", False, "", 0.0, True, Rating.AGAIN),
        ("discrimination", True, "", 0.0, True, Rating.GOOD),
        ("matching", True, "", 0.0, True, Rating.GOOD),
        ("matching", True, "", 0.0, False, Rating.HARD),
        ("true_false", True, "", 0.0, True, Rating.HARD),
        ("true_false", False, "", 0.0, True, Rating.AGAIN),
    ],
)
def test_table(
    fmt: str, correct: bool, verdict: str, score: float, quick: bool, expected: Rating
) -> None:
    assert rating_for(fmt, correct=correct, verdict=verdict, score=score, quick=quick) == expected


@pytest.mark.parametrize("fmt", RECOGNITION)
@pytest.mark.parametrize("quick", [True, False])
def test_recognition_is_never_easy_and_worth_less_than_recall(fmt: str, quick: bool) -> None:
    recognised = rating_for(fmt, correct=True, quick=quick)
    recalled = rating_for("typed", correct=True, verdict="correct", score=1.0, quick=quick)
    assert recognised < Rating.EASY and recognised < recalled


@pytest.mark.parametrize("fmt", RECOGNITION + RECALL)
def test_wrong_is_again(fmt: str) -> None:
    assert rating_for(fmt, correct=False, verdict="incorrect", quick=True) == Rating.AGAIN


def test_flip_is_rated_by_the_learner() -> None:
    with pytest.raises(ValueError, match="learner"):
        rating_for("flip", correct=True)


def test_quick_time_scales_with_the_expected_answer() -> None:
    assert is_quick("multiple_choice", QUICK_SECONDS["multiple_choice"])
    assert not is_quick("multiple_choice", QUICK_SECONDS["multiple_choice"] + 0.1)
    assert not is_quick("typed", None)
    assert not is_quick("typed", 10.0, "CLIP") and is_quick("typed", 10.0, "x" * 40)
