"""How alike cards are: sentence embeddings when the model is there, TF-IDF otherwise.

Distractors, confusable pairs, near-duplicate lint and related cards all
need "which other cards are most like this one". The embedding model (via
the grader's lazy loader) gives meaning; without it a TF-IDF cosine over
content words, plus shared tags, is the documented fallback. numpy is
imported only on the embedding path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tokendeck.errors import ModelUnavailableError
from tokendeck.grading import Grader
from tokendeck.grading.normalise import normalise
from tokendeck.grading.stopwords import STOPWORDS
from tokendeck.quiz.items import Item

if TYPE_CHECKING:
    import numpy as np

#: Weight of shared tags in the lexical fallback (tags say "same topic").
TAG_WEIGHT = 0.15
#: Texts embedded per batch (padding to the longest text of a batch wastes less).
EMBED_BATCH = 64
#: Larger decks use the lexical fallback: embedding costs roughly 10-50 ms per
#: card on a 2-core CPU, too long to wait for at the start of a session.
EMBEDDING_MAX_CARDS = 500


@dataclass(frozen=True, slots=True, eq=False)
class Similarities:
    """A symmetric matrix (numpy, n x n) of similarities between items, and how it was made."""

    items: tuple[Item, ...]
    matrix: np.ndarray
    method: str  # "embedding" or "lexical"

    def score(self, a: int, b: int) -> float:
        """Similarity of the items at positions ``a`` and ``b``."""
        return float(self.matrix[a, b])

    def nearest(self, index: int, limit: int | None = None) -> list[int]:
        """Other items' positions, most similar first (ties: earlier item first)."""
        import numpy as np

        order = np.argsort(-self.matrix[index], kind="stable")
        others = [int(j) for j in order if j != index]
        return others if limit is None else others[:limit]

    def position(self, card_id: int) -> int:
        """Where a card is in :attr:`items` (ValueError if absent)."""
        for index, item in enumerate(self.items):
            if item.card_id == card_id:
                return index
        raise ValueError(f"card {card_id} is not among these items")

    def pairs_at_least(self, threshold: float) -> list[tuple[int, int]]:
        """Positions (a < b) of every pair at least ``threshold`` similar."""
        import numpy as np

        upper = np.triu(self.matrix >= threshold, k=1)
        return [(int(a), int(b)) for a, b in np.argwhere(upper)]


def text_of(item: Item) -> str:
    """The text compared: the term and its defining line."""
    return f"{item.term}: {item.definition}"


def similarities(
    items: Sequence[Item], grader: Grader | None = None, *, embed_limit: int | None = None
) -> Similarities:
    """Pairwise similarities: embeddings if ``grader`` can load its model and the deck
    has at most ``embed_limit`` (default :data:`EMBEDDING_MAX_CARDS`) cards, else lexical."""
    limit = EMBEDDING_MAX_CARDS if embed_limit is None else embed_limit
    texts = [text_of(i) for i in items]
    if grader is not None and 0 < len(texts) <= limit:
        try:
            return Similarities(tuple(items), _embedding_matrix(grader, texts), "embedding")
        except ModelUnavailableError:
            pass  # the documented fallback below
    return Similarities(tuple(items), lexical_matrix(items), "lexical")


def _embedding_matrix(grader: Grader, texts: list[str]) -> np.ndarray:
    import numpy as np

    batches = [grader.embed(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
    vectors = np.vstack(batches).astype(np.float32)
    product: np.ndarray = vectors @ vectors.T
    np.fill_diagonal(product, 1.0)
    return product


def lexical_matrix(items: Sequence[Item]) -> np.ndarray:
    """TF-IDF cosine of content words, plus a bonus for shared tags."""
    import numpy as np

    count = len(items)
    bags = [Counter(content_words(text_of(i))) for i in items]
    documents = Counter(word for bag in bags for word in bag)
    idf = {w: float(np.log((1 + count) / (1 + n))) + 0.1 for w, n in documents.items()}
    # Words of one card only add to its norm, never to a dot product: keep them out of the matrix.
    shared = {w: k for k, w in enumerate(w for w, n in documents.items() if n > 1)}
    weights = np.zeros((count, len(shared)), dtype=np.float32)
    norms = np.zeros(count, dtype=np.float32)
    for row, bag in enumerate(bags):
        for word, n in bag.items():
            value = n * idf[word]
            norms[row] += value * value
            if word in shared:
                weights[row, shared[word]] = value
    norms = np.sqrt(np.maximum(norms, 1e-12))
    cosine = (weights @ weights.T) / np.outer(norms, norms)
    result: np.ndarray = np.minimum(1.0, cosine + _tag_bonus(items)).astype(np.float32)
    np.fill_diagonal(result, 1.0)
    return result


def content_words(text: str) -> list[str]:
    """Normalised words that carry meaning, crudely singularised."""
    return [_singular(w) for w in normalise(text).split() if w not in STOPWORDS and len(w) > 1]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _tag_bonus(items: Sequence[Item]) -> np.ndarray:
    """TAG_WEIGHT x the Jaccard overlap of two items' tags."""
    import numpy as np

    tags = {t: k for k, t in enumerate(sorted({t for i in items for t in i.tags}))}
    onehot = np.zeros((len(items), len(tags)), dtype=np.float32)
    for row, item in enumerate(items):
        for tag in item.tags:
            onehot[row, tags[tag]] = 1.0
    both = onehot @ onehot.T
    sizes = onehot.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - both
    jaccard: np.ndarray = np.divide(both, union, out=np.zeros_like(both), where=union > 0)
    return TAG_WEIGHT * jaccard


#: At or above these similarities two cards are confusable (discrimination
#: questions, spacing in a session).
CONFUSABLE = {"embedding": 0.55, "lexical": 0.3}
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
