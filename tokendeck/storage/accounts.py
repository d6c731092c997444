"""The server's account tables: accounts, sessions, API tokens, invitations, login attempts.

Secrets are never stored: sessions and tokens are kept as SHA-256 digests of
their random secrets, invitations as digests of their codes, passwords as the
Argon2id hashes the server facade computes. Lookups by a presented secret
include the user id the secret carries, so they touch one user's rows.
"""

from __future__ import annotations

from tokendeck.domain.accounts import Account, ApiToken, Role
from tokendeck.storage.database import Database, Row
from tokendeck.storage.rows import from_ms


class ServerTable:
    """Rows of a server-wide table (not scoped to one user: the facade checks who may ask)."""

    __slots__ = ("db",)

    def __init__(self, db: Database) -> None:
        self.db = db


def _account(row: Row) -> Account:
    return Account(user_id=row[0], name=row[1], role=Role(row[2]), created_at=from_ms(row[3]))


_ACCOUNT = (
    "SELECT u.id, u.name, a.role, a.created_at FROM accounts a JOIN users u ON u.id = a.user_id"
)


class Accounts(ServerTable):
    """Who can log in, with which password hash and role."""

    __slots__ = ()

    def create(self, name: str, password_hash: str, role: Role, now_ms: int) -> int:
        """A new user and its account; returns the user id (the caller checked the name)."""
        user_id = self.db.execute(
            "INSERT INTO users (name, created_at) VALUES (?, ?)", (name, now_ms)
        )
        self.db.execute(
            "INSERT INTO accounts (user_id, password_hash, role, created_at, password_changed_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, password_hash, role.value, now_ms, now_ms),
        )
        return user_id

    def name_taken(self, name: str) -> bool:
        """Whether a user (with or without an account) has this name."""
        return self.db.scalar("SELECT 1 FROM users WHERE name=?", (name,)) is not None

    def by_name(self, name: str) -> tuple[Account, str] | None:
        """An account and its password hash, by name."""
        row = self.db.fetchone(
            "SELECT u.id, u.name, a.role, a.created_at, a.password_hash"
            " FROM accounts a JOIN users u ON u.id = a.user_id WHERE u.name=?",
            (name,),
        )
        return None if row is None else (_account(row), row[4])

    def get(self, user_id: int) -> Account | None:
        """An account by user id."""
        row = self.db.fetchone(f"{_ACCOUNT} WHERE a.user_id=?", (user_id,))
        return None if row is None else _account(row)

    def password_hash(self, user_id: int) -> str | None:
        """The stored hash of a user's password."""
        found = self.db.scalar("SELECT password_hash FROM accounts WHERE user_id=?", (user_id,))
        return None if found is None else str(found)

    def set_password(self, user_id: int, password_hash: str, now_ms: int) -> None:
        """Store a new password hash."""
        self.db.execute(
            "UPDATE accounts SET password_hash=?, password_changed_at=? WHERE user_id=?",
            (password_hash, now_ms, user_id),
        )

    def set_role(self, user_id: int, role: Role) -> None:
        """Change an account's role."""
        self.db.execute("UPDATE accounts SET role=? WHERE user_id=?", (role.value, user_id))

    def all(self) -> list[Account]:
        """Every account, by name."""
        return [_account(r) for r in self.db.fetchall(f"{_ACCOUNT} ORDER BY u.name")]

    def count(self, role: Role | None = None) -> int:
        """How many accounts (of a role)."""
        if role is None:
            return int(self.db.scalar("SELECT count(*) FROM accounts"))
        return int(self.db.scalar("SELECT count(*) FROM accounts WHERE role=?", (role.value,)))

    def delete_user(self, user_id: int) -> None:
        """Delete a user and, by cascade, every row of theirs (decks, cards, history, ...)."""
        self.db.execute("DELETE FROM users WHERE id=?", (user_id,))


