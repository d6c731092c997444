"""Fixtures shared by the tests/test_quiz_*.py modules.

The embedding model loads through the grader's lazy loader into the
process-wide default grader, so it loads once per test session however many
modules use it. The lexical fallback is a grader with embeddings switched off.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.grading import Grader, default_grader
from tokendeck.quiz.items import Item, item_from_view
from tokendeck.quiz.similarity import Similarities, similarities

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
DECK = "LLM Vocabulary"


@pytest.fixture(scope="module")
def grader() -> Grader:
    """The grader with the embedding model (loaded once per session)."""
    chosen = default_grader()
    assert chosen.meaning_available, "the pinned embedding model should be installed"
    return chosen


@pytest.fixture(scope="module")
def lexical() -> Grader:
    """A grader without the embedding model: the documented lexical fallback."""
    return Grader(use_embeddings=False)


@pytest.fixture(scope="module")
def llm_col(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Collection]:
    """A collection with the built-in deck, shared by a module's read-only tests."""
    path: Path = tmp_path_factory.mktemp("quiz") / "collection.db"
    collection = Collection.open(path, now=NOW)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()


@pytest.fixture(scope="module")
def items(llm_col: Collection) -> list[Item]:
    """The built-in deck's cards as quiz items."""
    return [item_from_view(v) for v in llm_col.find_cards(now=NOW, deck=DECK, order="created")]


@pytest.fixture(scope="module")
def sims(items: list[Item], grader: Grader) -> Similarities:
    """Embedding similarities of the built-in deck."""
    return similarities(items, grader)


@pytest.fixture(scope="module")
def lexical_sims(items: list[Item], lexical: Grader) -> Similarities:
    """Lexical (TF-IDF) similarities of the built-in deck."""
    return similarities(items, lexical)


def by_term(sims: Similarities, term: str) -> int:
    """Position of the item with this term."""
    return next(i for i, item in enumerate(sims.items) if item.term == term)
