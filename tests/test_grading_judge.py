"""The answer judge's pieces without its model: evidence, calibration, verdicts, folds."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from tokendeck.grading import Grader, Stage, Verdict
from tokendeck.grading.calibration import Calibration, fit, sigmoid
from tokendeck.grading.crossval import Example, grouped_folds, macro_f1, pearson
from tokendeck.grading.evidence import lexical_evidence
from tokendeck.grading.judge import JudgeConfig, features, judge
from tokendeck.grading.meaning import BANDS
from tokendeck.grading.validation import LookupJudge, fit_config, threshold_folds

SALT = "The water was evaporated, leaving the salt."


class StubJudge:
    """A judge whose "score" is +3 when the answer mentions ``word``, else -3."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.calls: list[tuple[tuple[str, ...], str, str]] = []

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        self.calls.append((tuple(references), question, answer))
        return {"score": 3.0 if self.word in answer.lower() else -3.0}


def logit_only(bias: float = 0.0) -> JudgeConfig:
    """P(correct) = sigmoid(score + bias): the lexical evidence gets weight 0."""
    names = ("score", "coverage")
    return JudgeConfig(Calibration(names, (0.0, 0.0), (1.0, 1.0), (1.0, 0.0), bias))


# -- evidence -------------------------------------------------------------------


def test_coverage_ignores_what_the_question_gives_away() -> None:
    reference = "The terminals are not connected because there is a gap."
    question = "What does the reading tell you about the terminals?"
    repeats = lexical_evidence(reference, question, "the terminals")
    assert repeats.coverage == 0 and repeats.novelty == 0
    answers = lexical_evidence(reference, question, "there is a gap, they are not connected")
    assert answers.coverage > 0.5 and answers.novelty == 1
    assert "gap" in answers.found and "terminals" not in answers.missed


def test_contradictions_are_flagged() -> None:
    evidence = lexical_evidence("Prices rise when demand grows.", "", "prices fall")
    assert evidence.opposite
    assert lexical_evidence("It is a metal.", "", "it is not a metal").negation
    assert lexical_evidence("It melts at 100 degrees.", "", "at 90 degrees").number


# -- calibration ------------------------------------------------------------------


def test_calibration_is_a_standardised_logistic_model_and_round_trips() -> None:
    calibration = Calibration(("a", "b"), (1.0, 0.0), (2.0, 1.0), (0.5, -1.0), 0.25)
    x = {"a": 5.0, "b": 1.0}
    assert calibration.logit(x) == pytest.approx(0.25 + 0.5 * 2.0 - 1.0)
    assert calibration.probability(x) == pytest.approx(sigmoid(0.25))
    assert Calibration.from_json(calibration.to_json()) == calibration
    with pytest.raises(KeyError):
        calibration.logit({"a": 1.0})


def test_sigmoid_does_not_overflow() -> None:
    assert sigmoid(-1000) == 0.0 and sigmoid(1000) == 1.0 and sigmoid(0) == 0.5


def test_fit_learns_the_direction_of_a_feature() -> None:
    rows = [{"x": float(i), "noise": float(i % 3)} for i in range(40)]
    labels = [i >= 20 for i in range(40)]
    calibration = fit(rows, labels, ("x", "noise"), l2=0.1)
    assert calibration.weights[0] > 1
    assert calibration.probability({"x": 35.0, "noise": 0.0}) > 0.9
    assert calibration.probability({"x": 5.0, "noise": 0.0}) < 0.1


# -- verdicts, scores, confidence ---------------------------------------------------


@pytest.mark.parametrize(
    ("p", "verdict"),
    [(0.9, Verdict.CORRECT), (0.5, Verdict.CORRECT), (0.4, Verdict.PARTLY_CORRECT),
     (0.1, Verdict.INCORRECT)],
)  # fmt: skip
def test_probability_decides_the_verdict(p: float, verdict: Verdict) -> None:
    evidence = lexical_evidence("a gap separates the terminals", "", "there is a gap")
    judged = judge(p, evidence, logit_only())
    assert judged.verdict is verdict
    low, high = BANDS[verdict]
    assert low <= judged.score <= high
    assert judged.confidence == pytest.approx(max(p, 1 - p))


def test_partial_credit_needs_a_specific_concept() -> None:
    nothing = lexical_evidence("a gap separates the terminals", "", "it is broken")
    assert judge(0.4, nothing, logit_only()).verdict is Verdict.INCORRECT


def test_scores_grow_with_the_probability() -> None:
    evidence = lexical_evidence("a gap separates the terminals", "", "there is a gap")
    scores = [judge(p / 20, evidence, logit_only()).score for p in range(21)]
    assert scores == sorted(scores)


# -- the grader with a stub judge ------------------------------------------------------


def test_sentences_go_to_the_judge_with_the_question_and_every_reference() -> None:
    stub = StubJudge("evaporat")
    grader = Grader(judge=stub, judge_config=logit_only())
    result = grader.grade(
        SALT, "the water evaporated so salt stayed", accepted=["Evaporation left salt."],
        question="How was the salt separated?",
    )  # fmt: skip
    assert result.stage is Stage.MEANING and result.verdict is Verdict.CORRECT
    assert stub.calls == [
        ((SALT, "Evaporation left salt."), "How was the salt separated?",
         "the water evaporated so salt stayed"),
    ]  # fmt: skip
    assert result.confidence == pytest.approx(sigmoid(3.0), abs=1e-3) and not result.self_rate


def test_an_unsure_judgement_asks_the_learner_to_rate() -> None:
    grader = Grader(judge=StubJudge("zzz"), judge_config=logit_only(bias=3.2))  # p ~ 0.55
    result = grader.grade(SALT, "the salt was left behind when the water dried up")
    assert result.verdict is Verdict.CORRECT and result.self_rate and result.confidence < 0.7
    assert result.to_dict()["self_rate"] is True


