"""The storage object: one user's tables over one database, the only way up to SQL.

The collection facade holds one :class:`Store` and calls nothing else of this
package for its own data. Every table's rows object is scoped to the store's
user, so a query cannot reach another user's rows whatever ids it is given.
The SQL is written once against :class:`~tokendeck.storage.database.Database`,
which the SQLite backend implements; a second backend implements the same
handle (and the few dialect-specific statements) rather than a second copy of
the queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from tokendeck.storage.attempts import Attempts
from tokendeck.storage.backup import Backup
from tokendeck.storage.bulk import Bulk
from tokendeck.storage.cards import Cards
from tokendeck.storage.database import Database
from tokendeck.storage.decks import Decks
from tokendeck.storage.history import History
from tokendeck.storage.notes import Notes
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.reviews import Reviews
from tokendeck.storage.search import Search
from tokendeck.storage.settings import Settings, find_or_create_user
from tokendeck.storage.sqlite import open_database
from tokendeck.storage.stats import Stats
from tokendeck.storage.study import Study


class Store:
    """One user's data in one database: tables as attributes, transactions around them."""

    def __init__(self, db: Database, user_id: int) -> None:
        self.db = db
        self.user_id = user_id
        #: The statistics summary of the review log, kept in step by the tables that write.
        self.summary = Summary(db, user_id)
        self.settings = Settings(db, user_id)
        self.decks = Decks(db, user_id)
        self.notes = Notes(db, user_id, self.summary)
        self.cards = Cards(db, user_id, self.summary)
        self.reviews = Reviews(db, user_id, self.summary)
        self.attempts = Attempts(db, user_id)
        self.study = Study(db, user_id)
        self.search = Search(db, user_id)
        self.history = History(db, user_id)
        self.bulk = Bulk(db, user_id)
        self.backup = Backup(db, user_id)
        self.stats = Stats(db, user_id, self.summary)

    @classmethod
    def open(cls, path: str | Path, user: str, now_ms: int) -> Store:
        """Open (creating and migrating if needed) the database at ``path`` for ``user``."""
        db = open_database(path)
        try:
            return cls(db, find_or_create_user(db, user, now_ms))
        except BaseException:
            db.close()
            raise

    @property
    def location(self) -> str:
        """The database file (``:memory:`` for an in-memory one)."""
        return self.db.location

    def transaction(self) -> AbstractContextManager[Database]:
        """All-or-nothing: commit durably on success, roll back on any error (nests)."""
        return self.db.transaction()

    def disk_wait_deferred(self) -> AbstractContextManager[None]:
        """Commits inside return before the disk has them (a server's group commit);
        :meth:`sync_log` makes them durable. Enter outside the transaction."""
        return self.db.disk_wait_deferred()

    def sync_log(self) -> None:
        """Make every commit so far durable (safe to call from another thread)."""
        self.db.sync_log()

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Foreign keys unchecked while inside (enter before the transaction): bulk imports."""
        with self.db.bulk_writes():
            yield

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (cache invalidation)."""
        return int(self.db.scalar("PRAGMA data_version"))

    @property
    def total_changes(self) -> int:
        """Rows changed through this connection since it was opened."""
        return self.db.total_changes

    def close(self) -> None:
        """Close the database (idempotent)."""
        self.db.close()
