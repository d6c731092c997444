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
from typing import TYPE_CHECKING

from tokendeck.errors import ModelUnavailableError
from tokendeck.grading import Grader
from tokendeck.grading.normalise import normalise
from tokendeck.grading.stopwords import STOPWORDS
from tokendeck.quiz.items import Item
from tokendeck.quiz.scores import (
    DenseScores,
    Scores,
    SparseScores,
    VectorScores,
    dense,
    pairs_at_least,
)

if TYPE_CHECKING:
    import numpy as np

    from tokendeck.quiz.embeddings import VectorStore

#: Weight of shared tags in the lexical fallback (tags say "same topic").
TAG_WEIGHT = 0.15
#: At most this many cards' texts are embedded while someone waits: embedding costs
#: roughly 10-50 ms per card on a 2-core CPU. Larger decks use the lexical fallback
#: until their vectors are prepared in the background and kept on disk
#: (``Collection.prepare_similarities``; the web server does it by itself).
EMBEDDING_MAX_CARDS = 500
#: Up to this many cards the scores are one dense matrix (16 MB at 2,000).
DENSE_MAX = 2000


class Similarities:
    """Pairwise similarities of items (a :mod:`~tokendeck.quiz.scores` backend) and how
    they were made ("embedding" or "lexical")."""

    __slots__ = ("_pairs", "_positions", "items", "memo", "method", "scores")

    def __init__(
        self, items: Sequence[Item] | tuple[Item, ...], scores: Scores | np.ndarray, method: str
    ) -> None:
        self.items = tuple(items)
        # a bare matrix is accepted too (tests, and the small decks of old)
        self.scores: Scores = (
            DenseScores(scores) if hasattr(scores, "shape") else scores  # type: ignore[arg-type]
        )
        self.method = method
        self._positions: dict[int, int] | None = None
        self._pairs: dict[float, list[tuple[int, int]]] = {}
        #: What other modules work out once from the items' text (e.g. who mentions whom).
        self.memo: dict[str, object] = {}

    @property
    def matrix(self) -> np.ndarray:
        """Every score as one n x n array (built on demand for large decks: avoid there)."""
        return dense(self.scores)

    def score(self, a: int, b: int) -> float:
        """Similarity of the items at positions ``a`` and ``b``."""
        return self.scores.at(a, b)

    def row(self, index: int) -> np.ndarray:
        """Similarities of the item at ``index`` to every item."""
        return self.scores.row(index)

    def nearest(self, index: int, limit: int | None = None) -> list[int]:
        """Other items' positions, most similar first (ties: earlier item first)."""
        import numpy as np

        order = np.argsort(-self.scores.row(index), kind="stable")
        others = [int(j) for j in order if j != index]
        return others if limit is None else others[:limit]

    def position(self, card_id: int) -> int:
        """Where a card is in :attr:`items` (ValueError if absent)."""
        if self._positions is None:
            self._positions = {item.card_id: n for n, item in enumerate(self.items)}
        found = self._positions.get(card_id)
        if found is None:
            raise ValueError(f"card {card_id} is not among these items")
        return found

    def pairs_at_least(self, threshold: float) -> list[tuple[int, int]]:
        """Positions (a < b) of every pair at least ``threshold`` similar (kept once found)."""
        if threshold not in self._pairs:
            self._pairs[threshold] = pairs_at_least(self.scores, threshold)
        return self._pairs[threshold]

    def with_items(self, items: Sequence[Item]) -> Similarities:
        """The same scores over updated items (same cards, same order: fresher states)."""
        twin = Similarities(items, self.scores, self.method)
        twin._positions, twin._pairs, twin.memo = self._positions, self._pairs, self.memo
        return twin


def text_of(item: Item) -> str:
    """The text compared: the term and its defining line."""
    return f"{item.term}: {item.definition}"


def similarities(
    items: Sequence[Item],
    grader: Grader | None = None,
    *,
    embed_limit: int | None = EMBEDDING_MAX_CARDS,
    store: VectorStore | None = None,
) -> Similarities:
    """Pairwise similarities: embeddings if ``grader`` can load its model and at most
    ``embed_limit`` (None: any number) texts are not in ``store`` (the disk cache of
    vectors) yet, else lexical."""
    from tokendeck.quiz.embeddings import embed_all

    texts = [text_of(i) for i in items]
    if grader is not None and texts:
        try:
            vectors = embed_all(texts, grader, store, embed_limit)
        except ModelUnavailableError:
            vectors = None  # the documented fallback below
        if vectors is not None:
            return Similarities(items, _embedding_scores(vectors), "embedding")
    return Similarities(items, lexical_scores(items), "lexical")


def _embedding_scores(vectors: np.ndarray) -> Scores:
    if len(vectors) > DENSE_MAX:
        return VectorScores(vectors)
    product: np.ndarray = vectors @ vectors.T
    import numpy as np

    np.fill_diagonal(product, 1.0)
    return DenseScores(product)


def lexical_scores(items: Sequence[Item]) -> Scores:
    """TF-IDF cosine of content words plus shared tags: a matrix for small decks, an index
    of postings for large ones."""
    if len(items) <= DENSE_MAX:
        return DenseScores(lexical_matrix(items))
    return _sparse_lexical(items)


def lexical_matrix(items: Sequence[Item]) -> np.ndarray:
    """TF-IDF cosine of content words, plus a bonus for shared tags."""
    import numpy as np

    count = len(items)
    bags, idf, shared = _tf_idf(items)
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


def _tf_idf(
    items: Sequence[Item],
) -> tuple[list[Counter[str]], dict[str, float], dict[str, int]]:
    """Each item's bag of content words, their idf, and the words shared by two items or
    more (words of one card only add to its norm, never to a dot product)."""
    import numpy as np

    count = len(items)
    bags = [Counter(content_words(text_of(i))) for i in items]
    documents = Counter(word for bag in bags for word in bag)
    idf = {w: float(np.log((1 + count) / (1 + n))) + 0.1 for w, n in documents.items()}
    shared = {w: k for k, w in enumerate(w for w, n in documents.items() if n > 1)}
    return bags, idf, shared


def _sparse_lexical(items: Sequence[Item]) -> Scores:
    import numpy as np

    bags, idf, shared = _tf_idf(items)
    columns: list[list[tuple[int, float]]] = [[] for _ in shared]
    words = []
    norms = np.zeros(len(items), dtype=np.float32)
    for row, bag in enumerate(bags):
        mine = []
        for word, n in bag.items():
            value = n * idf[word]
            norms[row] += value * value
            if word in shared:
                columns[shared[word]].append((row, value))
                mine.append((shared[word], value))
        words.append(
            (np.array([w for w, _ in mine], dtype=np.int64), np.array([v for _, v in mine]))
        )
    postings = [
        (np.array([r for r, _ in col], dtype=np.int64), np.array([v for _, v in col]))
        for col in columns
    ]
    names = {t: k for k, t in enumerate(sorted({t for i in items for t in i.tags}))}
    tags = [frozenset(names[t] for t in i.tags) for i in items]
    return SparseScores(words, postings, np.sqrt(np.maximum(norms, 1e-12)), tags, TAG_WEIGHT)


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