def test_short_facts_never_reach_the_judge() -> None:
    stub = StubJudge("sydney")
    result = Grader(judge=stub, judge_config=logit_only()).grade("Canberra", "Sydney")
    assert result.verdict is Verdict.INCORRECT and stub.calls == []


def test_without_the_judge_the_embedding_grader_answers() -> None:
    result = Grader(use_judge=False, use_embeddings=False).grade(SALT, "salt was left behind")
    assert result.stage is Stage.CONCEPTS and result.self_rate


# -- folds and metrics ---------------------------------------------------------------


def _examples() -> list[Example]:
    return [
        Example(
            "beetle" if q % 2 else "scientsbank",
            f"q{q}",
            f"Question {q}?",
            (f"reference {q}",),
            f"answer {q} {a}",
            a % 2 == 0,
            "correct",
        )
        for q in range(12)
        for a in range(4)
    ]


def test_folds_never_share_a_question_or_a_domain() -> None:
    examples = _examples()
    for kind, count in (("question", 3), ("domain", 2)):
        folds = grouped_folds(examples, kind)
        assert len(folds) == count
        attr = "question_id" if kind == "question" else "domain"
        for train, test in folds:
            assert {getattr(examples[i], attr) for i in train}.isdisjoint(
                {getattr(examples[i], attr) for i in test}
            )
            assert sorted(train + test) == list(range(len(examples)))
    with pytest.raises(ValueError, match="unknown fold kind"):
        grouped_folds(examples, "answer")


def test_metrics() -> None:
    assert macro_f1([True, False, True, False], [True, False, True, False]) == 1
    assert macro_f1([True, False], [True, True]) == pytest.approx((2 / 3 + 0) / 2)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1)
    assert pearson([1, 1, 1], [1, 2, 3]) == 0


def test_thresholds_are_chosen_on_the_training_part_only() -> None:
    examples = _examples()
    scores = [0.9 if e.correct else 0.1 for e in examples]
    result = threshold_folds(examples, scores, "question", "oracle")
    assert result.macro_f1 == 1 and result.pearson_2way == pytest.approx(1)


def test_fit_config_and_lookup_judge() -> None:
    examples = _examples()
    measured = [{"score": 2.0 if e.correct else -2.0} for e in examples]
    lookup = LookupJudge(examples, measured)
    e = examples[0]
    assert lookup.features(list(e.references), e.question, e.answer) == {"score": 2.0}
    rows = [features(m, lexical_evidence("a", "", "b")) for m in measured]
    config = fit_config(rows, [e.correct for e in examples], ("score", "coverage"))
    assert (
        config.calibration.probability(rows[0])
        > 0.9
        > 0.1
        > config.calibration.probability(rows[1])
    )
    assert 0.3 <= config.correct <= 0.7 and config.partly <= config.correct


def test_the_shipped_configuration_is_readable() -> None:
    from tokendeck.grading.judge import CONFIG_FILE, default_config

    assert CONFIG_FILE.is_file()
    from tokendeck.grading.alignment import FEATURES
    from tokendeck.grading.validation import EVIDENCE

    config = default_config()
    assert config.calibration.names == (*FEATURES, *EVIDENCE)  # no name twice
    assert 0 < config.partly <= config.correct < 1 and 0.5 < config.confident < 1
    assert all(math.isfinite(w) for w in config.calibration.weights)
    from tokendeck.grading.judge import PARTLY_LOGIT
    from tokendeck.grading.validation import PARTLY_FEATURES

    assert config.partly_model is not None  # fitted on our own partly-correct answers
    assert config.partly_model.names == (*PARTLY_FEATURES, PARTLY_LOGIT)


# -- alignment ----------------------------------------------------------------------


def _encoded(tokens: Sequence[str], vectors: Sequence[Sequence[float]]) -> object:
    import numpy as np

    from tokendeck.grading.alignment import Encoded
    from tokendeck.grading.embedder import TokenVectors

    matrix = np.array(vectors, dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    pooled = matrix.mean(axis=0)
    return Encoded(pooled / np.linalg.norm(pooled), TokenVectors(matrix, tuple(tokens)))


def test_token_alignment_discounts_the_questions_words() -> None:
    from tokendeck.grading.alignment import compare

    # reference: "[CLS] the terminals are separated [SEP]"; answer repeats only "terminals"
    reference = _encoded(
        ["[CLS]", "the", "terminals", "are", "separated", "[SEP]"],
        [[1, 1, 1], [1, 0, 0], [0, 1, 0], [1, 0, 1], [0, 0, 1], [1, 1, 1]],
    )
    answer = _encoded(["[CLS]", "terminals", "[SEP]"], [[1, 1, 1], [0, 1, 0], [1, 1, 1]])
    plain = compare(reference, answer, given=set())  # type: ignore[arg-type]
    discounted = compare(reference, answer, given={"terminal"})  # type: ignore[arg-type]
    assert plain["token_recall"] == pytest.approx(0.5)  # "terminals" found, "separated" not
    assert discounted["token_recall_new"] == pytest.approx(0.0)  # only "separated" counts
    assert discounted["token_precision_new"] == 0.0  # the answer adds nothing new
    assert plain["token_precision"] == pytest.approx(1.0)
    assert plain["token_hits_new"] == pytest.approx(0.5)  # one of two matched closely
    assert discounted["token_hits_new"] == 0.0 and discounted["token_recall_rare"] == 0.0
    assert 0.0 < plain["token_recall_rare"] < 1.0
    assert plain["answer_off_topic"] == 0.0  # the answer's word is the reference's
