"""Grouped-fold validation of graders on real students' answers.

The judge's measurements of every answer are computed once (the alignment
judge has nothing trained: its measurements of an answer do not depend on
the fold) and looked up here. Everything after them, the
calibration and the thresholds, is refitted on each fold's training part,
and the answers of the held-out part go through the whole grading pipeline
(guesses, facts, judge). Plain similarity gets the same treatment: its
threshold is chosen on the training part. Used by scripts/train_grader.py
and benchmarks/bench_grading.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tokendeck.grading.calibration import fit
from tokendeck.grading.crossval import Example, grouped_folds, macro_f1, pearson
from tokendeck.grading.evidence import best_evidence
from tokendeck.grading.grader import Grader
from tokendeck.grading.judge import Judge, JudgeConfig, features
from tokendeck.grading.result import GradeResult, Verdict

#: Ordinal stand-in for a 0-5 mark from the 3-way label: a contradiction is
#: worse than an answer that is incomplete, irrelevant or off the subject.
THREE_WAY_ORDINAL = {"correct": 1.0, "incorrect": 0.5, "contradictory": 0.0}
#: The lexical evidence the calibration uses besides the judge's own measurements.
EVIDENCE = (
    "coverage", "precision", "novelty", "log_answer_words", "log_reference_words",
    "negation", "opposite", "number",
)  # fmt: skip
THRESHOLD_GRID = tuple(round(0.3 + 0.01 * i, 2) for i in range(41))


@dataclass(frozen=True)
class FoldResult:
    """Held-out predictions for every answer, gathered over the folds of one kind."""

    name: str
    kind: str
    truth: tuple[bool, ...]
    scores: tuple[float, ...]
    predicted: tuple[bool, ...]
    ordinal: tuple[float, ...]

    @property
    def macro_f1(self) -> float:
        """2-way macro-F1 of the predictions."""
        return macro_f1(self.truth, self.predicted)

    @property
    def pearson_2way(self) -> float:
        """Correlation of the score with the 2-way label (1 correct, 0 not)."""
        return pearson(self.scores, [1.0 if t else 0.0 for t in self.truth])

    @property
    def pearson_3way(self) -> float:
        """Correlation of the score with the 3-way ordinal proxy."""
        return pearson(self.scores, self.ordinal)

    def summary(self) -> dict[str, float | str]:
        """The numbers, rounded, for reports."""
        return {
            "grader": self.name,
            "folds": self.kind,
            "macro_f1": round(self.macro_f1, 4),
            "pearson_2way": round(self.pearson_2way, 4),
            "pearson_3way": round(self.pearson_3way, 4),
        }


class LookupJudge:
    """A judge that answers with precomputed measurements (one dict per example)."""

    def __init__(self, examples: Sequence[Example], measured: Sequence[dict[str, float]]) -> None:
        self._measured = {_key(e.references, e.question, e.answer): m
                          for e, m in zip(examples, measured, strict=True)}  # fmt: skip

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The stored measurements (KeyError for an answer that was not precomputed)."""
        return dict(self._measured[_key(references, question, answer)])


def _key(references: Sequence[str], question: str, answer: str) -> tuple[str, ...]:
    return (question, answer, *sorted(references))


def measure_all(examples: Sequence[Example], judge: Judge) -> list[dict[str, float]]:
    """The judge's measurements of every example."""
    return [judge.features(list(e.references), e.question, e.answer) for e in examples]


def feature_rows(
    examples: Sequence[Example], measured: Sequence[dict[str, float]]
) -> list[dict[str, float]]:
    """Calibration inputs for every example: measurements and lexical evidence."""
    return [
        features(m, best_evidence(list(e.references), e.question, e.answer))
        for e, m in zip(examples, measured, strict=True)
    ]


def fit_config(
    rows: Sequence[dict[str, float]],
    truth: Sequence[bool],
    names: Sequence[str],
    *,
    partly: float = 0.3,
    confident: float = 0.7,
) -> JudgeConfig:
    """Fit the calibration, then the threshold for "correct" that maximises macro-F1."""
    calibration = fit(rows, truth, names)
    probabilities = [calibration.probability(r) for r in rows]
    best = max(
        THRESHOLD_GRID,
        key=lambda t: (macro_f1(truth, [p >= t for p in probabilities]), -abs(t - 0.5)),
    )
    return JudgeConfig(calibration, correct=best, partly=min(partly, best), confident=confident)


def judged_folds(
    examples: Sequence[Example],
    measured: Sequence[dict[str, float]],
    kind: str,
    names: Sequence[str],
    rows: Sequence[dict[str, float]] | None = None,
) -> FoldResult:
    """The whole pipeline with the judge, calibration refitted on each fold's training part."""
    rows = rows if rows is not None else feature_rows(examples, measured)
    judge = LookupJudge(examples, measured)
    results: dict[int, GradeResult] = {}
    for train, test in grouped_folds(examples, kind):
        config = fit_config([rows[i] for i in train], [examples[i].correct for i in train], names)
        grader = Grader(judge=judge, judge_config=config)
        for i in test:
            results[i] = grade_example(grader, examples[i])
    return _gather("calibrated judge", kind, examples, results)


def fixed_grader(examples: Sequence[Example], grader: Grader, name: str, kind: str) -> FoldResult:
    """A grader with nothing to fit (the earlier embedding grader): every answer once."""
    results = {i: grade_example(grader, e) for i, e in enumerate(examples)}
    return _gather(name, kind, examples, results)


def threshold_folds(
    examples: Sequence[Example], scores: Sequence[float], kind: str, name: str
) -> FoldResult:
    """A score with a threshold chosen on each fold's training part (plain similarity)."""
    predicted: dict[int, bool] = {}
    for train, test in grouped_folds(examples, kind):
        truth = [examples[i].correct for i in train]
        candidates = sorted({round(scores[i], 3) for i in train})
        best = max(candidates, key=lambda t: macro_f1(truth, [scores[i] >= t for i in train]))
        predicted.update({i: scores[i] >= best for i in test})
    order = range(len(examples))
    return FoldResult(
        name, kind, tuple(e.correct for e in examples), tuple(scores),
        tuple(predicted[i] for i in order), tuple(_ordinal(e) for e in examples),
    )  # fmt: skip


def grade_example(grader: Grader, example: Example) -> GradeResult:
    """Grade one labelled answer: first reference expected, the others accepted."""
    first, *others = example.references
    return grader.grade(first, example.answer, accepted=others, question=example.question)


def _gather(
    name: str, kind: str, examples: Sequence[Example], results: dict[int, GradeResult]
) -> FoldResult:
    order = range(len(examples))
    return FoldResult(
        name,
        kind,
        tuple(e.correct for e in examples),
        tuple(results[i].score for i in order),
        tuple(results[i].verdict is Verdict.CORRECT for i in order),
        tuple(_ordinal(e) for e in examples),
    )


def _ordinal(example: Example) -> float:
    return THREE_WAY_ORDINAL.get(example.label_3way, 1.0 if example.correct else 0.5)


def cosine_scores(
    examples: Sequence[Example], similarity: Callable[[str, str], float]
) -> list[float]:
    """Plain similarity: the best cosine of the answer with any reference."""
    return [max(similarity(r, e.answer) for r in e.references) for e in examples]
