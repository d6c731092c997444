"""Web fixtures: a per-test collection file, a clock the test controls, an in-process client."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tokendeck.collection import Collection
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

#: Fixed start time of every web test: a Friday afternoon, UTC.
START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

#: Cards every seeded collection holds: (deck, front, back, tags).
SEED = (
    ("Spanish", "el perro", "the dog", ("animals",)),
    ("Spanish", "el gato", "the cat", ("animals",)),
    ("Spanish", "la casa", "the house", ()),
    ("Maths", "Area of a circle", "$\\pi r^2$", ("geometry",)),
)


class Clock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    """The app's clock, pinned to :data:`START`."""
    return Clock(START)


@pytest.fixture
def web_db(tmp_path: Path) -> Path:
    """A fresh collection file with :data:`SEED` cards, in UTC."""
    path = tmp_path / "web.db"
    with Collection.open(path, now=START, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for deck, front, back, tags in SEED:
            col.add_note(deck, front, back, now=START, tags=tags)
    return path


@pytest.fixture
def web_settings(web_db: Path, clock: Clock) -> WebSettings:
    """Settings over the seeded collection with the test clock."""
    return WebSettings(
        db_path=web_db, clock=clock, install_builtin=False, max_upload_bytes=64 * 1024
    )


@pytest.fixture
def client(web_settings: WebSettings) -> Iterator[TestClient]:
    """An in-process client; the ``with`` keeps one event loop (and thread) for the test."""
    with TestClient(create_app(web_settings)) as test_client:
        yield test_client
