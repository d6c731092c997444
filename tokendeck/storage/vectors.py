"""The disk cache of embedding vectors: a small SQLite file beside the collection.

Kept apart from the collection file because it is derived data: it can be
deleted at any time (everything is embedded again), it does not belong in
backups, and the background worker that fills it never takes the collection's
write lock. Keys name the model and the text (see :mod:`tokendeck.quiz.embeddings`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from tokendeck.errors import StorageError

log = logging.getLogger(__name__)


class VectorCache:
    """Stored vectors by key; safe to share between threads (one lock around the file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # derived data: a lost batch is redone
            self._conn.execute("PRAGMA busy_timeout=5000")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageError(
                f"cannot open the vector cache {path}: {exc}",
                hint="delete the file (it is rebuilt) or check the folder's permissions",
            ) from None
        self._lock = threading.Lock()

    def load(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of those keys that have one."""
        if not keys:
            return {}
        marks = ", ".join("?" for _ in keys)
        with self._lock:
            rows = self._conn.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", list(keys)
            ).fetchall()
        return {key: bytes(vector) for key, vector in rows}

    def save(self, rows: Sequence[tuple[str, bytes]]) -> None:
        """Keep vectors (one transaction per call)."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows
                )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:  # derived data: the vectors are simply made again
                self._conn.execute("ROLLBACK")
                log.warning("could not keep vectors in %s: %s", self.path, exc)

    def close(self) -> None:
        """Close the file (idempotent)."""
        with self._lock:
            self._conn.close()
