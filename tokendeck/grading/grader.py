"""The typed-answer grader: a pipeline from cheap to expensive.

1. normalisation (case, accents, punctuation, NFC) and exact match;
2. accepted alternatives ("a / b", optional "(parts)", card-level extras);
3. typo tolerance for short answers (edit distance scaled to length);
4. short facts (names, numbers, single terms): lexical matching only;
5. meaning: sentence-embedding similarity combined with the coverage of
   the reference's key concepts. Without the embedding model, coverage
   alone decides and the result says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tokendeck.errors import ModelUnavailableError
from tokendeck.grading import explain
from tokendeck.grading.alternatives import accepted_forms, split_alternatives
from tokendeck.grading.cache import LruCache
from tokendeck.grading.concepts import Coverage, extract_concepts, measure_coverage
from tokendeck.grading.facts import extra_numbers, fact_coverage, is_short_fact
from tokendeck.grading.normalise import compact, normalise
from tokendeck.grading.result import RATINGS, GradeResult, Stage, Verdict
from tokendeck.grading.stopwords import NEGATIONS
from tokendeck.grading.typos import is_typo_of

if TYPE_CHECKING:
    import numpy as np

    from tokendeck.grading.embedder import Embedder

#: Answers of at most this many words get whole-answer typo tolerance;
#: longer ones are compared word by word in the concept stage instead.
TYPO_MAX_WORDS = 4


@dataclass(frozen=True)
class Thresholds:
    """Where scores turn into verdicts, and how meaning and coverage mix.

    Measured on the labelled sets in tests/data/grading (see the README
    there); the cosine is rescaled from [cosine_floor, cosine_ceiling] to 0..1.
    """

    correct: float = 0.62
    partly: float = 0.38
    meaning_weight: float = 0.6
    cosine_floor: float = 0.25
    cosine_ceiling: float = 0.80
    lexical_correct: float = 0.6  # coverage thresholds when no model is available
    lexical_partly: float = 0.3
    fact_partly: float = 0.5  # share of a multi-part fact that earns "partly"


class Grader:
    """Grades typed answers; holds the (lazily loaded) embedding model."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        use_embeddings: bool = True,
        thresholds: Thresholds | None = None,
        cache_size: int = 2048,
    ) -> None:
        """``embedder`` None: load the default model on first need.

        ``use_embeddings=False`` gives the purely lexical grader.
        """
        self._embedder = embedder
        self._use_embeddings = use_embeddings
        self._unavailable: str | None = None if use_embeddings else "embeddings switched off"
        self.thresholds = thresholds or Thresholds()
        self._cache: LruCache[str, np.ndarray] = LruCache(cache_size)

    # -- the embedding model -------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (ModelUnavailableError if absent)."""
        if self._embedder is None:
            if self._unavailable is not None:
                raise ModelUnavailableError(self._unavailable)
            from tokendeck.grading.embedder import default_embedder

            try:
                self._embedder = default_embedder()
            except ModelUnavailableError as exc:
                self._unavailable = str(exc)
                raise
        return self._embedder

    @property
    def meaning_available(self) -> bool:
        """True if the embedding model can be (or has been) loaded."""
        try:
            self.embedder  # noqa: B018  (loading is the point)
        except ModelUnavailableError:
            return False
        return True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (ModelUnavailableError without a model)."""
        return self.embedder.embed(texts)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts (``a`` is cached as a reference)."""
        import numpy as np

        return float(np.dot(self._reference_vector(a), self.embed([b])[0]))

    def _reference_vector(self, text: str) -> np.ndarray:
        vector = self._cache.get(text)
        if vector is None:
            vector = self.embed([text])[0]
            self._cache.put(text, vector)
        return vector

    # -- grading ---------------------------------------------------------------

    def grade(self, expected: str, answer: str, *, accepted: Sequence[str] = ()) -> GradeResult:
        """Grade ``answer`` against ``expected`` (plus ``accepted`` alternatives)."""
        forms = accepted_forms(expected, accepted) or [expected.strip()]
        if not normalise(answer):
            return _result(0.0, Verdict.INCORRECT, Stage.EMPTY, "No answer was given.")
        lexical = self._lexical_match(forms, answer)
        if lexical is not None:
            return lexical
        if is_short_fact(forms[0]):
            return self._grade_fact(forms, answer)
        return self._grade_meaning(expected, accepted, answer)

    def _lexical_match(self, forms: Sequence[str], answer: str) -> GradeResult | None:
        typed = compact(answer)
        for index, form in enumerate(forms):
            if typed == compact(form):
                stage = Stage.EXACT if index == 0 else Stage.ALTERNATIVE
                return _result(1.0, Verdict.CORRECT, stage, explain.exact(form, index), form)
        if len(normalise(answer).split()) > TYPO_MAX_WORDS:
            return None
        for form in forms:
            if len(normalise(form).split()) <= TYPO_MAX_WORDS and is_typo_of(typed, compact(form)):
                return _result(0.95, Verdict.CORRECT, Stage.TYPO, explain.typo(form), form)
        return None

    def _grade_fact(self, forms: Sequence[str], answer: str) -> GradeResult:
        best = max((fact_coverage(form, answer) for form in forms), key=lambda c: c.score)
        score = best.score
        if score >= 1.0 and not extra_numbers(forms[0], answer):
            verdict = Verdict.CORRECT
        elif score >= self.thresholds.fact_partly:
            verdict = Verdict.PARTLY_CORRECT
        else:
            verdict = Verdict.INCORRECT
        text = explain.fact(verdict, best)
        return _result(score, verdict, Stage.FACTUAL, text, coverage=best)

    def _grade_meaning(self, expected: str, accepted: Sequence[str], answer: str) -> GradeResult:
        references = split_alternatives(expected) + [a for a in accepted if a.strip()]
        references = references or [expected]
        coverage = max(
            (measure_coverage(extract_concepts(ref), answer) for ref in references),
            key=lambda c: c.score,
        )
        cosine, note = self._best_cosine(references, answer)
        if cosine is None:
            return self._grade_lexically(coverage, answer, references[0], note)
        t = self.thresholds
        meaning = _clip((cosine - t.cosine_floor) / (t.cosine_ceiling - t.cosine_floor))
        score = t.meaning_weight * meaning + (1 - t.meaning_weight) * coverage.score
        score *= _contradiction_factor(references[0], answer)
        verdict = self._verdict(score, t.correct, t.partly)
        text = explain.meaning(verdict, cosine, coverage)
        return _result(score, verdict, Stage.MEANING, text, coverage=coverage, cosine=cosine)

    def _grade_lexically(
        self, coverage: Coverage, answer: str, reference: str, note: str
    ) -> GradeResult:
        t = self.thresholds
        score = coverage.score * _contradiction_factor(reference, answer)
        verdict = self._verdict(score, t.lexical_correct, t.lexical_partly)
        text = explain.concepts(verdict, coverage)
        return _result(score, verdict, Stage.CONCEPTS, text, coverage=coverage, notes=(note,))

    def _best_cosine(self, references: Sequence[str], answer: str) -> tuple[float | None, str]:
        if not self._use_embeddings:
            return None, "meaning check switched off: graded on key concepts only"
        try:
            answer_vector = self.embed([answer])[0]
        except ModelUnavailableError as exc:
            return None, f"meaning check unavailable ({exc}): graded on key concepts only"
        import numpy as np

        best = max(float(np.dot(self._reference_vector(r), answer_vector)) for r in references)
        return best, ""

    @staticmethod
    def _verdict(score: float, correct: float, partly: float) -> Verdict:
        if score >= correct:
            return Verdict.CORRECT
        return Verdict.PARTLY_CORRECT if score >= partly else Verdict.INCORRECT


