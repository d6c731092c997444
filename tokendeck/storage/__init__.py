"""Storage: the only package that speaks SQL.

:class:`Store` is one user's view of the database: a rows object per table
(``store.cards``, ``store.reviews``, ...) whose every query is scoped to that
user, and transactions around them. ``Database`` is the connection handle the
SQL runs through: :mod:`tokendeck.storage.sqlite` (stdlib ``sqlite3``, the
embedded default) or :mod:`tokendeck.storage.postgres` (psycopg 3 and a
connection pool, the server). Either applies the versioned migrations on open
and turns driver errors into :class:`tokendeck.errors.StorageError`.
"""

from tokendeck.storage.database import Database, is_server_url
from tokendeck.storage.opening import open_database
from tokendeck.storage.store import Store

__all__ = ["Database", "Store", "is_server_url", "open_database"]
