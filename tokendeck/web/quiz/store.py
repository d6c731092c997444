"""Questions and practice tests waiting for their answers, kept in memory under a token.

The page never sees the answer to a question, so the server has to remember
the question between showing it and marking it. Entries belong to one user
and the oldest go first beyond :data:`MAX_ENTRIES` (an abandoned Learn
session must not grow the server's memory for ever). A restart forgets
unanswered questions; the page then simply asks for a new one.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokendeck.errors import NotFoundError

if TYPE_CHECKING:
    from tokendeck.quiz.formats import Question
    from tokendeck.quiz.marking import Mark
    from tokendeck.quiz.practice_test import PracticeTest

#: Unanswered questions and tests kept in all (oldest dropped first).
MAX_ENTRIES = 2000


@dataclass
class Entry:
    """One question (or a whole test) and, once answered, its marks."""

    user: str
    question: Question | None = None
    test: PracticeTest | None = None
    marks: list[Mark] = field(default_factory=list)
    recorded: bool = False


class QuizStore:
    """Token -> :class:`Entry`, per app."""

    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._limit = limit

    def add(self, entry: Entry) -> str:
        """Keep ``entry`` and return its new token."""
        token = secrets.token_urlsafe(12)
        self._entries[token] = entry
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)
        return token

    def get(self, token: str, user: str) -> Entry:
        """The entry of ``token`` if it is ``user``'s (NotFoundError otherwise)."""
        entry = self._entries.get(token)
        if entry is None or entry.user != user:
            raise NotFoundError(
                "that question is no longer open",
                hint="ask for a new question (questions are forgotten when the server restarts)",
            )
        return entry

    def drop(self, token: str) -> None:
        """Forget ``token`` (after its answers are recorded)."""
        self._entries.pop(token, None)
