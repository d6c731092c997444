"""How alike cards are: sentence embeddings when the model is there, TF-IDF otherwise.

Distractors, confusable pairs, near-duplicate lint and related cards all
need "which other cards are most like this one". The embedding model (via
the grader's lazy loader) gives meaning; without it a TF-IDF cosine over
content words, plus shared tags, is the documented fallback. numpy is
imported only on the embedding path.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tokendeck.errors import ModelUnavailableError
from tokendeck.grading import Grader
from tokendeck.grading.normalise import normalise
from tokendeck.grading.stopwords import STOPWORDS
from tokendeck.quiz.items import Item

#: Weight of shared tags in the lexical fallback (tags say "same topic").
TAG_WEIGHT = 0.15


@dataclass(frozen=True, slots=True)
class Similarities:
    """A symmetric matrix of similarities between items, and how it was made."""

    items: tuple[Item, ...]
    matrix: tuple[tuple[float, ...], ...]
    method: str  # "embedding" or "lexical"

    def score(self, a: int, b: int) -> float:
        """Similarity of the items at positions ``a`` and ``b``."""
        return self.matrix[a][b]

    def nearest(self, index: int, limit: int | None = None) -> list[int]:
        """Other items' positions, most similar first."""
        others = [j for j in range(len(self.items)) if j != index]
        others.sort(key=lambda j: (-self.matrix[index][j], self.items[j].card_id))
        return others if limit is None else others[:limit]

    def position(self, card_id: int) -> int:
        """Where a card is in :attr:`items` (ValueError if absent)."""
        for index, item in enumerate(self.items):
            if item.card_id == card_id:
                return index
        raise ValueError(f"card {card_id} is not among these items")


def text_of(item: Item) -> str:
    """The text compared: the term and its defining line."""
    return f"{item.term}: {item.definition}"


def similarities(items: Sequence[Item], grader: Grader | None = None) -> Similarities:
    """Pairwise similarities; embeddings if ``grader`` can load its model, else lexical."""
    texts = [text_of(i) for i in items]
    if grader is not None and texts:
        try:
            return Similarities(tuple(items), _embedding_matrix(grader, texts), "embedding")
        except ModelUnavailableError:
            pass  # the documented fallback below
    return Similarities(tuple(items), lexical_matrix(items), "lexical")


def _embedding_matrix(grader: Grader, texts: list[str]) -> tuple[tuple[float, ...], ...]:
    vectors = grader.embed(texts)
    product = vectors @ vectors.T
    return tuple(tuple(float(x) for x in row) for row in product)


def lexical_matrix(items: Sequence[Item]) -> tuple[tuple[float, ...], ...]:
    """TF-IDF cosine of content words, plus a bonus for shared tags."""
    bags = [Counter(content_words(text_of(i))) for i in items]
    documents = Counter(word for bag in bags for word in bag)
    total = len(bags)
    vectors = [_tfidf(bag, documents, total) for bag in bags]
    rows = []
    for a, item_a in enumerate(items):
        row = []
        for b, item_b in enumerate(items):
            cosine = _cosine(vectors[a], vectors[b])
            row.append(1.0 if a == b else min(1.0, cosine + _tag_bonus(item_a, item_b)))
        rows.append(tuple(row))
    return tuple(rows)


def content_words(text: str) -> list[str]:
    """Normalised words that carry meaning, crudely singularised."""
    return [_singular(w) for w in normalise(text).split() if w not in STOPWORDS and len(w) > 1]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _tfidf(bag: Counter[str], documents: Counter[str], total: int) -> dict[str, float]:
    return {w: n * math.log((1 + total) / (1 + documents[w])) + n * 0.1 for w, n in bag.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _tag_bonus(a: Item, b: Item) -> float:
    shared, union = set(a.tags) & set(b.tags), set(a.tags) | set(b.tags)
    return TAG_WEIGHT * len(shared) / len(union) if union else 0.0


#: At or above these similarities two different cards say the same thing.
SAME_MEANING = {"embedding": 0.95, "lexical": 0.85}


def is_synonym(sims: Similarities, a: int, b: int) -> bool:
    """True if item ``b`` is no fair distractor for ``a``: a shared name or the same text."""
    first, second = sims.items[a], sims.items[b]
    # Accepted alternatives count too: a user's deck may name synonyms there.
    names = {_key(n) for n in (*first.names, *first.accepted)}
    if names & {_key(n) for n in (*second.names, *second.accepted)}:
        return True
    if _key(first.definition) == _key(second.definition):
        return True
    return sims.score(a, b) >= SAME_MEANING[sims.method]


def _key(text: str) -> str:
    return "".join(content_words(text)) or normalise(text)
