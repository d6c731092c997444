"""Storage: the only package that speaks SQL.

:class:`Store` is one user's view of the database: a rows object per table
(``store.cards``, ``store.reviews``, ...) whose every query is scoped to that
user, and transactions around them. ``Database`` wraps the DB-API connection
(stdlib ``sqlite3`` for the embedded default), applies the versioned
migrations on open and turns driver errors into
:class:`tokendeck.errors.StorageError`.
"""

from tokendeck.storage.database import Database
from tokendeck.storage.sqlite import open_database
from tokendeck.storage.store import Store

__all__ = ["Database", "Store", "open_database"]
