"""From the answer judge's measurements and the lexical evidence to a verdict, score, confidence.

P(correct) comes from a logistic calibration (:mod:`tokendeck.grading.calibration`)
over the alignment measurements (:mod:`tokendeck.grading.alignment`) and the
lexical evidence (:mod:`tokendeck.grading.evidence`), fitted on real
students' answers; its file, ``models/answer-judge.json``, also holds the
thresholds:

* ``p >= correct``: correct, if the answer names a concept of the reference
  that the question does not give away; without one, ``p`` must reach
  ``correct_without_concept`` (a higher bar: a fluent answer on the subject
  that names nothing of the reference is rarely right);
* below ``correct``, partly correct when the answer names at least one
  concept of the reference that the question does not give away (partial
  credit needs a specific correct concept) and either the **partly model**
  says so (a second, small logistic model over the judge's logit and the
  lexical evidence, fitted on hand-labelled partly-correct and incorrect
  answers: P(partly) >= 0.5) or, without that model, ``p >= partly``;
* otherwise incorrect.

The score is p mapped monotonically into the verdict's band, so it orders
answers like p does. The confidence is the calibrated probability that the
two-way verdict (correct or not) is right: ``max(p, 1 - p)``. Below
``confident`` a front-end asks the learner to rate themself.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tokendeck.grading.calibration import Calibration
from tokendeck.grading.evidence import LexicalEvidence
from tokendeck.grading.meaning import BANDS
from tokendeck.grading.result import Verdict

CONFIG_FILE = Path(__file__).parent / "models" / "answer-judge.json"
#: Judged answers score below a typo match (0.95): a score that high means the
#: answer was the reference itself, which is what may earn an Easy suggestion.
JUDGED_TOP = 0.949
#: The partly model's name for the calibration's logit among its inputs.
PARTLY_LOGIT = "judge_logit"


class Judge(Protocol):
    """Anything that measures (references, question, answer) with named numbers."""

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The judge's measurements, by name (the calibration picks the ones it uses)."""
        ...


@dataclass(frozen=True)
class JudgeConfig:
    """The calibration and the thresholds that go with one trained judge."""

    calibration: Calibration
    correct: float = 0.5
    partly: float = 0.3
    confident: float = 0.7
    #: P(partly correct rather than incorrect), over the inputs and ``judge_logit``.
    partly_model: Calibration | None = None
    #: The bar for "correct" when no key concept was found (None: ``correct``).
    correct_without_concept: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JudgeConfig:
        """Read the model's JSON file contents."""
        partly_model = data.get("partly_calibration")
        bare = data["thresholds"].get("correct_without_concept")
        return cls(
            calibration=Calibration.from_json(data["calibration"]),
            correct=float(data["thresholds"]["correct"]),
            partly=float(data["thresholds"]["partly"]),
            confident=float(data["thresholds"]["confident"]),
            partly_model=None if partly_model is None else Calibration.from_json(partly_model),
            correct_without_concept=None if bare is None else float(bare),
        )

    def is_partly(self, probability: float, inputs: Mapping[str, float] | None) -> bool:
        """Whether an answer below ``correct`` (with a concept found) earns partial credit."""
        if self.partly_model is None or inputs is None:
            return probability >= self.partly
        logit = self.calibration.logit(inputs)
        return self.partly_model.probability({**inputs, PARTLY_LOGIT: logit}) >= 0.5


@functools.cache
def default_config(path: Path = CONFIG_FILE) -> JudgeConfig:
    """The shipped configuration (OSError or ValueError if the file is missing or bad)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return JudgeConfig.from_json(data)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not an answer-judge configuration ({exc})") from None


def features(
    measured: Mapping[str, float], evidence: LexicalEvidence, references: int = 1
) -> dict[str, float]:
    """The calibration's inputs: the judge's measurements and the lexical evidence.

    Also ``log_references``, the log of how many ``references`` the answer was
    compared with: the best of several matches is high more often by chance,
    so it proves less.
    """
    return {**measured, **evidence.vector(), "log_references": math.log(max(1, references))}


@dataclass(frozen=True)
class Judgement:
    """A verdict with its score, confidence and the probability behind them."""

    verdict: Verdict
    score: float
    confidence: float
    probability: float


def judge(
    probability: float,
    evidence: LexicalEvidence,
    config: JudgeConfig,
    inputs: Mapping[str, float] | None = None,
) -> Judgement:
    """Verdict, score and confidence from P(correct) (see the module docstring).

    ``inputs`` are the calibration's inputs, for the partly model (without
    them the ``partly`` threshold decides).
    """
    p = min(1.0, max(0.0, probability))
    confidence = max(p, 1.0 - p)
    bar = config.correct
    if not evidence.found and config.correct_without_concept is not None:
        bar = max(bar, config.correct_without_concept)
    if p >= bar:
        return Judgement(Verdict.CORRECT, _place(p, config.correct, 1.0, Verdict.CORRECT),
                         confidence, p)  # fmt: skip
    low = config.partly if config.partly_model is None or inputs is None else 0.0
    if evidence.found and config.is_partly(p, inputs):
        score = _place(p, low, config.correct, Verdict.PARTLY_CORRECT)
        return Judgement(Verdict.PARTLY_CORRECT, score, confidence, p)
    top = config.correct if p >= low else config.partly
    return Judgement(Verdict.INCORRECT, _place(min(p, top), 0.0, top, Verdict.INCORRECT),
                     confidence, p)  # fmt: skip


def _place(p: float, low: float, high: float, verdict: Verdict) -> float:
    """``p`` in [low, high] mapped linearly into the verdict's score band (below JUDGED_TOP)."""
    band_low, band_high = BANDS[verdict]
    band_high = min(band_high, JUDGED_TOP)
    share = 0.0 if high <= low else (p - low) / (high - low)
    return round(band_low + (band_high - band_low) * min(1.0, max(0.0, share)) * 0.999, 4)
