"""The server's account tables: who exists with which role, passwords, sessions, API tokens,
invitations and the count of failed log-ins.

Two kinds of rows object:

* :class:`Users`, :class:`Invites` and :class:`LoginAttempts` read shared
  tables (names and roles are not secret; a log-in starts from a name);
* :class:`Passwords`, :class:`Sessions` and :class:`ApiTokens` are one user's
  rows (``storage.table.Table``), used on that user's own handle, so on
  PostgreSQL row-level security keeps them to that user as well.

Secrets are never stored: sessions and tokens are kept as SHA-256 digests of
their random secrets, invitations as digests of their codes, passwords as the
Argon2id hashes the server facade computes.
"""

from __future__ import annotations

from tokendeck.domain.accounts import Account, ApiToken, Role
from tokendeck.storage.database import Database, Row
from tokendeck.storage.rows import from_ms
from tokendeck.storage.table import Table


class ServerTable:
    """Rows of a shared table (not scoped to one user: the facade checks who may ask)."""

    __slots__ = ("db",)

    def __init__(self, db: Database) -> None:
        self.db = db


def _account(row: Row) -> Account:
    return Account(user_id=row[0], name=row[1], role=Role(row[2]), created_at=from_ms(row[3]))


_ACCOUNT = "SELECT id, name, role, created_at FROM users WHERE role IS NOT NULL"


class Users(ServerTable):
    """Who has an account: names and roles (the shared ``users`` table)."""

    __slots__ = ()

    def create(self, name: str, role: Role, now_ms: int) -> int:
        """A new user with a role; returns its id (the caller checked the name)."""
        return self.db.execute(
            "INSERT INTO users (name, created_at, role) VALUES (?, ?, ?)",
            (name, now_ms, role.value),
        )

    def name_taken(self, name: str) -> bool:
        """Whether a user (with or without an account) has this name."""
        return self.db.scalar("SELECT 1 FROM users WHERE name=?", (name,)) is not None

    def by_name(self, name: str) -> Account | None:
        """An account by name."""
        row = self.db.fetchone(f"{_ACCOUNT} AND name=?", (name,))
        return None if row is None else _account(row)

    def get(self, user_id: int) -> Account | None:
        """An account by user id."""
        row = self.db.fetchone(f"{_ACCOUNT} AND id=?", (user_id,))
        return None if row is None else _account(row)

    def set_role(self, user_id: int, role: Role) -> None:
        """Change an account's role."""
        self.db.execute("UPDATE users SET role=? WHERE id=?", (role.value, user_id))

    def all(self) -> list[Account]:
        """Every account, by name."""
        return [_account(r) for r in self.db.fetchall(f"{_ACCOUNT} ORDER BY name")]

    def count(self, role: Role) -> int:
        """How many accounts have a role."""
        return int(self.db.scalar("SELECT count(*) FROM users WHERE role=?", (role.value,)))

    def delete(self, user_id: int) -> None:
        """Delete a user and, by cascade, every row of theirs (decks, cards, history, ...)."""
        self.db.execute("DELETE FROM users WHERE id=?", (user_id,))


class Passwords(Table):
    """A user's password hash (the ``accounts`` row)."""

    __slots__ = ()

    def create(self, password_hash: str, now_ms: int) -> None:
        """Store the first password hash."""
        self.db.execute(
            "INSERT INTO accounts (user_id, password_hash, created_at, password_changed_at)"
            " VALUES (?, ?, ?, ?)",
            (self.user, password_hash, now_ms, now_ms),
        )

    def get(self) -> str | None:
        """The stored hash (None for a user without an account)."""
        found = self.db.scalar("SELECT password_hash FROM accounts WHERE user_id=?", (self.user,))
        return None if found is None else str(found)

    def set(self, password_hash: str, now_ms: int) -> None:
        """Store a new hash."""
        self.db.execute(
            "UPDATE accounts SET password_hash=?, password_changed_at=? WHERE user_id=?",
            (password_hash, now_ms, self.user),
        )


class Sessions(Table):
    """A user's browser sessions: digests of the cookies' secrets and their lifetimes."""

    __slots__ = ()

    def create(self, digest: str, now_ms: int, expires_ms: int) -> None:
        """Store a new session."""
        self.db.execute(
            "INSERT INTO sessions (user_id, id, created_at, expires_at, last_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            (self.user, digest, now_ms, expires_ms, now_ms),
        )

    def identify(self, digest: str, now_ms: int) -> tuple[Account, int] | None:
        """(the account, last seen) of a live session: one query per request."""
        row = self.db.fetchone(
            "SELECT u.id, u.name, u.role, u.created_at, s.last_seen FROM sessions s"
            " JOIN users u ON u.id = s.user_id"
            " WHERE s.user_id=? AND s.id=? AND s.expires_at > ? AND u.role IS NOT NULL",
            (self.user, digest, now_ms),
        )
        return None if row is None else (_account(row), int(row[4]))

    def last_seen(self, digest: str, now_ms: int) -> int | None:
        """When a live session was last used, or None if there is no such live session."""
        found = self.db.scalar(
            "SELECT last_seen FROM sessions WHERE user_id=? AND id=? AND expires_at > ?",
            (self.user, digest, now_ms),
        )
        return None if found is None else int(found)

    def touch(self, digest: str, now_ms: int, expires_ms: int) -> None:
        """Record activity and slide the expiry forward."""
        self.db.execute(
            "UPDATE sessions SET last_seen=?, expires_at=? WHERE user_id=? AND id=?",
            (now_ms, expires_ms, self.user, digest),
        )

    def delete(self, digest: str) -> None:
        """End one session (logging out)."""
        self.db.execute("DELETE FROM sessions WHERE user_id=? AND id=?", (self.user, digest))

    def delete_all(self, keep: str | None = None) -> None:
        """End every session (but ``keep``), as after a password change."""
        self.db.execute("DELETE FROM sessions WHERE user_id=? AND id<>?", (self.user, keep or ""))

    def purge(self, now_ms: int) -> None:
        """Delete the user's expired sessions."""
        self.db.execute(
            "DELETE FROM sessions WHERE user_id=? AND expires_at <= ?", (self.user, now_ms)
        )


