"""Guesses, non-answers and keyword stuffing are graded incorrect, whatever they share."""

from __future__ import annotations

from pathlib import Path

import pytest

from tokendeck.grading import Grader, Stage, Verdict
from tokendeck.grading.guesses import DeckVocabulary, deck_vocabulary, detect_guess
from tokendeck.quiz.guess_set import grade_guesses, load_guesses
from tokendeck.quiz.items import Item

GUESSES = Path(__file__).parent / "data" / "grading" / "guesses.csv"
T5 = (
    "T5 (“Text-To-Text Transfer Transformer”) is an encoder-decoder Transformer language "
    "model from Google that treats every NLP task as turning input text into output text."
)
T5_FRONT = "What is a T5 model?"
DECK_TERMS = ("the Pile", "GPT-J", "ViT", "CLIP", "GLIDE", "Diffusion model", "Inpainting")


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("I don't know", "non_answer"),
        ("idk", "non_answer"),
        ("no idea", "non_answer"),
        ("model", "generic"),
        ("a model", "generic"),
        ("a neural network", "generic"),
        ("machine learning algorithm", "generic"),
        ("T5 model", "question"),  # the front's own words
        ("What is a T5 model?", "question"),
    ],
)
def test_answers_without_specific_content_are_guesses(answer: str, reason: str) -> None:
    guess = detect_guess(answer, references=[T5], question=T5_FRONT)
    assert guess is not None and guess.reason == reason


@pytest.mark.parametrize(
    "answer",
    [
        "an encoder-decoder transformer from Google",
        "a model that turns every task into text to text",
        "Google's text-to-text model",
    ],
)
def test_answers_with_a_specific_concept_are_not_guesses(answer: str) -> None:
    assert detect_guess(answer, references=[T5], question=T5_FRONT) is None


def test_the_cards_own_term_typed_back_is_a_guess() -> None:
    vocabulary = DeckVocabulary(own=("Multi-modal", "multimodal"))
    guess = detect_guess(
        "multimodal", references=["A model that handles several kinds of input."],
        question="Multi-model", vocabulary=vocabulary,
    )  # fmt: skip
    assert guess is not None and guess.reason == "question"


def test_a_list_of_the_decks_terms_is_stuffing() -> None:
    vocabulary = DeckVocabulary(terms=DECK_TERMS)
    answer = "T5, the Pile, GPT-J, ViT, CLIP, GLIDE"
    guess = detect_guess(answer, references=[T5], question=T5_FRONT, vocabulary=vocabulary)
    assert guess is not None and guess.reason == "stuffing"
    # two other cards named inside a real answer are fine
    fine = "like CLIP and GLIDE it is from a lab, an encoder-decoder text-to-text model by Google"
    assert detect_guess(fine, references=[T5], question=T5_FRONT, vocabulary=vocabulary) is None


def test_a_long_keyword_list_without_a_deck_is_stuffing_when_most_items_are_foreign() -> None:
    answer = "pile, gpt-j, vit, clip, glide, diffusion, inpainting, outpainting, hci"
    guess = detect_guess(answer, references=[T5], question=T5_FRONT)
    assert guess is not None and guess.reason == "stuffing"


def test_words_common_to_the_deck_are_generic_there() -> None:
    definitions = [
        "a model of images", "a model of text", "a language model", "a model for code",
        "a dataset of text",
    ]  # fmt: skip
    vocabulary = deck_vocabulary(["X"], definitions)
    assert "model" in vocabulary.common and "code" not in vocabulary.common
    guess = detect_guess("text model", references=[T5], question=T5_FRONT, vocabulary=vocabulary)
    assert guess is not None


def test_question_words_that_the_reference_needs_are_an_answer() -> None:
    # Real students pick the right detail out of a long question ("it bubbled").
    question = "Grace mixed eggshells and vinegar. Bubbles appeared. What made it a reaction?"
    reference = "A reaction was indicated by the bubbles of gas."
    assert detect_guess("Because it bubbled.", references=[reference], question=question) is None


def test_a_guess_is_graded_incorrect_with_confidence() -> None:
    result = Grader(use_embeddings=False).grade(T5, "a model", question=T5_FRONT)
    assert (result.verdict, result.stage, result.score) == (Verdict.INCORRECT, Stage.GUESS, 0.0)
    assert result.confidence >= 0.9 and not result.self_rate


def test_an_exact_short_answer_is_never_a_guess() -> None:
    # "Model" is the answer here: exact matches come before guess detection.
    result = Grader(use_embeddings=False).grade("Model", "model", question="What is the M in LLM?")
    assert result.verdict is Verdict.CORRECT


def _built_in_items(tmp_path: Path) -> list[Item]:
    from datetime import UTC, datetime

    from tokendeck.collection import Collection
    from tokendeck.quiz.items import item_from_view

    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    col = Collection.open(tmp_path / "collection.db", now=now)
    try:
        views = col.find_cards(now=now, deck="LLM Vocabulary", order="created")
        return [item_from_view(v) for v in views]
    finally:
        col.close()


def test_the_guess_set_covers_every_built_in_card_and_kind() -> None:
    rows = load_guesses(GUESSES)
    assert len(rows) >= 700
    assert {r.category for r in rows} == {"generic", "non_answer", "question", "stuffing"}
    assert {r.format for r in rows} == {"typed", "reverse"}
    assert len({r.card for r in rows}) == 17


def test_no_guess_passes_the_lexical_grader_in_learn(tmp_path: Path) -> None:
    marked = grade_guesses(
        _built_in_items(tmp_path), load_guesses(GUESSES), Grader(use_embeddings=False)
    )
    passed = [(row.card, row.answer, m.verdict) for row, m in marked if m.verdict != "incorrect"]
    assert passed == []


@pytest.mark.slow
def test_no_guess_passes_the_shipped_grader_in_learn(tmp_path: Path) -> None:
    from tokendeck.grading import default_grader

    grader = default_grader()
    assert grader.judge_available
    marked = grade_guesses(_built_in_items(tmp_path), load_guesses(GUESSES), grader)
    passed = [(row.card, row.answer, m.verdict) for row, m in marked if m.verdict != "incorrect"]
    assert passed == []
    assert all(int(m.rating) == 1 for _, m in marked)  # Again, never Hard
