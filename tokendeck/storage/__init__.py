"""Storage: the only package that speaks SQL.

``Database`` wraps a DB-API connection (stdlib ``sqlite3`` for the embedded
default), applies the versioned migrations on open and turns driver errors
into :class:`tokendeck.errors.StorageError`. ``queries`` holds the SQL the
collection needs, as plain functions over a ``Database``.
"""

from tokendeck.storage.database import Database, open_database

__all__ = ["Database", "open_database"]
