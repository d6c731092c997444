"""Questions awaiting their answers: shown by one call, marked by a later one.

The web app's Learn and Test pages never see a question's answer, so the
question is kept between showing it and marking it, under a token. On a
PostgreSQL server any worker on any machine may get the answer, so the
question is kept in the database (pickled into ``open_questions``, under the
user's row-level security; only the server writes it). The single-user app is
one process: its questions stay in this collection's memory.
"""

from __future__ import annotations

import pickle
import secrets
from collections import OrderedDict
from datetime import datetime

from tokendeck.collection.core import Core
from tokendeck.errors import NotFoundError
from tokendeck.storage.rows import to_ms

#: Open questions kept in memory (the oldest dropped first), as the server keeps per user.
MEMORY_LIMIT = 200


class Pending:
    """A user's open questions, by token: in the database on a server, else in memory."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._memory: OrderedDict[str, object] = OrderedDict()

    def add(self, value: object, *, now: datetime) -> str:
        """Keep ``value`` and return its new token."""
        token = secrets.token_urlsafe(12)
        store = self.core.store
        if store.on_server:
            store.pending.put(token, pickle.dumps(value), to_ms(now))
            return token
        self._memory[token] = value
        while len(self._memory) > MEMORY_LIMIT:
            self._memory.popitem(last=False)
        return token

    def get(self, token: str) -> object:
        """The value kept under ``token`` (NotFoundError when it is not, or no longer, open)."""
        store = self.core.store
        if store.on_server:
            payload = store.pending.get(token)
            found = None if payload is None else pickle.loads(payload)  # written by us only
        else:
            found = self._memory.get(token)
        if found is None:
            raise NotFoundError(
                "that question is no longer open",
                hint="ask for a new question (questions are forgotten when the server restarts)",
            )
        return found

    def update(self, token: str, value: object) -> None:
        """Keep ``value`` as the new state of ``token``'s question."""
        store = self.core.store
        if store.on_server:
            store.pending.replace(token, pickle.dumps(value))
        elif token in self._memory:
            self._memory[token] = value

    def drop(self, token: str) -> None:
        """Forget ``token`` (after its answers are recorded)."""
        store = self.core.store
        if store.on_server:
            store.pending.delete(token)
        else:
            self._memory.pop(token, None)
