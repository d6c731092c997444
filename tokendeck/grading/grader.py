"""The typed-answer grader: a pipeline from cheap to expensive.

1. normalisation (case, accents, punctuation, NFC) and exact match;
2. accepted alternatives ("a / b", optional "(parts)", card-level extras);
3. typo tolerance for short answers (edit distance scaled to length);
4. guesses: an answer with no specific content ("model", "I don't know",
   the question typed back, a list of the deck's terms) is incorrect
   (see :mod:`tokendeck.grading.guesses`);
5. short facts (names, numbers, terms of a few words): lexical only, never
   by embedding similarity ("Canberra" vs "Sydney" has cosine 0.70);
6. meaning: the answer judge aligns the answer's token vectors with the
   reference's (discounting what the question gives away,
   :mod:`tokendeck.grading.alignment`), and a logistic calibration fitted on
   real students' answers turns those measurements and the lexical evidence
   into P(correct) (:mod:`tokendeck.grading.judge`). Without it (e.g. a
   custom embedder), sentence-embedding similarity and key concepts decide
   (:mod:`tokendeck.grading.meaning`); without any model, concepts alone,
   and the result says so.

Every result has a confidence; below the judge's threshold ``self_rate``
is set and front-ends ask the learner to rate themself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tokendeck.errors import ModelUnavailableError
from tokendeck.grading import explain
from tokendeck.grading.alternatives import accepted_forms, split_alternatives
from tokendeck.grading.cache import LruCache
from tokendeck.grading.concepts import Coverage, extract_concepts, measure_coverage
from tokendeck.grading.definitions import definition_part
from tokendeck.grading.evidence import LexicalEvidence, best_evidence
from tokendeck.grading.facts import FactMatch, is_short_fact, match_fact
from tokendeck.grading.guesses import DeckVocabulary, detect_guess
from tokendeck.grading.lexical import contradiction_factor, is_exact, is_typo
from tokendeck.grading.meaning import (
    Evidence,
    Thresholds,
    decide,
    in_band,
    settled_without_meaning,
)
from tokendeck.grading.normalise import normalise
from tokendeck.grading.opposites import swapped_opposites
from tokendeck.grading.reference import reference_text
from tokendeck.grading.result import RATINGS, SELF_RATE_BELOW, GradeResult, Stage, Verdict
from tokendeck.grading.spelling import correct_towards

if TYPE_CHECKING:
    import numpy as np

    from tokendeck.grading.embedder import Embedder
    from tokendeck.grading.judge import Judge, JudgeConfig

_RANK = {Verdict.INCORRECT: 0, Verdict.PARTLY_CORRECT: 1, Verdict.CORRECT: 2}
TYPO_SCORE = 0.95
#: Confidence of the stages that need no model. Exact matches are certain;
#: a guess or a fact decided letter by letter nearly so; key concepts alone
#: (no model) are a rough guide, so the learner is asked to rate.
CONFIDENCE = {
    Stage.EMPTY: 1.0,
    Stage.EXACT: 1.0,
    Stage.ALTERNATIVE: 1.0,
    Stage.TYPO: 0.95,
    Stage.GUESS: 0.9,
    Stage.CONCEPTS: 0.6,
}
#: Key concepts alone (no model) that found none of the reference's concepts.
NOTHING_FOUND_CONFIDENCE = 0.75
FACT_CONFIDENCE = {Verdict.CORRECT: 0.95, Verdict.PARTLY_CORRECT: 0.75, Verdict.INCORRECT: 0.9}
#: The embedding fallback (no judge): its verdicts agreed with the labels
#: about 70% of the time on real students' answers.
EMBEDDING_CONFIDENCE = 0.65


class Grader:
    """Grades typed answers; holds the (lazily loaded) embedding model."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        use_embeddings: bool = True,
        thresholds: Thresholds | None = None,
        cache_size: int = 2048,
        judge: Judge | None = None,
        judge_config: JudgeConfig | None = None,
        use_judge: bool = True,
    ) -> None:
        """``embedder``/``judge`` None: load the default model on first need.

        ``use_embeddings=False`` gives the purely lexical grader (no model
        at all); ``use_judge=False`` the embedding grader of earlier versions.
        ``cache_size`` reference embeddings are kept (least recently used go).
        """
        self._embedder = embedder
        self._use_embeddings = use_embeddings
        self._unavailable: str | None = None if use_embeddings else "embeddings switched off"
        self._judge = judge
        self._judge_config = judge_config
        self._judge_unavailable: str | None = (
            None if use_embeddings and use_judge else "answer judge switched off"
        )
        self.thresholds = thresholds or Thresholds()
        self._cache: LruCache[str, np.ndarray] = LruCache(cache_size)
        # The web app grades from worker threads: loading and the cache are shared.
        self._lock = threading.RLock()

    # -- the embedding model -------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (ModelUnavailableError if absent)."""
        with self._lock:
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
            self.embedder  # noqa: B018  (loading it is the point)
        except ModelUnavailableError:
            return False
        return True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (ModelUnavailableError without a model)."""
        return self.embedder.embed(texts)

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two texts (``a`` is cached like a reference)."""
        import numpy as np

        return float(np.dot(self.reference_vector(a), self.embed([b])[0]))

    @property
    def cached_references(self) -> int:
        """How many reference embeddings the LRU cache holds."""
        with self._lock:
            return len(self._cache)

    def reference_vector(self, text: str) -> np.ndarray:
        """The embedding of ``text``, from the LRU cache when seen before."""
        with self._lock:
            vector = self._cache.get(text)
        if vector is None:
            vector = self.embed([text])[0]
            with self._lock:
                self._cache.put(text, vector)
        return vector

    # -- grading ---------------------------------------------------------------

    # -- the answer judge ------------------------------------------------------

    def judge_parts(self) -> tuple[Judge, JudgeConfig]:
        """The judge and its calibration, loaded on first use (ModelUnavailableError if absent)."""
        with self._lock:
            if self._judge is None or self._judge_config is None:
                if self._judge_unavailable is not None:
                    raise ModelUnavailableError(self._judge_unavailable)
                try:
                    self._judge, self._judge_config = _load_judge(
                        self._judge, self._judge_config, lambda: self.embedder
                    )
                except ModelUnavailableError as exc:
                    self._judge_unavailable = str(exc)
                    raise
            return self._judge, self._judge_config

    @property
    def judge_available(self) -> bool:
        """True if the answer judge can be (or has been) loaded."""
        try:
            self.judge_parts()
        except ModelUnavailableError:
            return False
        return True

    @property
    def self_rate_below(self) -> float:
        """The confidence under which the learner is asked to rate themself."""
        config = self._judge_config
        return config.confident if config is not None else SELF_RATE_BELOW

    # -- grading ---------------------------------------------------------------

    def grade(
        self,
        expected: str,
        answer: str,
        *,
        accepted: Sequence[str] = (),
        question: str = "",
        vocabulary: DeckVocabulary | None = None,
    ) -> GradeResult:
        """Grade ``answer`` against ``expected`` (plus ``accepted`` alternatives).

        ``expected`` may be a whole card back: only its first paragraph, as
        plain text, is the reference (see :mod:`tokendeck.grading.reference`).
        ``question`` is what was asked (a card's front): words it gives away
        prove nothing. ``vocabulary`` describes the rest of the deck, so that
        a list of its terms or its commonest words is recognised as a guess.
        Safe to call from several threads.
        """
        if not normalise(answer):
            return self._result(0.0, Verdict.INCORRECT, Stage.EMPTY, "No answer was given.")
        expected = reference_text(expected)  # a card's back: its first paragraph counts
        forms = accepted_forms(expected, accepted) or [expected]
        forms += [d for d in dict.fromkeys(definition_part(f) for f in forms) if d not in forms]
        settled = self._lexical_match(forms, answer)
        if settled is not None:
            return settled
        references = split_alternatives(expected) + [a for a in accepted if a.strip()]
        references = references or [expected]
        guess = detect_guess(
            answer, references=references, question=question, vocabulary=vocabulary
        )
        if guess is not None:
            return self._result(0.0, Verdict.INCORRECT, Stage.GUESS, guess.explanation)
        if is_short_fact(definition_part(forms[0])):
            return self._grade_fact(forms, answer)
        if self._judge_unavailable is None:
            try:
                return self._grade_judged(references, question, answer)
            except ModelUnavailableError:
                pass  # no judge: the embedding grader below
        return self._grade_meaning(expected, accepted, answer)

    def _grade_judged(self, references: list[str], question: str, answer: str) -> GradeResult:
        from tokendeck.grading.judge import features, judge

        model, config = self.judge_parts()
        # Without a question, the term a definition defines ("Osmosis is ...") is the cue.
        question = question or _defined_term(references[0])
        evidence = best_evidence(references, question, answer)
        measured = model.features(references, question, answer)
        inputs = features(measured, evidence, len(references))
        judged = judge(config.calibration.probability(inputs), evidence, config, inputs)
        text = explain.judged(judged.verdict, judged.probability, evidence)
        notes = tuple(
            f"{word!r} says the opposite of the answer"
            for r in references[:1]
            for word, _ in swapped_opposites(r, answer)
        )
        return self._result(
            judged.score, judged.verdict, Stage.MEANING, text, evidence=evidence,
            cosine=measured.get("best_cosine"), notes=notes, confidence=judged.confidence,
        )  # fmt: skip

    def _grade_fact(self, forms: Sequence[str], answer: str) -> GradeResult:
        judged = [(self._fact_verdict(m), m) for m in (match_fact(f, answer) for f in forms)]
        verdict, best = max(judged, key=lambda vm: (_RANK[vm[0]], vm[1].coverage.score))
        score = 1.0 if verdict is Verdict.CORRECT else in_band(verdict, best.coverage.score)
        text = explain.fact(verdict, best.coverage)
        return self._result(
            score, verdict, Stage.FACTUAL, text, coverage=best.coverage,
            confidence=FACT_CONFIDENCE[verdict],
        )  # fmt: skip

    def _fact_verdict(self, match: FactMatch) -> Verdict:
        if match.numbers_agree is False:
            return Verdict.INCORRECT  # 1944 for 1945, GPT-3 for GPT-J
        if match.contained:
            return Verdict.PARTLY_CORRECT if match.hedged else Verdict.CORRECT
        if match.complete:  # every word of the fact, in another order or with padding
            return Verdict.CORRECT if match.surplus == 0 else Verdict.PARTLY_CORRECT
        if match.surname or (match.numbers_agree and match.coverage.score >= 0.5):
            return Verdict.CORRECT  # "Washington", "Everest"; "100" for "100 °C"
        if match.extras == 0 and match.coverage.score >= self.thresholds.fact_partly:
            return Verdict.PARTLY_CORRECT  # "George" for "George Washington"
        return Verdict.INCORRECT

    def _grade_meaning(self, expected: str, accepted: Sequence[str], answer: str) -> GradeResult:
        references = split_alternatives(expected) + [a for a in accepted if a.strip()]
        references = references or [expected]
        definitions = [definition_part(r) for r in references]
        coverage = max(
            (measure_coverage(extract_concepts(d), answer) for d in definitions),
            key=lambda c: c.score,
        )
        lexical = Evidence(
            cosine=None,
            coverage=coverage.score,
            precision=_precision(answer, references),
            penalty=contradiction_factor(definitions[0], answer),
        )
        settled = settled_without_meaning(lexical, self.thresholds)
        if settled is not None and self._use_embeddings:
            verdict, score = settled
            text = explain.settled(verdict, coverage)
            return self._result(score, verdict, Stage.CONCEPTS, text, coverage=coverage,
                                confidence=EMBEDDING_CONFIDENCE)  # fmt: skip
        spelled = correct_towards(answer, " ".join(references))
        cosine, note = self._best_cosine(list(dict.fromkeys(references + definitions)), spelled)
        evidence = Evidence(cosine, lexical.coverage, lexical.precision, lexical.penalty)
        verdict, score = decide(evidence, self.thresholds)
        if cosine is None:
            text = explain.concepts(verdict, coverage)
            # Nothing of the reference at all is a safe "incorrect"; the rest is a rough guide.
            sure = NOTHING_FOUND_CONFIDENCE if not coverage.found else None
            return self._result(
                score, verdict, Stage.CONCEPTS, text, coverage=coverage, notes=(note,),
                confidence=sure,
            )  # fmt: skip
        text = explain.meaning(verdict, cosine, coverage)
        notes = tuple(
            f"{word!r} says the opposite of the answer"
            for word, _ in swapped_opposites(definitions[0], answer)
        )
        return self._result(
            score, verdict, Stage.MEANING, text, coverage=coverage, cosine=cosine, notes=notes,
            confidence=EMBEDDING_CONFIDENCE,
        )  # fmt: skip

    def _best_cosine(self, references: Sequence[str], answer: str) -> tuple[float | None, str]:
        if not self._use_embeddings:
            return None, "meaning check switched off: graded on key concepts only"
        try:
            answer_vector = self.embed([answer])[0]
        except ModelUnavailableError as exc:
            return None, f"meaning check unavailable ({exc}): graded on key concepts only"
        import numpy as np

        best = max(float(np.dot(self.reference_vector(r), answer_vector)) for r in references)
        return best, ""

    def _lexical_match(self, forms: Sequence[str], answer: str) -> GradeResult | None:
        for index, form in enumerate(forms):
            if is_exact(answer, form):
                stage = Stage.EXACT if index == 0 else Stage.ALTERNATIVE
                return self._result(1.0, Verdict.CORRECT, stage, explain.exact(form, index), form)
        for form in forms:
            if is_typo(answer, form):
                text = explain.typo(form)
                return self._result(TYPO_SCORE, Verdict.CORRECT, Stage.TYPO, text, form)
        return None

    def _result(
        self,
        score: float,
        verdict: Verdict,
        stage: Stage,
        explanation: str,
        matched: str | None = None,
        *,
        coverage: Coverage | None = None,
        evidence: LexicalEvidence | None = None,
        cosine: float | None = None,
        notes: tuple[str, ...] = (),
        confidence: float | None = None,
    ) -> GradeResult:
        sure = CONFIDENCE.get(stage, EMBEDDING_CONFIDENCE) if confidence is None else confidence
        found: tuple[str, ...] = ()
        missed: tuple[str, ...] = ()
        if coverage is not None:
            found = tuple(c.text for c in coverage.found)
            missed = tuple(c.text for c in coverage.missed)
        elif evidence is not None:
            found, missed = evidence.found, evidence.missed
        return GradeResult(
            score=round(min(1.0, max(0.0, score)), 4),
            verdict=verdict,
            rating=RATINGS[verdict],
            stage=stage,
            explanation=explanation,
            found=found,
            missed=missed,
            similarity=None if cosine is None else round(cosine, 4),
            matched=matched,
            notes=tuple(n for n in notes if n),
            confidence=round(sure, 4),
            self_rate=sure < self.self_rate_below,
        )