def _contradiction_factor(reference: str, answer: str) -> float:
    """Penalty when one side negates and the other does not, or numbers disagree."""
    factor = 1.0
    if _negates(reference) != _negates(answer):
        factor *= 0.7
    if extra_numbers(reference, answer):
        factor *= 0.7
    return factor


def _negates(text: str) -> bool:
    lowered = text.casefold().replace("\u2019", "'")
    return "n't" in lowered or bool(NEGATIONS & set(normalise(text).split()))


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def _result(
    score: float,
    verdict: Verdict,
    stage: Stage,
    explanation: str,
    matched: str | None = None,
    *,
    coverage: Coverage | None = None,
    cosine: float | None = None,
    notes: tuple[str, ...] = (),
) -> GradeResult:
    return GradeResult(
        score=round(_clip(score), 4),
        verdict=verdict,
        rating=RATINGS[verdict],
        stage=stage,
        explanation=explanation,
        found=tuple(c.text for c in coverage.found) if coverage else (),
        missed=tuple(c.text for c in coverage.missed) if coverage else (),
        similarity=cosine,
        matched=matched,
        notes=tuple(n for n in notes if n),
    )


_DEFAULT: Grader | None = None


def default_grader() -> Grader:
    """A process-wide grader, so the model loads once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Grader()
    return _DEFAULT


def grade(
    expected: str, answer: str, *, accepted: Sequence[str] = (), grader: Grader | None = None
) -> GradeResult:
    """Grade a typed ``answer`` against the ``expected`` one (see :class:`Grader`)."""
    return (grader or default_grader()).grade(expected, answer, accepted=accepted)
