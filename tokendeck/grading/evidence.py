"""Lexical evidence about a free-text answer, with the question taken into account.

Words the question already gives away prove nothing: a student who writes
"the terminals are connected" to "How are the terminals connected?" has
repeated the question. So coverage counts only the reference's concepts that
the question does not contain, and the answer's own contribution is measured
by the share of its content words that are not in the question. These
numbers are inputs of the calibrated judge (:mod:`tokendeck.grading.judge`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tokendeck.grading.concepts import extract_concepts, measure_coverage, stem
from tokendeck.grading.lexical import negates
from tokendeck.grading.normalise import normalise
from tokendeck.grading.opposites import swapped_opposites
from tokendeck.grading.stopwords import STOPWORDS
from tokendeck.grading.typos import numbers_in


def content_words(text: str) -> list[str]:
    """Normalised words of ``text`` that are not function words."""
    return [w for w in normalise(text).split() if w not in STOPWORDS]


def stems_of(text: str) -> set[str]:
    """Stems of the content words of ``text``."""
    return {stem(w) for w in content_words(text)}


@dataclass(frozen=True)
class LexicalEvidence:
    """What word-level checks say about an answer to one reference."""

    coverage: float  # weighted share of the reference's new concepts the answer has
    precision: float  # weighted share of the answer's new concepts the reference has
    novelty: float  # share of the answer's content words not in the question
    answer_words: int  # content words of the answer
    reference_words: int  # content words of the reference
    negation: bool  # one side negates and the other does not
    opposite: bool  # the answer swaps a reference word for its opposite
    number: bool  # the answer states a number the reference does not
    found: tuple[str, ...] = ()  # the reference's concepts the answer mentions
    missed: tuple[str, ...] = ()  # those it lacks

    def vector(self) -> dict[str, float]:
        """Named numbers for the calibrated judge."""
        return {
            "coverage": self.coverage,
            "precision": self.precision,
            "novelty": self.novelty,
            "log_answer_words": math.log1p(self.answer_words),
            "log_reference_words": math.log1p(self.reference_words),
            "negation": float(self.negation),
            "opposite": float(self.opposite),
            "number": float(self.number),
        }


def lexical_evidence(reference: str, question: str, answer: str) -> LexicalEvidence:
    """Compare ``answer`` with ``reference``, discounting what ``question`` gives away."""
    given = stems_of(question)
    concepts = extract_concepts(reference)
    new = [c for c in concepts if stem(c.key) not in given] or list(concepts)
    coverage = measure_coverage(new, answer)
    own = [c for c in extract_concepts(answer) if stem(c.key) not in given]
    precision = measure_coverage(own, reference).score if own else 0.0
    words = content_words(answer)
    novelty = sum(1 for w in words if stem(w) not in given) / len(words) if words else 0.0
    ref_numbers = set(numbers_in(normalise(reference)))
    answer_numbers = set(numbers_in(normalise(answer)))
    return LexicalEvidence(
        coverage=coverage.score,
        precision=precision,
        novelty=novelty,
        answer_words=len(words),
        reference_words=len(content_words(reference)),
        negation=negates(reference) != negates(answer),
        opposite=bool(swapped_opposites(reference, answer)),
        number=bool(ref_numbers) and bool(answer_numbers - ref_numbers),
        found=tuple(c.text for c in coverage.found),
        missed=tuple(c.text for c in coverage.missed),
    )


def best_evidence(references: Sequence[str], question: str, answer: str) -> LexicalEvidence:
    """The evidence for the reference the answer covers best (the first on a tie)."""
    candidates = [lexical_evidence(r, question, answer) for r in references]
    return max(candidates, key=lambda e: (e.coverage, e.precision))
