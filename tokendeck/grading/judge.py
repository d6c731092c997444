"""From the answer judge's measurements and the lexical evidence to a verdict, score, confidence.

P(correct) comes from a logistic calibration (:mod:`tokendeck.grading.calibration`)
over the alignment measurements (:mod:`tokendeck.grading.alignment`) and the
lexical evidence (:mod:`tokendeck.grading.evidence`), fitted on real
students' answers; its file, ``models/answer-judge.json``, also holds the
thresholds:

* ``p >= correct``: correct;
* ``partly <= p < correct`` and the answer names at least one concept of the
  reference that the question does not give away: partly correct (partial
  credit needs a specific correct concept);
* otherwise incorrect.

The score is p mapped monotonically into the verdict's band, so it orders
answers like p does. The confidence is the calibrated probability that the
two-way verdict (correct or not) is right: ``max(p, 1 - p)``. Below
``confident`` a front-end asks the learner to rate themself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tokendeck.grading.calibration import Calibration
from tokendeck.grading.evidence import LexicalEvidence
from tokendeck.grading.meaning import BANDS
from tokendeck.grading.result import Verdict

CONFIG_FILE = Path(__file__).parent / "models" / "answer-judge.json"


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

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JudgeConfig:
        """Read the model's JSON file contents."""
        return cls(
            calibration=Calibration.from_json(data["calibration"]),
            correct=float(data["thresholds"]["correct"]),
            partly=float(data["thresholds"]["partly"]),
            confident=float(data["thresholds"]["confident"]),
        )


@functools.cache
def default_config(path: Path = CONFIG_FILE) -> JudgeConfig:
    """The shipped configuration (OSError or ValueError if the file is missing or bad)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        return JudgeConfig.from_json(data)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not an answer-judge configuration ({exc})") from None


def features(measured: Mapping[str, float], evidence: LexicalEvidence) -> dict[str, float]:
    """The calibration's inputs: the judge's measurements and the lexical evidence."""
    return {**measured, **evidence.vector()}


@dataclass(frozen=True)
class Judgement:
    """A verdict with its score, confidence and the probability behind them."""

    verdict: Verdict
    score: float
    confidence: float
    probability: float


def judge(probability: float, evidence: LexicalEvidence, config: JudgeConfig) -> Judgement:
    """Verdict, score and confidence from P(correct) (see the module docstring)."""
    p = min(1.0, max(0.0, probability))
    confidence = max(p, 1.0 - p)
    if p >= config.correct:
        return Judgement(Verdict.CORRECT, _place(p, config.correct, 1.0, Verdict.CORRECT),
                         confidence, p)  # fmt: skip
    if p >= config.partly and evidence.found:
        score = _place(p, config.partly, config.correct, Verdict.PARTLY_CORRECT)
        return Judgement(Verdict.PARTLY_CORRECT, score, confidence, p)
    top = config.correct if p >= config.partly else config.partly
    return Judgement(Verdict.INCORRECT, _place(min(p, top), 0.0, top, Verdict.INCORRECT),
                     confidence, p)  # fmt: skip


def _place(p: float, low: float, high: float, verdict: Verdict) -> float:
    """``p`` in [low, high] mapped linearly into the verdict's score band."""
    band_low, band_high = BANDS[verdict]
    share = 0.0 if high <= low else (p - low) / (high - low)
    return round(band_low + (band_high - band_low) * min(1.0, max(0.0, share)) * 0.999, 4)
