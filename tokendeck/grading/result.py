"""What grading a typed answer produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    """The grade in words."""

    CORRECT = "correct"
    PARTLY_CORRECT = "partly_correct"
    INCORRECT = "incorrect"


class Stage(StrEnum):
    """Which step of the pipeline decided (cheapest first)."""

    EMPTY = "empty"  # nothing typed
    EXACT = "exact"  # equal after normalisation
    ALTERNATIVE = "alternative"  # equal to an accepted alternative
    TYPO = "typo"  # within the typo allowance
    GUESS = "guess"  # no specific content: "model", "I don't know", a list of terms
    FACTUAL = "factual"  # a short fact (name, number, single term): lexical only
    CONCEPTS = "concepts"  # key-concept coverage (no embedding model available)
    MEANING = "meaning"  # the answer judge (or, without it, sentence embeddings)


#: Below this confidence a front-end asks the learner to rate themself
#: instead of suggesting a rating (the shipped judge's file may say otherwise).
SELF_RATE_BELOW = 0.7

#: Suggested FSRS rating per verdict: Again, Hard, Good. Easy (4) is left to
#: the learner or to a front-end that knows how quickly they answered.
RATINGS: dict[Verdict, int] = {
    Verdict.INCORRECT: 1,
    Verdict.PARTLY_CORRECT: 2,
    Verdict.CORRECT: 3,
}


@dataclass(frozen=True)
class GradeResult:
    """A graded answer: score, verdict, suggested rating and why."""

    score: float  # 0..1
    verdict: Verdict
    rating: int  # suggested FSRS rating 1..4
    stage: Stage
    explanation: str
    found: tuple[str, ...] = ()  # key concepts of the reference the answer has
    missed: tuple[str, ...] = ()  # key concepts it lacks
    similarity: float | None = None  # cosine of the embeddings, when computed
    matched: str | None = None  # the accepted form that matched, if any
    notes: tuple[str, ...] = field(default=())  # e.g. "meaning check unavailable"
    #: How likely the verdict (correct or not) is right, 0.5..1; 1 for exact matches.
    confidence: float = 1.0
    #: True when the grader is unsure: ask the learner to rate instead of suggesting.
    self_rate: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (for ``--json`` and the web API)."""
        return {
            "score": round(self.score, 3),
            "verdict": str(self.verdict),
            "rating": self.rating,
            "stage": str(self.stage),
            "explanation": self.explanation,
            "found": list(self.found),
            "missed": list(self.missed),
            "similarity": None if self.similarity is None else round(self.similarity, 3),
            "matched": self.matched,
            "notes": list(self.notes),
            "confidence": round(self.confidence, 3),
            "self_rate": self.self_rate,
        }
