"""The storage object: one user's tables over one database, the only way up to SQL.

The collection facade holds one :class:`Store` and calls nothing else of this
package for its own data. Every table's rows object is scoped to the store's
user, so a query cannot reach another user's rows whatever ids it is given.
The SQL is written once against :class:`~tokendeck.storage.database.Database`,
which both backends implement (SQLite's file, PostgreSQL's pool), with the few
dialect-specific statements chosen inside the rows objects rather than a second
copy of the queries. On PostgreSQL the handle is the user's own
(:meth:`Database.scoped`), so row-level security follows the same user as the
queries' filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from tokendeck.storage.attempts import Attempts
from tokendeck.storage.backup import Backup
from tokendeck.storage.bulk import Bulk
from tokendeck.storage.cards import Cards
from tokendeck.storage.check import Consistency
from tokendeck.storage.database import POSTGRESQL, Database, is_server_url
from tokendeck.storage.decks import Decks
from tokendeck.storage.history import History
from tokendeck.storage.locks import SharedUse
from tokendeck.storage.notes import Notes
from tokendeck.storage.notetypes import NoteTypes
from tokendeck.storage.opening import open_database
from tokendeck.storage.pending import PendingQuestions
from tokendeck.storage.review_slots import Summary
from tokendeck.storage.reviews import Reviews
from tokendeck.storage.search import Search
from tokendeck.storage.settings import Settings, find_or_create_user
from tokendeck.storage.stats import Stats
from tokendeck.storage.study import Study
from tokendeck.storage.sync import SyncRows
from tokendeck.storage.sync_named import SyncDecks, SyncNoteTypes
from tokendeck.storage.sync_read import SyncRead
from tokendeck.storage.sync_write import SyncWrite


class Store:
    """One user's data in one database: tables as attributes, transactions around them."""

    def __init__(self, db: Database, user_id: int) -> None:
        db = db.scoped(user_id)
        self.db = db
        self.user_id = user_id
        #: The statistics summary of the review log, kept in step by the tables that write.
        self.summary = Summary(db, user_id)
        self.settings = Settings(db, user_id)
        self.decks = Decks(db, user_id)
        self.notes = Notes(db, user_id, self.summary)
        self.note_types = NoteTypes(db, user_id)
        self.cards = Cards(db, user_id, self.summary)
        self.reviews = Reviews(db, user_id, self.summary)
        self.attempts = Attempts(db, user_id)
        self.study = Study(db, user_id)
        self.search = Search(db, user_id)
        self.history = History(db, user_id)
        self.bulk = Bulk(db, user_id)
        self.backup = Backup(db, user_id)
        self.stats = Stats(db, user_id, self.summary)
        self.consistency = Consistency(db, user_id)
        self.sync = SyncRows(db, user_id)
        self.sync_read = SyncRead(db, user_id)
        self.sync_write = SyncWrite(db, user_id)
        self.sync_decks = SyncDecks(db, user_id)
        self.sync_note_types = SyncNoteTypes(db, user_id)
        #: Learn/Test questions awaiting answers (PostgreSQL only: a file serves one process)
        self.pending = PendingQuestions(db, user_id)
        #: A collection file's shared lock (:mod:`.locks`), held until :meth:`close`.
        self._in_use: SharedUse | None = None

    @classmethod
    def open(cls, location: str | Path, user: str, now_ms: int) -> Store:
        """Open (creating and migrating if needed) the database at ``location`` for ``user``.

        ``location`` is a SQLite file or a ``postgresql://`` URL. A file's store holds
        the file's shared lock until closed (:mod:`.locks`): a restore cannot replace
        the file under it.
        """
        file = not is_server_url(location) and str(location) != ":memory:"
        guard = SharedUse(Path(location)) if file else None
        try:
            db = open_database(location)
        except BaseException:
            if guard is not None:
                guard.release()
            raise
        try:
            store = cls(db, find_or_create_user(db, user, now_ms))
        except BaseException:
            db.close()
            if guard is not None:
                guard.release()
            raise
        if store.db is not db:
            db.close()  # the schema's handle; the store holds the user's own
        store._in_use = guard
        return store

    def reader(self) -> Store:
        """This user's data over a handle of its own, for another thread (long reads).

        SQLite: a second connection to the file, holding the file's shared lock
        too; PostgreSQL: a second handle on the same pool. Close it as well.
        """
        file = not self.on_server and self.location != ":memory:"
        guard = SharedUse(Path(self.location)) if file else None
        try:
            store = Store(self.db.another(), self.user_id)
        except BaseException:
            if guard is not None:
                guard.release()
            raise
        store._in_use = guard
        return store

    @property
    def location(self) -> str:
        """The database file (``:memory:`` for an in-memory one), or its URL without password."""
        return self.db.location

    @property
    def on_server(self) -> bool:
        """Whether the data lives on a database server (PostgreSQL) rather than in a file."""
        return self.db.dialect == POSTGRESQL

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
        return self.db.data_version()

    @property
    def total_changes(self) -> int:
        """Rows changed through this connection since it was opened."""
        return self.db.total_changes

    def close(self) -> None:
        """Close the database and let go of the file's lock (idempotent)."""
        self.db.close()
        if self._in_use is not None:
            self._in_use.release()