def _load_judge(
    judge: Judge | None, config: JudgeConfig | None, embedder: Callable[[], Embedder]
) -> tuple[Judge, JudgeConfig]:
    """The shipped judge and calibration, for whichever of the two was not given.

    The alignment judge runs on the grader's embedding model (``embedder``
    loads it; ModelUnavailableError without it).
    """
    from tokendeck.grading.judge import default_config

    if config is None:
        try:
            config = default_config()
        except (OSError, ValueError) as exc:
            raise ModelUnavailableError(
                f"the answer judge's calibration cannot be read ({exc})",
                hint="reinstall TokenDeck, or run scripts/train_grader.py",
            ) from None
    if judge is None:
        from tokendeck.grading.alignment import AlignmentJudge

        model = embedder()
        encode = getattr(model, "encode", None)
        if encode is None:
            raise ModelUnavailableError("the embedding model gives no token vectors")
        judge = AlignmentJudge(encode)
    return judge, config


def _defined_term(reference: str) -> str:
    """ "Osmosis" of "Osmosis is the movement of water ..." ("" for other references)."""
    definition = definition_part(reference)
    if definition == reference.strip():
        return ""
    return reference.strip()[: len(reference.strip()) - len(definition)].strip()


def _precision(answer: str, definitions: Sequence[str]) -> float:
    """Share of the answer's own concepts that the reference mentions (0 if none)."""
    concepts = extract_concepts(answer)
    if not concepts:
        return 0.0
    return max(measure_coverage(concepts, d).score for d in definitions)


_DEFAULT: Grader | None = None


def default_grader() -> Grader:
    """A process-wide grader, so the model loads once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Grader()
    return _DEFAULT


def grade(
    expected: str,
    answer: str,
    *,
    accepted: Sequence[str] = (),
    question: str = "",
    vocabulary: DeckVocabulary | None = None,
    grader: Grader | None = None,
) -> GradeResult:
    """Grade a typed ``answer`` against the ``expected`` one (see :class:`Grader`)."""
    return (grader or default_grader()).grade(
        expected, answer, accepted=accepted, question=question, vocabulary=vocabulary
    )
