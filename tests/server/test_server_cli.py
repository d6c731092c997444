"""``tokendeck server init`` and ``tokendeck server``: set-up, refusals, and a real server with
two uvicorn workers on one database (sessions, rate counts and decks live in the database)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.processes import TOKENDECK, tokendeck_server
from tokendeck.cli import main

NOW = "2026-11-27T15:00:00Z"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        main(["--now", NOW, *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_init_takes_the_password_from_the_environment_and_runs_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    monkeypatch.setenv("TOKENDECK_PASSWORD", "a long admin password")
    code, out, err = _run(
        capsys, "server", "init", "--database", url, "--admin", "Root1", "--registration", "open"
    )
    assert code == 0, err
    assert "admin root1, registration open" in out
    from tokendeck.domain.accounts import Registration
    from tokendeck.server import Server

    with Server.open(url) as server:
        assert server.accounts.registration() is Registration.OPEN
        assert server.accounts.login("root1", "a long admin password", now=server_now()).name
    code, _, err = _run(capsys, "server", "init", "--database", url, "--admin", "other")
    assert code == 1 and "already has an admin" in err


@pytest.mark.postgres
def test_init_creates_the_schema_of_an_empty_postgresql_database(
    postgres_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.postgres_server import OWNER

    name = "tokendeck_init_test"
    postgres_server.admin(
        f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name} OWNER {OWNER}"
    )
    postgres_server.admin(f"ALTER SCHEMA public OWNER TO {OWNER}", database=name)
    owner_url = postgres_server.url(name, OWNER)
    monkeypatch.setenv("TOKENDECK_PASSWORD", "a long admin password")
    try:
        code, _, err = _run(capsys, "server", "init", "--database", owner_url, "--admin", "root1")
        assert code == 0, err
        from tokendeck.server import Server

        with Server.open(postgres_server.url(name)) as server:  # the app's own role
            assert server.initialised
    finally:
        postgres_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def server_now() -> object:
    from tokendeck.clock import parse_instant

    return parse_instant(NOW)


def test_init_asks_for_the_password_when_the_environment_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tokendeck.cli import cli

    monkeypatch.delenv("TOKENDECK_PASSWORD", raising=False)
    url = f"sqlite:///{tmp_path / 'server.db'}"
    result = CliRunner().invoke(
        cli,
        ["server", "init", "--database", url, "--admin", "root1"],
        input="a long admin password\na long admin password\n",
    )
    assert result.exit_code == 0, result.output
    assert "registration invite" in result.output


def test_the_server_needs_a_database_and_an_initialised_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TOKENDECK_DATABASE_URL", raising=False)
    code, _, err = _run(capsys, "server")
    assert code != 0 and "--database URL or TOKENDECK_DATABASE_URL" in err
    monkeypatch.setenv("TOKENDECK_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, _, err = _run(capsys, "server")
    assert code != 0 and "tokendeck server init" in err
    code, _, err = _run(capsys, "server", "--database", "mysql://x/y")
    assert code == 1 and "unknown database URL" in err


@pytest.fixture
def running_server(server_url: str) -> Iterator[str]:
    """``tokendeck server --workers 2`` in a subprocess, on a free loopback port."""
    url = server_url
    env = {**os.environ, "TOKENDECK_PASSWORD": "a long admin password"}
    subprocess.run(
        [
            TOKENDECK,
            "server",
            "init",
            "--database",
            url,
            "--admin",
            "root1",
            "--registration",
            "open",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    with tokendeck_server(url, env) as base:
        yield base


@pytest.mark.slow
def test_two_workers_share_accounts_tokens_and_collections(running_server: str) -> None:
    body = {"username": "ada", "password": "correct horse battery"}
    with httpx.Client(base_url=running_server, timeout=10) as http:
        assert http.post("/api/v1/auth/register", json=body).status_code == 201
        token = http.post("/api/v1/auth/token", json=body).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        # Many requests, so both workers answer some: each must know the token and the data.
        for i in range(12):
            made = http.post(
                "/api/v1/notes",
                json={"deck": "Mine", "front": f"q{i}", "back": "a"},
                headers=headers,
            )
            assert made.status_code == 201, made.text
        for _ in range(12):
            decks = http.get("/api/v1/decks", headers=headers).json()
            assert [(d["name"], d["counts"]["total"]) for d in decks] == [("Mine", 12)]
        studied = http.get("/api/v1/study/next", headers=headers).json()
        answer = http.post(
            "/api/v1/study/answer",
            json={"card_id": studied["card"]["id"], "rating": "good"},
            headers=headers,
        )
        assert answer.status_code == 200
        revoked = http.get("/api/v1/auth/tokens", headers=headers).json()[0]["id"]
        assert http.delete(f"/api/v1/auth/tokens/{revoked}", headers=headers).status_code == 204
        for _ in range(6):
            assert http.get("/api/v1/decks", headers=headers).status_code == 401
