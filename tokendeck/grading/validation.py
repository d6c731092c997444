"""Grouped-fold validation of graders on real students' answers and our own sets.

The judge's measurements of every answer that reaches it are computed once
(the alignment judge has nothing trained: its measurements of an answer do
not depend on the fold; :func:`judge_inputs` runs the pipeline to find those
answers, :class:`CachedJudge` keeps the measurements on disk between runs)
and looked up here. Everything after them, the calibration, the partly
model and the thresholds, is refitted on each fold's training part, and the
answers of the held-out part go through the whole grading pipeline
(guesses, facts, judge). Our own labelled sets (``own:`` domains, 3-way
labels) are folded by card with the real answers' questions, so no figure
comes from a question or a card the calibration was fitted on. Plain
similarity gets the same treatment: its threshold is chosen on the training
part. Used by scripts/train_grader.py and benchmarks/bench_grading.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tokendeck.grading.calibration import Calibration, fit
from tokendeck.grading.crossval import OWN_PREFIX, Example, grouped_folds, macro_f1, pearson
from tokendeck.grading.evaluation import load_labelled
from tokendeck.grading.evidence import best_evidence
from tokendeck.grading.grader import Grader
from tokendeck.grading.judge import PARTLY_LOGIT, Judge, JudgeConfig, features
from tokendeck.grading.measurements import RecordingJudge, ReplayJudge, answer_key
from tokendeck.grading.result import GradeResult, Verdict

#: Ordinal stand-in for a 0-5 mark from the 3-way label: a contradiction is
#: worse than an answer that is incomplete, irrelevant or off the subject.
THREE_WAY_ORDINAL = {"correct": 1.0, "incorrect": 0.5, "contradictory": 0.0}
#: The lexical evidence the calibration uses besides the judge's own measurements.
EVIDENCE = (
    "coverage", "precision", "novelty", "log_answer_words", "log_reference_words",
    "negation", "opposite", "number", "log_references",
)  # fmt: skip
THRESHOLD_GRID = tuple(round(0.3 + 0.01 * i, 2) for i in range(41))
#: Our own answers count this many times in the calibration: 330 flash-card
#: answers against 7,600 real ones (chosen among 1, 3, 5, 10, 20 by grouped folds).
OWN_WEIGHT = 10.0
#: The partly model's inputs (besides the calibration's logit) and its L2 penalty:
#: it is fitted on a few hundred answers only.
PARTLY_FEATURES = (
    "precision", "coverage", "token_precision_new", "token_recall_new", "log_answer_words",
    "novelty",
)  # fmt: skip
PARTLY_L2 = 10.0
#: Without a key concept found, "correct" needs P(correct) this much above the
#: threshold. Grouped folds were flat over 0.1, 0.2 and "always" (within 0.002
#: macro-F1); the smallest keeps a paraphrase without the reference's words possible.
CONCEPT_MARGIN = 0.1


@dataclass(frozen=True)
class FoldResult:
    """Held-out predictions for every answer, gathered over the folds of one kind."""

    name: str
    kind: str
    truth: tuple[bool, ...]
    scores: tuple[float, ...]
    predicted: tuple[bool, ...]
    ordinal: tuple[float, ...]
    #: Per answer: its domain, and for our own sets the 3-way label and verdict.
    domains: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()

    def _real(self) -> list[int]:
        """The real students' answers (every answer if no domains are known)."""
        return [i for i in range(len(self.truth))
                if not self.domains or not self.domains[i].startswith(OWN_PREFIX)]  # fmt: skip

    @property
    def macro_f1(self) -> float:
        """2-way macro-F1 of the predictions on real answers."""
        real = self._real()
        return macro_f1([self.truth[i] for i in real], [self.predicted[i] for i in real])

    @property
    def pearson_2way(self) -> float:
        """Correlation of the score with the 2-way label (1 correct, 0 not) on real answers."""
        real = self._real()
        return pearson([self.scores[i] for i in real], [float(self.truth[i]) for i in real])

    @property
    def pearson_3way(self) -> float:
        """Correlation of the score with the 3-way ordinal proxy on real answers."""
        real = self._real()
        return pearson([self.scores[i] for i in real], [self.ordinal[i] for i in real])

    def own_accuracy(self) -> dict[str, float]:
        """3-way accuracy on each of our own sets (held-out cards)."""
        hits: dict[str, list[bool]] = {}
        for domain, label, verdict in zip(self.domains, self.labels, self.verdicts, strict=True):
            if domain.startswith(OWN_PREFIX):
                hits.setdefault(domain.removeprefix(OWN_PREFIX), []).append(label == verdict)
        return {name: sum(h) / len(h) for name, h in sorted(hits.items())}

    def summary(self) -> dict[str, float | str]:
        """The numbers, rounded, for reports."""
        own = {f"own_{k}": round(v, 4) for k, v in self.own_accuracy().items()}
        return {
            "grader": self.name,
            "folds": self.kind,
            "macro_f1": round(self.macro_f1, 4),
            "pearson_2way": round(self.pearson_2way, 4),
            "pearson_3way": round(self.pearson_3way, 4),
            **own,
        }


