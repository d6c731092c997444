"""Fitting the judge on real and own answers: weights, the partly model, folds, the cache."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from tokendeck.grading import Grader, Verdict
from tokendeck.grading.calibration import Calibration, fit
from tokendeck.grading.crossval import Example, grouped_folds
from tokendeck.grading.evidence import lexical_evidence
from tokendeck.grading.judge import PARTLY_LOGIT, JudgeConfig, judge
from tokendeck.grading.measurements import CachedJudge, ReplayJudge, answer_key
from tokendeck.grading.validation import (
    PARTLY_FEATURES,
    fit_config,
    judge_inputs,
    judged_folds,
    own_examples,
    weighted_macro_f1,
)

SALT = "The water was evaporated, leaving the salt."
EVIDENCE = lexical_evidence("a gap separates the terminals", "", "there is a gap")


class CountingJudge:
    """Scores +3 when the answer mentions ``word`` (alignment numbers follow); counts calls."""

    def __init__(self, word: str = "evaporat") -> None:
        self.word = word
        self.calls = 0

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        self.calls += 1
        found = self.word in answer.lower()
        share = 0.9 if found else 0.1 + 0.01 * len(answer)
        return {"score": 3.0 if found else -3.0, "token_precision_new": share,
                "token_recall_new": share}  # fmt: skip


def test_weights_make_a_few_rows_count() -> None:
    # x says "correct" in the many rows; the few heavy rows say the opposite
    rows = [{"x": float(i % 2)} for i in range(40)] + [{"x": 1.0}] * 4
    labels = [i % 2 == 1 for i in range(40)] + [False] * 4
    light = fit(rows, labels, ("x",), weights=[1.0] * 44)
    heavy = fit(rows, labels, ("x",), weights=[1.0] * 40 + [50.0] * 4)
    assert heavy.probability({"x": 1.0}) < 0.5 < light.probability({"x": 1.0})
    assert weighted_macro_f1([True, False], [True, True], [1.0, 0.0]) == pytest.approx(0.5)


def _partly_config(bias: float) -> JudgeConfig:
    names = ("score", "coverage")
    correct = Calibration(names, (0.0, 0.0), (1.0, 1.0), (1.0, 0.0), 0.0)
    inputs = (*PARTLY_FEATURES, PARTLY_LOGIT)
    zeros = tuple(0.0 for _ in inputs)
    partly = Calibration(inputs, zeros, tuple(1.0 for _ in inputs), zeros, bias)
    return JudgeConfig(correct, correct=0.5, partly=0.3, partly_model=partly)


def test_the_partly_model_decides_partial_credit_below_correct() -> None:
    inputs = {name: 0.0 for name in PARTLY_FEATURES} | {"score": -2.0, "coverage": 0.5}
    p = 0.12  # far below the old "partly" threshold of 0.3
    assert judge(p, EVIDENCE, _partly_config(2.0), inputs).verdict is Verdict.PARTLY_CORRECT
    assert judge(p, EVIDENCE, _partly_config(-2.0), inputs).verdict is Verdict.INCORRECT
    nothing = lexical_evidence("a gap separates the terminals", "", "it is broken")
    assert judge(p, nothing, _partly_config(2.0), inputs).verdict is Verdict.INCORRECT
    # without the inputs the threshold decides, as before
    assert judge(p, EVIDENCE, _partly_config(2.0)).verdict is Verdict.INCORRECT
    scores = [judge(q / 20, EVIDENCE, _partly_config(2.0), inputs).score for q in range(21)]
    assert scores == sorted(scores)


def test_the_configuration_round_trips_with_its_partly_model() -> None:
    config = _partly_config(1.0)
    assert config.partly_model is not None
    data = {
        "calibration": config.calibration.to_json(),
        "partly_calibration": config.partly_model.to_json(),
        "thresholds": {"correct": 0.5, "partly": 0.3, "confident": 0.7},
    }
    assert JudgeConfig.from_json(data) == config
    del data["partly_calibration"]
    assert JudgeConfig.from_json(data).partly_model is None


def _own(card: str, answer: str, label: str) -> Example:
    return Example("own:general", f"own:general:{card}", "", (SALT,), answer,
                   label == "correct", label)  # fmt: skip


def _real(q: int, answer: str, correct: bool) -> Example:
    domain = "beetle" if q % 2 else "scientsbank"
    return Example(domain, f"q{q}", "How was the salt separated?", (SALT,), answer, correct,
                   "correct" if correct else "incorrect")  # fmt: skip


def test_own_answers_are_folded_by_card_and_always_trained_on_across_domains() -> None:
    examples = [_real(q, "x", True) for q in range(6)] + [_own(f"c{c}", "y", "correct")
                                                          for c in range(9)]  # fmt: skip
    for train, test in grouped_folds(examples, "domain"):
        assert all(not examples[i].own for i in test)
        assert all(i in train for i, e in enumerate(examples) if e.own)
    for train, test in grouped_folds(examples, "question"):
        held = {examples[i].question_id for i in test}
        assert held.isdisjoint(examples[i].question_id for i in train)


def test_own_sets_load_as_examples_with_their_3_way_labels(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text(
        "reference_answer,student_answer,label,category,card\n"
        f'"{SALT}",salt stays when water goes,partly_correct,partly_right,salt\n'
        f'"{SALT}",salt,incorrect,wrong,salt:reverse\n',
        encoding="utf-8",
    )
    first, second = own_examples(tmp_path, ["mine"])
    assert first.own and first.label_3way == "partly_correct" and not first.correct
    assert first.question_id == second.question_id == "own:mine:salt"


def test_folds_fit_the_partly_model_and_report_own_sets_apart() -> None:
    examples = [_real(q, f"the water evaporated {a}", True) for q in range(6) for a in range(3)]
    examples += [_real(q, f"we filtered it {a}", False) for q in range(6) for a in range(3)]
    examples += [
        _own(f"c{c}", answer, label)
        for c in range(6)
        for answer, label in (
            ("the water evaporated away", "correct"),
            ("salt is left behind somehow", "partly_correct"),
            ("we poured it through a filter", "incorrect"),
        )
    ]
    counting = CountingJudge()
    inputs = judge_inputs(examples, counting)
    assert all(row is not None for row in inputs.rows) and counting.calls == len(examples)
    result = judged_folds(examples, inputs, "question", ("score", "coverage"))
    assert result.macro_f1 == 1.0  # real answers only
    assert set(result.own_accuracy()) == {"general"}
    assert "own_general" in result.summary()
    rows = [r for r in inputs.rows if r is not None]
    partly = [None if e.correct or not e.own else e.label_3way == "partly_correct"
              for e in examples]  # fmt: skip
    config = fit_config(rows, [e.correct for e in examples], ("score", "coverage"),
                        partly_truth=partly)  # fmt: skip
    assert config.partly_model is not None
    assert config.partly_model.names == (*PARTLY_FEATURES, PARTLY_LOGIT)


def test_answers_settled_before_the_judge_are_not_its_inputs() -> None:
    counting = CountingJudge()
    examples = [Example("own:general", "own:general:c", "", ("Canberra",), "Sydney", False,
                        "incorrect")]  # fmt: skip
    inputs = judge_inputs(examples, counting)
    assert inputs.rows == (None,) and counting.calls == 0


def test_measurements_are_kept_on_disk_for_the_same_code(tmp_path: Path) -> None:
    path = tmp_path / "cache.json"
    counting = CountingJudge()
    first = CachedJudge(counting, path, "stamp-1")
    expected = counting.features([SALT], "q", "it evaporated")
    assert first.features([SALT], "q", "it evaporated") == expected
    first.save()
    again = CachedJudge(counting, path, "stamp-1")
    assert again.features([SALT], "q", "it evaporated") == expected
    assert counting.calls == 2 and again.computed == 0
    changed = CachedJudge(counting, path, "stamp-2")  # the measuring code changed
    changed.features([SALT], "q", "it evaporated")
    assert counting.calls == 3
    assert json.loads(path.read_text())["stamp"] == "stamp-1"


def test_a_replay_judge_grades_like_the_recorded_one() -> None:
    measured = {answer_key([SALT], "How?", "it evaporated"): {"score": 3.0}}
    config = JudgeConfig(Calibration(("score",), (0.0,), (1.0,), (1.0,), 0.0))
    grader = Grader(judge=ReplayJudge(measured), judge_config=config)
    result = grader.grade(SALT, "it evaporated", question="How?")
    assert result.verdict is Verdict.CORRECT


def test_correct_without_a_key_concept_needs_a_higher_probability() -> None:
    names = ("score", "coverage")
    calibration = Calibration(names, (0.0, 0.0), (1.0, 1.0), (1.0, 0.0), 0.0)
    config = JudgeConfig(calibration, correct=0.45, partly=0.3, correct_without_concept=0.65)
    nothing = lexical_evidence(SALT, "", "we filtered it through paper")
    assert not nothing.found
    assert judge(0.55, nothing, config).verdict is Verdict.INCORRECT
    assert judge(0.7, nothing, config).verdict is Verdict.CORRECT
    assert judge(0.55, EVIDENCE, config).verdict is Verdict.CORRECT


def test_a_judged_answer_never_scores_like_an_exact_one() -> None:
    config = _partly_config(0.0)
    assert judge(0.999, EVIDENCE, config).score < 0.95  # Easy stays for exact and typo matches
    assert judge(0.999, EVIDENCE, config).score > judge(0.9, EVIDENCE, config).score
