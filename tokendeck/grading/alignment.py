"""Meaning features from the embedding model's token vectors, with the question discounted.

One embedding pass over the answer gives its sentence vector and a vector
per token. Against each reference (cached) it measures:

* ``cosine``: the sentence vectors' cosine (plain similarity);
* ``token_recall``: how well each content token of the reference is matched
  by some token of the answer (mean of the best cosines), ``token_precision``
  the other way round, and ``token_f1`` their harmonic mean;
* the same three with the tokens the question already contains left out
  (``token_recall_new``, ``token_precision_new``, ``token_f1_new``): what the
  answer adds;
* ``token_recall_rare``: the new-token recall weighted by each token's rarity
  (the reference's rare words carry its content); ``token_hits_new``: the
  share of new reference tokens some answer token matches closely (cosine
  >= ``HIT``); ``answer_off_topic``: the share of the answer's new tokens
  that match nothing in the reference (below ``OFF_TOPIC``);
* ``question_cosine``: how close the answer is to the question itself (an
  answer that restates the question is close to it, not to the reference);
* ``best_cosine``: the best sentence cosine over all references (plain
  similarity, reported for comparison, not calibrated on).

These, with the lexical evidence, are the inputs of the calibrated judge
(:mod:`tokendeck.grading.judge`). numpy is imported inside functions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from tokendeck.grading.cache import LruCache
from tokendeck.grading.concepts import rarity_weight, stem
from tokendeck.grading.normalise import normalise
from tokendeck.grading.stopwords import STOPWORDS

if TYPE_CHECKING:
    import numpy as np

    from tokendeck.grading.embedder import TokenVectors

    Encode = Callable[[Sequence[str]], tuple[np.ndarray, list[TokenVectors]]]

_PUNCTUATION = re.compile(r"^\W+$")
_SPECIAL = frozenset({"[CLS]", "[SEP]", "[PAD]"})
#: A reference token counts as matched above this cosine; an answer token as off the topic below.
HIT = 0.6
OFF_TOPIC = 0.35
FEATURES = (
    "cosine", "token_recall", "token_precision", "token_f1", "token_recall_new",
    "token_precision_new", "token_f1_new", "question_cosine", "token_recall_rare",
    "token_hits_new", "answer_off_topic",
)  # fmt: skip


class Encoded:
    """A text's sentence vector and its content tokens' vectors."""

    def __init__(self, vector: np.ndarray, tokens: TokenVectors) -> None:
        import numpy as np

        keep = [i for i, t in enumerate(tokens.tokens) if _content(t)]
        if not keep:  # "the" alone: keep what there is rather than nothing
            keep = [i for i, t in enumerate(tokens.tokens) if t not in _SPECIAL] or [0]
        self.vector = vector
        self.matrix: np.ndarray = tokens.vectors[np.array(keep)]
        self.stems = tuple(stem(tokens.tokens[i].lstrip("#")) for i in keep)
        # Rare words carry the answer ("photosynthesis"), common ones less ("make").
        self.rarity = np.array([rarity_weight(tokens.tokens[i]) for i in keep])


def _content(token: str) -> bool:
    return token not in _SPECIAL and not _PUNCTUATION.match(token) and token not in STOPWORDS


class AlignmentJudge:
    """Scores answers with the embedding model; reference and question encodings are cached."""

    def __init__(self, encode: Encode, cache_size: int = 2048) -> None:
        """``encode`` is an embedder's ``encode`` method."""
        self._encode = encode
        self._cache: LruCache[str, Encoded] = LruCache(cache_size)
        self._lock = threading.Lock()

    def encoded(self, texts: Sequence[str], *, cache: bool) -> list[Encoded]:
        """Encodings of ``texts`` (from the cache when ``cache`` and seen before)."""
        found: dict[str, Encoded] = {}
        if cache:
            with self._lock:
                for text in texts:
                    hit = self._cache.get(text)
                    if hit is not None:
                        found[text] = hit
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors, tokens = self._encode(missing)
            for text, vector, token_vectors in zip(missing, vectors, tokens, strict=True):
                found[text] = Encoded(vector, token_vectors)
            if cache:
                with self._lock:
                    for text in missing:
                        self._cache.put(text, found[text])
        return [found[t] for t in texts]

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The alignment features of ``answer`` against its best-matching reference."""
        (encoded_answer,) = self.encoded([answer], cache=False)
        context = self.encoded([*references, question] if question else list(references),
                               cache=True)  # fmt: skip
        asked = context[-1] if question else None
        given = {stem(w) for w in normalise(question).split()}
        best: dict[str, float] | None = None
        top_cosine = -1.0
        for reference in context[: len(references)]:
            row = compare(reference, encoded_answer, given)
            top_cosine = max(top_cosine, row["cosine"])
            if best is None or _rank(row) > _rank(best):
                best = row
        assert best is not None, "at least one reference"
        best["best_cosine"] = top_cosine  # plain similarity, for comparisons
        best["question_cosine"] = (
            float(encoded_answer.vector @ asked.vector) if asked is not None else 0.0
        )
        return best


def compare(reference: Encoded, answer: Encoded, given: set[str]) -> dict[str, float]:
    """Token alignment of ``answer`` with one ``reference`` (``given``: the question's stems)."""
    import numpy as np

    similarity = reference.matrix @ answer.matrix.T
    recall_each = similarity.max(axis=1)
    precision_each = similarity.max(axis=0)
    new_reference = np.array([s not in given for s in reference.stems])
    new_answer = np.array([s not in given for s in answer.stems])
    recall = float(recall_each.mean())
    precision = float(precision_each.mean())
    recall_new = float(recall_each[new_reference].mean()) if new_reference.any() else recall
    precision_new = float(precision_each[new_answer].mean()) if new_answer.any() else 0.0
    weights = reference.rarity[new_reference] if new_reference.any() else reference.rarity
    each_new = recall_each[new_reference] if new_reference.any() else recall_each
    answer_new = precision_each[new_answer] if new_answer.any() else precision_each
    return {
        "cosine": float(reference.vector @ answer.vector),
        "token_recall_rare": float((each_new * weights).sum() / weights.sum()),
        "token_hits_new": float((each_new >= HIT).mean()),
        "answer_off_topic": float((answer_new < OFF_TOPIC).mean()),
        "token_recall": recall,
        "token_precision": precision,
        "token_f1": _harmonic(recall, precision),
        "token_recall_new": recall_new,
        "token_precision_new": precision_new,
        "token_f1_new": _harmonic(recall_new, precision_new),
    }


def _rank(row: dict[str, float]) -> float:
    """Which reference an answer is compared with: the best new-token F1 plus cosine."""
    return row["token_f1_new"] + row["cosine"]


def _harmonic(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if a + b > 0 else 0.0
