"""TokenDeck: spaced-repetition flashcards with FSRS scheduling.

The library API, for people who script TokenDeck::

    from datetime import UTC, datetime
    from tokendeck import Collection, Rating

    with Collection.open("study.db") as col:
        now = datetime.now(UTC)
        view = col.next_card(now)
        if view is not None:
            col.answer(view.id, Rating.GOOD, now=now)

Every public method of :class:`Collection` is listed in docs/ARCHITECTURE.md.
The names below are imported on first use, so ``import tokendeck.x`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tokendeck.version import __version__

if TYPE_CHECKING:
    from tokendeck.collection import Answer, AnswerResult, Collection
    from tokendeck.domain.cards import CardState, Rating
    from tokendeck.errors import TokenDeckError

#: Public name -> the module that defines it.
_PUBLIC = {
    "Collection": "tokendeck.collection",
    "Answer": "tokendeck.collection",
    "AnswerResult": "tokendeck.collection",
    "Rating": "tokendeck.domain.cards",
    "CardState": "tokendeck.domain.cards",
    "TokenDeckError": "tokendeck.errors",
}

__all__ = [
    "Answer",
    "AnswerResult",
    "CardState",
    "Collection",
    "Rating",
    "TokenDeckError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'tokendeck' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
