"""Shared fixtures: a fixed clock and a fresh collection file per test (flaskr style)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.collection import Collection

#: A fixed "now" for deterministic tests: a Friday afternoon, UTC.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def now() -> datetime:
    """The fixed test time."""
    return NOW


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A collection file path unique to the test."""
    return tmp_path / "collection.db"


@pytest.fixture
def col(db_path: Path) -> Iterator[Collection]:
    """An empty collection in UTC with the default 4 am rollover (no built-in deck)."""
    collection = Collection.open(db_path, now=NOW, install_builtin=False)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()


@pytest.fixture
def builtin_col(db_path: Path) -> Iterator[Collection]:
    """A collection with the built-in LLM Vocabulary deck installed, in UTC."""
    collection = Collection.open(db_path, now=NOW)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()