class LookupJudge:
    """A judge that answers with precomputed measurements (one dict per example)."""

    def __init__(self, examples: Sequence[Example], measured: Sequence[dict[str, float]]) -> None:
        self._measured = {answer_key(e.references, e.question, e.answer): m
                          for e, m in zip(examples, measured, strict=True)}  # fmt: skip

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The stored measurements (KeyError for an answer that was not precomputed)."""
        return dict(self._measured[answer_key(references, question, answer)])


def measure_all(examples: Sequence[Example], judge: Judge) -> list[dict[str, float]]:
    """The judge's measurements of every example."""
    return [judge.features(list(e.references), e.question, e.answer) for e in examples]


def feature_rows(
    examples: Sequence[Example], measured: Sequence[dict[str, float]]
) -> list[dict[str, float]]:
    """Calibration inputs for every example: measurements and lexical evidence."""
    return [
        features(m, best_evidence(list(e.references), e.question, e.answer), len(e.references))
        for e, m in zip(examples, measured, strict=True)
    ]


@dataclass(frozen=True)
class JudgeInputs:
    """What the judge sees of each example (None: settled before it) and a replaying judge."""

    rows: tuple[dict[str, float] | None, ...]
    judge: ReplayJudge


def judge_inputs(examples: Sequence[Example], judge: Judge) -> JudgeInputs:
    """Run the pipeline once: the calibration inputs of the answers that reach the judge."""
    recorder = RecordingJudge(judge)
    placeholder = JudgeConfig(Calibration((), (), (), (), 0.0))
    grader = Grader(judge=recorder, judge_config=placeholder)
    rows: list[dict[str, float] | None] = []
    for example in examples:
        recorder.last = None
        grade_example(grader, example)
        if recorder.last is None:
            rows.append(None)
            continue
        references, question, answer = recorder.last
        measured = recorder.measured[answer_key(references, question, answer)]
        evidence = best_evidence(list(references), question, answer)
        rows.append(features(measured, evidence, len(references)))
    return JudgeInputs(tuple(rows), ReplayJudge(recorder.measured))


def own_examples(folder: Path, names: Sequence[str]) -> list[Example]:
    """Our labelled sets (``folder/NAME.csv``) as examples grouped by card, 3-way labels kept."""
    examples = []
    for name in names:
        for row in load_labelled(folder / f"{name}.csv"):
            card = row.card.split(":")[0]  # a card's reverse answers share its group
            examples.append(Example(
                f"{OWN_PREFIX}{name}", f"{OWN_PREFIX}{name}:{card}", "", (row.reference,),
                row.answer, row.label is Verdict.CORRECT, str(row.label.value),
            ))  # fmt: skip
    return examples


