"""How similarity scores are held: a dense matrix for small decks, vectors for large ones.

A dense n x n matrix is 400 MB at 10,000 cards, so large decks keep what the
scores are made of instead: embedding vectors (n x 384 floats; a row of scores
is one matrix-vector product) or a sparse TF-IDF index (a row is a sum over
the postings of the card's words). Every kind answers the same three
questions: one score, one row, and every pair above a threshold (computed in
blocks, so memory stays bounded however large the deck).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np

#: Rows of scores computed at once when looking for pairs (block x n floats in memory).
BLOCK = 512


class Scores(Protocol):
    """Pairwise similarities of n items, however they are stored."""

    size: int

    def at(self, a: int, b: int) -> float:
        """The score of items ``a`` and ``b``."""
        ...

    def row(self, a: int) -> np.ndarray:
        """Scores of item ``a`` against every item (its own is 1)."""
        ...

    def block(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start`` to ``stop`` as one (stop - start) x n array."""
        ...


class DenseScores:
    """A full matrix (small decks: what the quiz modules always had)."""

    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = matrix
        self.size = int(matrix.shape[0])

    def at(self, a: int, b: int) -> float:
        return float(self.matrix[a, b])

    def row(self, a: int) -> np.ndarray:
        row: np.ndarray = self.matrix[a]
        return row

    def block(self, start: int, stop: int) -> np.ndarray:
        block: np.ndarray = self.matrix[start:stop]
        return block


class VectorScores:
    """Cosine similarities of unit vectors, computed when asked."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors
        self.size = int(vectors.shape[0])

    def at(self, a: int, b: int) -> float:
        return 1.0 if a == b else float(self.vectors[a] @ self.vectors[b])

    def row(self, a: int) -> np.ndarray:
        row: np.ndarray = self.vectors @ self.vectors[a]
        row[a] = 1.0
        return row

    def block(self, start: int, stop: int) -> np.ndarray:
        import numpy as np

        block: np.ndarray = self.vectors[start:stop] @ self.vectors.T
        index = np.arange(start, stop)
        block[index - start, index] = 1.0
        return block


class SparseScores:
    """TF-IDF cosine over shared content words plus a tag bonus, from postings.

    ``postings[w]`` holds (items, weights) of word ``w``; ``words[i]`` (words, weights)
    of item ``i``; a row is the sum, over the item's words, of their postings.
    """

    def __init__(
        self,
        words: Sequence[tuple[np.ndarray, np.ndarray]],
        postings: Sequence[tuple[np.ndarray, np.ndarray]],
        norms: np.ndarray,
        tags: Sequence[frozenset[int]],
        tag_weight: float,
    ) -> None:
        self.words = words
        self.postings = postings
        self.norms = norms
        self.tags = tags
        self.tag_weight = tag_weight
        self.size = len(words)
        self._tag_sizes = [len(t) for t in tags]
        self._tag_postings: dict[int, list[int]] = {}
        for item, item_tags in enumerate(tags):
            for tag in item_tags:
                self._tag_postings.setdefault(tag, []).append(item)

    def at(self, a: int, b: int) -> float:
        import numpy as np

        if a == b:
            return 1.0
        (words_a, weights_a), (words_b, weights_b) = self.words[a], self.words[b]
        _, in_a, in_b = np.intersect1d(words_a, words_b, return_indices=True)
        dot = float(np.dot(weights_a[in_a], weights_b[in_b]))
        score = dot / float(self.norms[a] * self.norms[b])
        tags_a, tags_b = self.tags[a], self.tags[b]
        union = len(tags_a | tags_b)
        if union:
            score += self.tag_weight * len(tags_a & tags_b) / union
        return min(1.0, score)

    def row(self, a: int) -> np.ndarray:
        import numpy as np

        dots = np.zeros(self.size, dtype=np.float32)
        for word, weight in zip(*self.words[a], strict=True):
            items, weights = self.postings[int(word)]
            dots[items] += weights * weight
        row = dots / (self.norms * self.norms[a])
        own = self.tags[a]
        if own:
            shared = np.zeros(self.size, dtype=np.float32)
            for tag in own:
                shared[self._tag_postings[tag]] += 1.0
            sizes = np.array(self._tag_sizes, dtype=np.float32)
            union = sizes + len(own) - shared
            jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
            row = row + self.tag_weight * jaccard
        result: np.ndarray = np.minimum(1.0, row).astype(np.float32)
        result[a] = 1.0
        return result

    def block(self, start: int, stop: int) -> np.ndarray:
        import numpy as np

        return np.vstack([self.row(a) for a in range(start, stop)])


def dense(scores: Scores) -> np.ndarray:
    """The whole matrix (for small decks and tests; BLOCK rows at a time)."""
    import numpy as np

    if isinstance(scores, DenseScores):
        return scores.matrix
    if scores.size == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([scores.block(s, min(s + BLOCK, scores.size)) for s in _starts(scores)])


def pairs_at_least(scores: Scores, threshold: float) -> list[tuple[int, int]]:
    """Positions (a < b) of every pair at least ``threshold`` similar, in row order."""
    import numpy as np

    found: list[tuple[int, int]] = []
    for start in _starts(scores):
        block = scores.block(start, min(start + BLOCK, scores.size))
        rows, cols = np.nonzero(block >= threshold)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if c > r + start:
                found.append((r + start, c))
    return found


def _starts(scores: Scores) -> range:
    return range(0, scores.size, BLOCK)