class Sessions(ServerTable):
    """Browser sessions: a digest of the cookie's secret and the session's lifetime."""

    __slots__ = ()

    def create(self, user_id: int, digest: str, now_ms: int, expires_ms: int) -> None:
        """Store a new session."""
        self.db.execute(
            "INSERT INTO sessions (user_id, id, created_at, expires_at, last_seen)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, digest, now_ms, expires_ms, now_ms),
        )

    def last_seen(self, user_id: int, digest: str, now_ms: int) -> int | None:
        """When a live session was last used, or None if there is no such live session."""
        found = self.db.scalar(
            "SELECT last_seen FROM sessions WHERE user_id=? AND id=? AND expires_at > ?",
            (user_id, digest, now_ms),
        )
        return None if found is None else int(found)

    def touch(self, user_id: int, digest: str, now_ms: int, expires_ms: int) -> None:
        """Record activity and slide the expiry forward."""
        self.db.execute(
            "UPDATE sessions SET last_seen=?, expires_at=? WHERE user_id=? AND id=?",
            (now_ms, expires_ms, user_id, digest),
        )

    def delete(self, user_id: int, digest: str) -> None:
        """End one session (logging out)."""
        self.db.execute("DELETE FROM sessions WHERE user_id=? AND id=?", (user_id, digest))

    def delete_all(self, user_id: int, keep: str | None = None) -> None:
        """End every session of a user (but ``keep``), as after a password change."""
        self.db.execute("DELETE FROM sessions WHERE user_id=? AND id<>?", (user_id, keep or ""))

    def purge(self, now_ms: int) -> None:
        """Delete expired sessions."""
        self.db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now_ms,))


def _token(row: Row) -> ApiToken:
    return ApiToken(
        id=row[0],
        name=row[1],
        created_at=from_ms(row[2]),
        last_used_at=None if row[3] is None else from_ms(row[3]),
        revoked=row[4] is not None,
    )


class ApiTokens(ServerTable):
    """Personal API tokens (digests), revocable by their owner."""

    __slots__ = ()

    def create(self, user_id: int, digest: str, name: str, now_ms: int) -> int:
        """Store a new token; returns its id."""
        return self.db.execute(
            "INSERT INTO api_tokens (user_id, hash, name, created_at) VALUES (?, ?, ?, ?)",
            (user_id, digest, name, now_ms),
        )

    def find(self, user_id: int, digest: str) -> tuple[int, int | None] | None:
        """(token id, last used) of a live token, or None (revoked tokens are not found)."""
        row = self.db.fetchone(
            "SELECT id, last_used_at FROM api_tokens"
            " WHERE user_id=? AND hash=? AND revoked_at IS NULL",
            (user_id, digest),
        )
        return None if row is None else (int(row[0]), row[1])

    def touch(self, user_id: int, token_id: int, now_ms: int) -> None:
        """Record that the token was used."""
        self.db.execute(
            "UPDATE api_tokens SET last_used_at=? WHERE user_id=? AND id=?",
            (now_ms, user_id, token_id),
        )

    def of_user(self, user_id: int) -> list[ApiToken]:
        """A user's tokens, newest first."""
        rows = self.db.fetchall(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens"
            " WHERE user_id=? ORDER BY id DESC",
            (user_id,),
        )
        return [_token(r) for r in rows]

    def revoke(self, user_id: int, token_id: int, now_ms: int) -> bool:
        """Revoke one of the user's tokens; False if they have no such live token."""
        changed = self.db.fetchall(
            "UPDATE api_tokens SET revoked_at=? WHERE user_id=? AND id=? AND revoked_at IS NULL"
            " RETURNING id",
            (now_ms, user_id, token_id),
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

    def open_count(self, now_ms: int) -> int:
        """Invitations not yet used nor expired."""
        return int(
            self.db.scalar(
                "SELECT count(*) FROM invites WHERE used_at IS NULL AND expires_at > ?", (now_ms,)
            )
        )


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

    def purge(self, window_start_ms: int) -> None:
        """Delete windows that ended."""
        self.db.execute("DELETE FROM login_attempts WHERE window_start <= ?", (window_start_ms,))
