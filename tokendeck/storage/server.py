"""The server's storage object: the shared tables, and each user's own tables on their handle.

:class:`~tokendeck.storage.Store` is one user's collection; :class:`ServerStore`
is what the multi-user server keeps beside the collections. Its shared tables
(names and roles, invitations, log-in counts, classes, publications) are read
through the database's own handle; a user's rows (password hash, sessions,
tokens, copies of class decks, and their collection) through
:meth:`ServerStore.user`, one handle per user. On PostgreSQL that handle is
set to the user, so row-level security admits that user's rows only, whatever
a query asks for; and the user's collection shares it, so a change to both is
one transaction.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tokendeck.errors import StorageError
from tokendeck.storage.accounts import ApiTokens, Invites, LoginAttempts, Passwords, Sessions, Users
from tokendeck.storage.classes import Classes, ClassWork
from tokendeck.storage.database import Database, is_server_url
from tokendeck.storage.sharing import Publications, Subscriptions
from tokendeck.storage.store import Store


class UserTables:
    """One user's rows of the server's tables, and their collection's store, on one handle."""

    def __init__(self, db: Database, user_id: int) -> None:
        self.db = db
        self.user_id = user_id
        self.passwords = Passwords(db, user_id)
        self.sessions = Sessions(db, user_id)
        self.tokens = ApiTokens(db, user_id)
        self.subscriptions = Subscriptions(db, user_id)
        self.work = ClassWork(db, user_id)
        self.store = Store(db, user_id)

    def transaction(self) -> AbstractContextManager[Database]:
        """All-or-nothing on the user's handle (the collection's transactions nest into it)."""
        return self.db.transaction()


class ServerStore:
    """The shared tables of a multi-user database, and a :class:`UserTables` per user."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.users = Users(db)
        self.invites = Invites(db)
        self.attempts = LoginAttempts(db)
        self.classes = Classes(db)
        self.publications = Publications(db)
        self._users: dict[int, UserTables] = {}
        self._users_lock = threading.Lock()  # a server's requests may run in several threads

    @classmethod
    def open(cls, url: str) -> ServerStore:
        """Open (creating and migrating if needed) the database a URL names."""
        return cls(open_url(url))

    def user(self, user_id: int) -> UserTables:
        """The user's own tables (kept for the life of the store: a handle holds no connection)."""
        found = self._users.get(user_id)
        if found is None:
            with self._users_lock:
                found = self._users.get(user_id)
                if found is None:
                    found = self._users[user_id] = UserTables(self.db.scoped(user_id), user_id)
        return found

    def forget(self, user_id: int) -> None:
        """Drop a user's handle (their account was deleted)."""
        with self._users_lock:
            found = self._users.pop(user_id, None)
        if found is not None and found.db is not self.db:
            found.db.close()

    def transaction(self) -> AbstractContextManager[Database]:
        """All-or-nothing on the shared handle."""
        return self.db.transaction()

    def get_meta(self, key: str) -> str | None:
        """A database-wide setting (the registration mode)."""
        found = self.db.scalar("SELECT value FROM meta WHERE key=?", (key,))
        return None if found is None else str(found)

    def put_meta(self, key: str, value: str) -> None:
        """Set a database-wide setting."""
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value=excluded.value",
            (key, value),
        )

    @property
    def location(self) -> str:
        """Where the database is (a file path, or a URL without its password)."""
        return self.db.location

    def close(self) -> None:
        """Close every handle (idempotent)."""
        for user_id in list(self._users):
            self.forget(user_id)
        self.db.close()


def open_url(url: str) -> Database:
    """A database handle for ``postgresql://...``, ``sqlite:///path`` or a plain file path."""
    from tokendeck.storage.opening import open_database

    return open_database(database_location(url))


def database_location(url: str) -> str | Path:
    """Where a server URL points, as a collection is opened from it: the ``postgresql://``
    URL itself, or the SQLite file of ``sqlite:///path`` (or of a plain path)."""
    if is_server_url(url):
        return url
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        if parts.netloc not in ("", "localhost"):
            raise StorageError(
                f"cannot open {url!r}: a SQLite URL names a local file",
                hint="write sqlite:///relative/file.db or sqlite:////absolute/file.db",
            )
        # sqlite:///x.db is x.db relative; sqlite:////abs/x.db is /abs/x.db (as SQLAlchemy).
        path = unquote(parts.path)
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise StorageError(f"{url!r} names no file", hint="write sqlite:///FILE")
        return Path(path)
    if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # C:\\ is a path, not a scheme
        return Path(url if parts.scheme != "file" else unquote(parts.path))
    raise StorageError(
        f"unknown database URL {url!r}",
        hint="use postgresql://USER@HOST/NAME or sqlite:///FILE",
    )
