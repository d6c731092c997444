"""Server fixtures: a multi-user database per test, a cheap password hasher, clients per user.

Argon2id at its recommended cost takes tens of milliseconds per hash; tests
use the same algorithm with the smallest cost (the production cost is checked
once, in test_server_accounts). Every test that uses ``server_url`` runs twice:
on a SQLite file and on the PostgreSQL server the test session starts (marked
``postgres``; see tests/conftest.py), where the app connects as its own role,
under row-level security.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.hand_clock import Clock
from tokendeck.domain.accounts import Account, Registration, Role
from tokendeck.server import Server
from tokendeck.server.passwords import Passwords
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


def cheap_passwords() -> Passwords:
    """Argon2id with the smallest cost the library allows (fast tests, same code path)."""
    from argon2 import PasswordHasher

    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def server_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of a fresh server database on the test's backend."""
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def passwords() -> Passwords:
    return cheap_passwords()


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def server(server_url: str, passwords: Passwords) -> Iterator[Server]:
    """An initialised server (admin 'root1', open registration) for facade tests."""
    with Server.open(server_url, passwords=passwords) as opened:
        opened.initialise("root1", PASSWORD, now=START, registration=Registration.OPEN)
        yield opened


def make_account(server: Server, name: str, role: Role = Role.LEARNER) -> Account:
    """An account of ``role`` made by the admin."""
    return server.accounts.create_account(name, PASSWORD, role, now=START)


@pytest.fixture
def app_factory(server_url: str, passwords: Passwords, clock: Clock) -> Callable[[], Any]:
    """Build the multi-user app over the test database (initialised on first use)."""

    def build() -> Any:
        with Server.open(server_url, passwords=passwords) as opened:
            if not opened.initialised:
                opened.initialise("root1", PASSWORD, now=START, registration=Registration.OPEN)
        return create_app(
            WebSettings(
                database_url=server_url, clock=clock, passwords=passwords, install_builtin=False
            )
        )

    return build


@pytest.fixture
def client(app_factory: Callable[[], Any]) -> Iterator[TestClient]:
    """An HTTPS client of the multi-user app (Secure cookies are sent over https only)."""
    with TestClient(app_factory(), base_url="https://testserver") as test_client:
        yield test_client


def token_for(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    """The Authorization header of a fresh API token of ``name``."""
    answer = client.post("/api/v1/auth/token", json={"username": name, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@dataclass
class World:
    """A server with a class: teacher T with learners A and B; teacher T2 with another class.

    A holds a private deck and a note she edited; T published a deck to the class.
    """

    client: TestClient
    headers: dict[str, dict[str, str]]
    ids: dict[str, Any] = field(default_factory=dict)


def register_all(client: TestClient, names: list[str]) -> None:
    for name in names:
        answer = client.post("/api/v1/auth/register", json={"username": name, "password": PASSWORD})
        assert answer.status_code == 201, answer.text
