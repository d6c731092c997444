"""The collection: the one facade the CLI, the TUI and the web app call.

:class:`Collection` (in :mod:`.facade`) is composed of parts sharing one
:class:`~.core.Core`: :mod:`.decks`, :mod:`.notes`, :mod:`.study`,
:mod:`.quizzes`, :mod:`.statistics`, :mod:`.transfers` and the built-in deck's
installer (:mod:`.builtin`).
"""

from tokendeck.collection.facade import (
    Answer,
    AnswerResult,
    Collection,
    MemoryState,
    Settings,
    database_url,
    default_path,
)

__all__ = [
    "Answer",
    "AnswerResult",
    "Collection",
    "MemoryState",
    "Settings",
    "database_url",
    "default_path",
]
