"""Shared fixtures: a fixed clock and a fresh collection per test, on each backend.

A test that asks for ``col`` (or ``location``, ``builtin_col``) runs twice: on a
SQLite file and on a PostgreSQL database (marked ``postgres``; the server is
started once per session by :mod:`tests.postgres_server`). A test that is about
the SQLite file itself (snapshots, file restores, WAL) is marked
``sqlite_only(reason=...)`` and runs once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer
from tokendeck.collection import Collection

#: A fixed "now" for deterministic tests: a Friday afternoon, UTC.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

REPO = Path(__file__).resolve().parents[1]

BACKENDS = ("sqlite", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses a collection's ``backend`` on both (unless sqlite_only)."""
    if "backend" not in metafunc.fixturenames:
        return
    # Browser tests drive the same pages over either backend: the API tests cover PostgreSQL.
    only_sqlite = any(
        metafunc.definition.get_closest_marker(name) is not None
        for name in ("sqlite_only", "browser")
    )
    metafunc.parametrize(
        "backend",
        [
            pytest.param(name, marks=[pytest.mark.postgres] if name == "postgres" else [])
            for name in BACKENDS
            if name == "sqlite" or not only_sqlite
        ],
    )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own for the session (started on first use)."""
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """An empty, migrated PostgreSQL database for the test: the app role's URL."""
    monkeypatch.setenv("TOKENDECK_MEDIA_DIR", str(tmp_path / "server-media"))
    yield postgres_server.empty_database()


@pytest.fixture
def location(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where the test's collection lives: a SQLite file, or a PostgreSQL URL."""
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return tmp_path / "collection.db"


@pytest.fixture
def now() -> datetime:
    """The fixed test time."""
    return NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A collection file path unique to the test (SQLite only: file tests)."""
    return tmp_path / "collection.db"


@pytest.fixture
def col(location: str | Path) -> Iterator[Collection]:
    """An empty collection in UTC with the default 4 am rollover (no built-in deck)."""
    collection = Collection.open(location, now=NOW, install_builtin=False)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()


@pytest.fixture
def builtin_col(location: str | Path) -> Iterator[Collection]:
    """A collection with the built-in LLM Vocabulary deck installed, in UTC."""
    collection = Collection.open(location, now=NOW)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()
