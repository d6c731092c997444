"""Opening a collection's database by where it lives: a PostgreSQL URL or a SQLite file."""

from __future__ import annotations

from pathlib import Path

from tokendeck.storage.database import Database, is_server_url


def open_database(location: str | Path) -> Database:
    """Open a collection's database: a PostgreSQL URL, else a SQLite file (created if needed).

    Either way the schema is brought up to date. psycopg is imported only for a URL,
    so the embedded default never pays for it at start-up.
    """
    if is_server_url(location):
        from tokendeck.storage.postgres import open_postgres

        return open_postgres(str(location))
    from tokendeck.storage.sqlite import open_sqlite

    return open_sqlite(location)
