"""Embedding many cards: in batches, each vector kept on disk under its text.

A deck of 10,000 cards takes minutes to embed on a small CPU. The vectors are
therefore stored (by the collection, beside its file) under a key made of the
model and the exact text embedded: a restart, a second process or the same
text in another deck finds them again, and an edited card is embedded anew.
Texts are embedded :data:`BATCH` at a time and each batch is saved before the
next starts, so memory stays bounded and a stopped job keeps what it did.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from tokendeck import progress

if TYPE_CHECKING:
    import numpy as np

    from tokendeck.grading import Grader

#: Texts embedded per batch (padding to the longest text of a batch wastes less).
BATCH = 64
#: The progress stage reported while embedding.
STAGE = "embedding cards"


class VectorStore(Protocol):
    """Where vectors are kept between runs (text key -> float32 bytes)."""

    def load(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of those keys that have one."""
        ...

    def save(self, rows: Sequence[tuple[str, bytes]]) -> None:
        """Keep vectors (replacing any under the same key)."""
        ...


def model_id(grader: Grader) -> str:
    """What names the model a grader embeds with (part of every stored vector's key)."""
    embedder = grader.embedder
    named = getattr(embedder, "model_id", None)
    return str(named) if named else f"{type(embedder).__module__}.{type(embedder).__qualname__}"


def text_key(model: str, text: str) -> str:
    """The stored key of one text's vector under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:40]


def embed_all(
    texts: Sequence[str], grader: Grader, store: VectorStore | None, limit: int | None
) -> np.ndarray | None:
    """Unit vectors of ``texts`` (one row each): from ``store`` where it has them, else
    embedded BATCH at a time and saved. None when more than ``limit`` (None: no limit)
    would have to be embedded now. ModelUnavailableError without the model."""
    import numpy as np

    model = model_id(grader)  # loads the model: ModelUnavailableError if it cannot
    keys = [text_key(model, t) for t in texts]
    found = _load(store, keys)
    missing = [n for n, key in enumerate(keys) if key not in found]
    if limit is not None and len(missing) > limit:
        return None
    vectors: np.ndarray | None = None
    for n, key in enumerate(keys):
        stored = found.get(key)
        if stored is not None:
            row = np.frombuffer(stored, dtype=np.float32)
            vectors = _fill(vectors, len(texts), n, row)
    done = 0
    progress.report(STAGE, 0, len(missing))
    for start in range(0, len(missing), BATCH):
        chunk = missing[start : start + BATCH]
        batch = np.asarray(grader.embed([texts[n] for n in chunk]), dtype=np.float32)
        for n, row in zip(chunk, batch, strict=True):
            vectors = _fill(vectors, len(texts), n, row)
        if store is not None:
            store.save([(keys[n], row.tobytes()) for n, row in zip(chunk, batch, strict=True)])
        done += len(chunk)
        progress.report(STAGE, done, len(missing))
    assert vectors is not None  # texts is not empty: some row was filled
    return vectors


def _load(store: VectorStore | None, keys: list[str]) -> dict[str, bytes]:
    if store is None:
        return {}
    found: dict[str, bytes] = {}
    for start in range(0, len(keys), 500):  # bound the size of one IN (...)
        found.update(store.load(keys[start : start + 500]))
    return found


def _fill(vectors: np.ndarray | None, count: int, n: int, row: np.ndarray) -> np.ndarray:
    """Put ``row`` at ``n``, making the array (count x its width) on first use."""
    import numpy as np

    if vectors is None:
        vectors = np.zeros((count, row.shape[0]), dtype=np.float32)
    vectors[n] = row
    return vectors