def fit_config(
    rows: Sequence[dict[str, float]],
    truth: Sequence[bool],
    names: Sequence[str],
    *,
    partly: float = 0.3,
    confident: float = 0.7,
    weights: Sequence[float] | None = None,
    partly_truth: Sequence[bool | None] | None = None,
) -> JudgeConfig:
    """Fit the calibration, then the threshold for "correct" that maximises macro-F1.

    ``weights`` weigh the rows (in the fit and in the macro-F1). With
    ``partly_truth`` (True partly correct, False incorrect, None neither or
    unknown) a partly model is fitted on the rows that have one.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rows)
    calibration = fit(rows, truth, names, weights=weights)
    probabilities = [calibration.probability(r) for r in rows]
    best = max(
        THRESHOLD_GRID,
        key=lambda t: (
            weighted_macro_f1(truth, [p >= t for p in probabilities], weights),
            -abs(t - 0.5),
        ),
    )
    partly_model = None
    if partly_truth is not None:
        chosen = [i for i, label in enumerate(partly_truth) if label is not None]
        if len({partly_truth[i] for i in chosen}) == 2:
            inputs = [{**rows[i], PARTLY_LOGIT: calibration.logit(rows[i])} for i in chosen]
            labels = [bool(partly_truth[i]) for i in chosen]
            partly_model = fit(inputs, labels, (*PARTLY_FEATURES, PARTLY_LOGIT), l2=PARTLY_L2)
    return JudgeConfig(
        calibration, correct=best, partly=min(partly, best), confident=confident,
        partly_model=partly_model, correct_without_concept=round(best + CONCEPT_MARGIN, 2),
    )  # fmt: skip


def weighted_macro_f1(
    truth: Sequence[bool], predicted: Sequence[bool], weights: Sequence[float]
) -> float:
    """Macro-F1 where each answer counts ``weight`` times."""
    scores = []
    for positive in (True, False):
        tp = fp = fn = 0.0
        for t, p, w in zip(truth, predicted, weights, strict=True):
            tp += w * (t == positive and p == positive)
            fp += w * (t != positive and p == positive)
            fn += w * (t == positive and p != positive)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / 2


def fit_on(
    examples: Sequence[Example], inputs: JudgeInputs, names: Sequence[str], indices: Sequence[int]
) -> JudgeConfig:
    """The configuration fitted on the answers ``indices`` that reach the judge.

    Our own answers weigh :data:`OWN_WEIGHT`; their 3-way labels train the partly model.
    """
    used = [i for i in indices if inputs.rows[i] is not None]
    rows = [inputs.rows[i] or {} for i in used]
    weights = [OWN_WEIGHT if examples[i].own else 1.0 for i in used]
    partly = [_partly_label(examples[i]) for i in used]
    truth = [examples[i].correct for i in used]
    return fit_config(rows, truth, names, weights=weights, partly_truth=partly)


def _partly_label(example: Example) -> bool | None:
    if not example.own or example.correct:
        return None
    return example.label_3way == Verdict.PARTLY_CORRECT.value


def judged_folds(
    examples: Sequence[Example], inputs: JudgeInputs, kind: str, names: Sequence[str]
) -> FoldResult:
    """The whole pipeline with the judge, calibration refitted on each fold's training part."""
    results: dict[int, GradeResult] = {}
    for train, test in grouped_folds(examples, kind):
        grader = Grader(judge=inputs.judge, judge_config=fit_on(examples, inputs, names, train))
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
    """The held-out results in example order (examples never held out are left out)."""
    order = [i for i in range(len(examples)) if i in results]
    return FoldResult(
        name,
        kind,
        tuple(examples[i].correct for i in order),
        tuple(results[i].score for i in order),
        tuple(results[i].verdict is Verdict.CORRECT for i in order),
        tuple(_ordinal(examples[i]) for i in order),
        tuple(examples[i].domain for i in order),
        tuple(examples[i].label_3way for i in order),
        tuple(str(results[i].verdict.value) for i in order),
    )


def _ordinal(example: Example) -> float:
    return THREE_WAY_ORDINAL.get(example.label_3way, 1.0 if example.correct else 0.5)


def cosine_scores(
    examples: Sequence[Example], similarity: Callable[[str, str], float]
) -> list[float]:
    """Plain similarity: the best cosine of the answer with any reference."""
    return [max(similarity(r, e.answer) for r in e.references) for e in examples]
