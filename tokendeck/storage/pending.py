"""The ``open_questions`` table (PostgreSQL only): Learn and Test questions awaiting answers.

A question is shown by one request and marked by a later one, which on a
server may reach another worker or machine; so the server keeps it in the
database, under the user's row-level security. The single-user app keeps
them in its one process instead (collection/pending.py), and its SQLite file
has no such table. Payloads are written by the server only, never taken
from a client.
"""

from __future__ import annotations

from tokendeck.storage.table import Table

#: Open questions kept per user; the oldest go first (an abandoned session must not grow).
KEEP_PER_USER = 200


class PendingQuestions(Table):
    """A user's open questions, by token."""

    __slots__ = ()

    def put(self, token: str, payload: bytes, now_ms: int) -> None:
        """Keep a new question, forgetting the user's oldest beyond :data:`KEEP_PER_USER`."""
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO open_questions (user_id, token, payload, created_at)"
                " VALUES (?, ?, ?, ?)",
                (self.user, token, payload, now_ms),
            )
            self.db.execute(
                "DELETE FROM open_questions WHERE user_id=? AND token IN (SELECT token FROM"
                " open_questions WHERE user_id=? ORDER BY created_at DESC, token OFFSET ?)",
                (self.user, self.user, KEEP_PER_USER),
            )

    def get(self, token: str) -> bytes | None:
        """The payload of ``token``, or None."""
        found = self.db.scalar(
            "SELECT payload FROM open_questions WHERE user_id=? AND token=?", (self.user, token)
        )
        return None if found is None else bytes(found)

    def replace(self, token: str, payload: bytes) -> None:
        """Store a question's new state (its marks, say)."""
        self.db.execute(
            "UPDATE open_questions SET payload=? WHERE user_id=? AND token=?",
            (payload, self.user, token),
        )

    def delete(self, token: str) -> None:
        """Forget a question (after its answers are recorded)."""
        self.db.execute(
            "DELETE FROM open_questions WHERE user_id=? AND token=?", (self.user, token)
        )
