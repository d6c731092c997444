"""Questions and practice tests waiting for their answers, kept by the collection under a token.

The page never sees the answer to a question, so the server has to remember
the question between showing it and marking it. The collection keeps it
(``col.keep_open``): in the database on a PostgreSQL server, so a question
shown by one worker or machine can be marked by another; in the collection's
memory in the single-user app (a restart there forgets unanswered questions,
and the page simply asks for a new one). Entries belong to one user's
collection, so another user's token is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from tokendeck.errors import NotFoundError

if TYPE_CHECKING:
    from tokendeck.collection import Collection
    from tokendeck.quiz.formats import Question
    from tokendeck.quiz.marking import Mark
    from tokendeck.quiz.practice_test import PracticeTest


@dataclass
class Entry:
    """One question (or a whole test) and, once answered, its marks."""

    user: str
    question: Question | None = None
    test: PracticeTest | None = None
    marks: list[Mark] = field(default_factory=list)
    recorded: bool = False


class QuizStore:
    """Token -> :class:`Entry`, kept by each user's collection (no state of its own)."""

    def add(self, col: Collection, entry: Entry, *, now: datetime) -> str:
        """Keep ``entry`` and return its new token."""
        return col.keep_open(entry, now=now)

    def get(self, col: Collection, token: str, user: str) -> Entry:
        """The entry of ``token`` if it is ``user``'s (NotFoundError otherwise)."""
        entry = col.open_question(token)
        if not isinstance(entry, Entry) or entry.user != user:
            raise NotFoundError(
                "that question is no longer open",
                hint="ask for a new question (questions are forgotten when the server restarts)",
            )
        return entry

    def save(self, col: Collection, token: str, entry: Entry) -> None:
        """Keep the entry's new state (marks, recorded) for the next request."""
        col.update_open(token, entry)

    def drop(self, col: Collection, token: str) -> None:
        """Forget ``token`` (after its answers are recorded)."""
        col.close_question(token)
