"""The server's storage object: the tables shared by every user of a multi-user database.

:class:`~tokendeck.storage.Store` is one user's collection; :class:`ServerStore`
is what the multi-user server keeps beside the collections (accounts,
sessions, tokens, classes, shared decks) over the same database handle. Its
tables are not scoped to one user: the server facade decides who may read
what, and the queries that read several users' rows are in one place
(:meth:`~tokendeck.storage.classes.Classes.progress` and ``hardest``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tokendeck.errors import StorageError
from tokendeck.storage.accounts import Accounts, ApiTokens, Invites, LoginAttempts, Sessions
from tokendeck.storage.classes import Classes
from tokendeck.storage.database import Database
from tokendeck.storage.sharing import Publications, Subscriptions
from tokendeck.storage.store import Store


class ServerStore:
    """Accounts, sessions, tokens, invitations, classes and shared decks; per-user stores."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.accounts = Accounts(db)
        self.sessions = Sessions(db)
        self.tokens = ApiTokens(db)
        self.invites = Invites(db)
        self.attempts = LoginAttempts(db)
        self.classes = Classes(db)
        self.publications = Publications(db)
        self.subscriptions = Subscriptions(db)

    @classmethod
    def open(cls, url: str) -> ServerStore:
        """Open (creating and migrating if needed) the database a URL names."""
        return cls(open_url(url))

    def store(self, user_id: int) -> Store:
        """One user's collection store over the same database handle."""
        return Store(self.db, user_id)

    def transaction(self) -> AbstractContextManager[Database]:
        """All-or-nothing, as :meth:`Store.transaction` (they share the handle and nest)."""
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
        """Close the database handle."""
        self.db.close()


def open_url(url: str) -> Database:
    """A database handle for ``sqlite:///path``, a plain file path or ``postgresql://...``."""
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres"):
        raise StorageError(
            "this TokenDeck has no PostgreSQL backend",
            hint="install a TokenDeck with PostgreSQL support, or use --database sqlite:///FILE",
        )
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc not in ("", "localhost"):
            raise StorageError(
                f"cannot open {url!r}: a SQLite URL names a local file",
                hint="write sqlite:///relative/file.db or sqlite:////absolute/file.db",
            )
        # sqlite:///x.db is x.db relative; sqlite:////abs/x.db is /abs/x.db (as SQLAlchemy).
        path = path[1:] if path.startswith("/") else path
        if not path:
            raise StorageError(f"{url!r} names no file", hint="write sqlite:///FILE")
        return _open_sqlite(Path(path))
    if parts.scheme in ("", "file") or len(parts.scheme) == 1:  # C:\ is a path, not a scheme
        return _open_sqlite(Path(url if parts.scheme != "file" else unquote(parts.path)))
    raise StorageError(
        f"unknown database URL {url!r}",
        hint="use postgresql://USER@HOST/NAME or sqlite:///FILE",
    )


def _open_sqlite(path: Path) -> Database:
    from tokendeck.storage.sqlite import open_database

    return open_database(path)