def _token(row: Row) -> ApiToken:
    return ApiToken(
        id=row[0],
        name=row[1],
        created_at=from_ms(row[2]),
        last_used_at=None if row[3] is None else from_ms(row[3]),
        revoked=row[4] is not None,
    )


class ApiTokens(Table):
    """A user's personal API tokens (digests), revocable."""

    __slots__ = ()

    def create(self, digest: str, name: str, now_ms: int) -> int:
        """Store a new token; returns its id."""
        return self.db.execute(
            "INSERT INTO api_tokens (user_id, hash, name, created_at) VALUES (?, ?, ?, ?)",
            (self.user, digest, name, now_ms),
        )

    def find(self, digest: str) -> tuple[int, int | None] | None:
        """(token id, last used) of a live token, or None (revoked tokens are not found)."""
        row = self.db.fetchone(
            "SELECT id, last_used_at FROM api_tokens"
            " WHERE user_id=? AND hash=? AND revoked_at IS NULL",
            (self.user, digest),
        )
        return None if row is None else (int(row[0]), row[1])

    def identify(self, digest: str) -> tuple[Account, int, int | None] | None:
        """(the account, token id, last used) of a live token: one query per request."""
        row = self.db.fetchone(
            "SELECT u.id, u.name, u.role, u.created_at, t.id, t.last_used_at FROM api_tokens t"
            " JOIN users u ON u.id = t.user_id"
            " WHERE t.user_id=? AND t.hash=? AND t.revoked_at IS NULL AND u.role IS NOT NULL",
            (self.user, digest),
        )
        return None if row is None else (_account(row), int(row[4]), row[5])

    def touch(self, token_id: int, now_ms: int) -> None:
        """Record that the token was used."""
        self.db.execute(
            "UPDATE api_tokens SET last_used_at=? WHERE user_id=? AND id=?",
            (now_ms, self.user, token_id),
        )

    def all(self) -> list[ApiToken]:
        """The user's tokens, newest first."""
        rows = self.db.fetchall(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens"
            " WHERE user_id=? ORDER BY id DESC",
            (self.user,),
        )
        return [_token(r) for r in rows]

    def revoke(self, token_id: int, now_ms: int) -> bool:
        """Revoke one of the user's tokens; False if they have no such live token."""
        changed = self.db.fetchall(
            "UPDATE api_tokens SET revoked_at=? WHERE user_id=? AND id=? AND revoked_at IS NULL"
            " RETURNING id",
            (now_ms, self.user, token_id),
        )
        return bool(changed)


class Invites(ServerTable):
    """Single-use registration invitations (digests of their codes) with the role they give."""

    __slots__ = ()

    def create(
        self, digest: str, role: Role, created_by: int, now_ms: int, expires_ms: int
    ) -> None:
        """Store a new invitation."""
        self.db.execute(
            "INSERT INTO invites (code_hash, role, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (digest, role.value, created_by, now_ms, expires_ms),
        )

    def claim(self, digest: str, user_id: int, now_ms: int) -> bool:
        """Mark an unused, unexpired invitation used by ``user_id``; False if there is none."""
        changed = self.db.fetchall(
            "UPDATE invites SET used_by=?, used_at=?"
            " WHERE code_hash=? AND used_at IS NULL AND expires_at > ? RETURNING code_hash",
            (user_id, now_ms, digest, now_ms),
        )
        return bool(changed)

    def role(self, digest: str, now_ms: int) -> Role | None:
        """The role an unused, unexpired invitation gives, or None."""
        found = self.db.scalar(
            "SELECT role FROM invites WHERE code_hash=? AND used_at IS NULL AND expires_at > ?",
            (digest, now_ms),
        )
        return None if found is None else Role(found)


class LoginAttempts(ServerTable):
    """Failed log-ins per key (a name's digest, a client address) in a fixed window.

    In the database, not in a worker's memory, so the limit holds across every
    worker and machine serving the same database.
    """

    __slots__ = ()

    def failures(self, key: str, window_start_ms: int) -> int:
        """Failures of ``key`` counted since ``window_start_ms``."""
        found = self.db.scalar(
            "SELECT failures FROM login_attempts WHERE key=? AND window_start > ?",
            (key, window_start_ms),
        )
        return 0 if found is None else int(found)

    def record_failure(self, key: str, now_ms: int, window_start_ms: int) -> None:
        """Count one failure (a window older than ``window_start_ms`` starts again)."""
        self.db.execute(
            "INSERT INTO login_attempts (key, window_start, failures) VALUES (?, ?, 1)"
            " ON CONFLICT (key) DO UPDATE SET"
            " failures = CASE WHEN login_attempts.window_start > ?"
            "   THEN login_attempts.failures + 1 ELSE 1 END,"
            " window_start = CASE WHEN login_attempts.window_start > ?"
            "   THEN login_attempts.window_start ELSE excluded.window_start END",
            (key, now_ms, window_start_ms, window_start_ms),
        )

    def clear(self, key: str) -> None:
        """Forget a key's failures (after a successful log-in)."""
        self.db.execute("DELETE FROM login_attempts WHERE key=?", (key,))
