"""Stateless app processes: two uvicorn processes serving one PostgreSQL database.

Each request goes to a chosen process, so the test is deterministic: a card
shown by one process is answered through the other, the queue each process
reports stays the same after every answer (each notices the other's commits),
and a Learn question shown by one is marked and recorded by the other.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import NOW
from tests.processes import free_port
from tokendeck.collection import Collection

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CARDS = 6
FACTORY = "tokendeck.web.app:create_app_from_environment"


@pytest.fixture
def seeded(postgres_url: str) -> str:
    """The local user's collection on the server: a deck of new cards, and a one-card deck."""
    with Collection.open(postgres_url, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for i in range(CARDS):
            col.add_note("Spanish", f"palabra {i}", f"word {i}", now=NOW)
        col.add_note("Solo", "Area of a circle", "pi r squared", now=NOW)
    return postgres_url


@pytest.fixture
def servers(seeded: str, tmp_path: Path) -> Iterator[list[httpx.Client]]:
    """Two uvicorn processes over the database, and a client for each."""
    env = {**os.environ, "TOKENDECK_DATABASE_URL": seeded, "TOKENDECK_POOL_SIZE": "2"}
    env["TOKENDECK_MEDIA_DIR"] = str(tmp_path / "media")
    processes, clients = [], []
    try:
        for _ in range(2):
            port = free_port()
            command = [sys.executable, "-m", "uvicorn", "--factory", FACTORY]
            command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
            processes.append(subprocess.Popen(command, env=env))
            base = f"http://127.0.0.1:{port}"
            # Changes must name the server they go to (tests/web/test_web_origins.py).
            clients.append(httpx.Client(base_url=base, headers={"Origin": base}, timeout=60))
        for process, client in zip(processes, clients, strict=True):
            _wait_until_up(process, client)
        yield clients
    finally:
        for client in clients:
            client.close()
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def _wait_until_up(process: subprocess.Popen[bytes], client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}")
        try:
            if client.get("/api/v1/decks").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("uvicorn did not start")


def _patient_get(client: httpx.Client, path: str, **params: str) -> dict[str, object]:
    """GET, asked again while the server answers 202 "preparing" (a deck's cards are embedded
    in the background first), as the pages do."""
    deadline = time.monotonic() + 120
    while True:
        answer = client.get(path, params=params)
        if answer.status_code != 202 or time.monotonic() > deadline:
            assert answer.status_code == 200, answer.text
            body: dict[str, object] = answer.json()
            return body
        time.sleep(0.2)


def _queue(client: httpx.Client) -> dict[str, int]:
    body = client.get("/api/v1/study/next", params={"deck": "Spanish"}).json()
    queue: dict[str, int] = body["queue"]
    return queue


def test_answers_through_both_processes_keep_one_consistent_queue(
    servers: list[httpx.Client], seeded: str
) -> None:
    answered = []
    for turn in range(CARDS):
        shows, takes = servers[turn % 2], servers[(turn + 1) % 2]
        card = shows.get("/api/v1/study/next", params={"deck": "Spanish"}).json()["card"]
        assert card is not None
        reply = takes.post("/api/v1/study/answer", json={"card_id": card["id"], "rating": "easy"})
        assert reply.status_code == 200, reply.text
        answered.append(card["id"])
        # both processes see the answer at once: neither serves a stale cached queue
        assert _queue(servers[0]) == _queue(servers[1])
    assert sorted(answered) == sorted(set(answered))  # no card was shown twice
    assert _queue(servers[0])["new"] == 0
    with Collection.open(seeded, now=NOW, install_builtin=False) as col:
        assert sum(len(col.history(card_id)) for card_id in answered) == CARDS


def test_a_learn_question_shown_by_one_process_is_marked_by_the_other(
    servers: list[httpx.Client],
) -> None:
    first, second = servers
    shown = _patient_get(first, "/api/v1/quiz/learn/next", deck="Solo")
    question = shown["question"]
    assert isinstance(question, dict)
    token = question["token"]
    marked = second.post("/api/v1/quiz/answers", json={"token": token, "truth": True})
    assert marked.status_code == 200, marked.text
    recorded = first.post("/api/v1/quiz/records", json={"token": token})
    assert recorded.status_code == 200, recorded.text
    again = second.post("/api/v1/quiz/records", json={"token": token})
    assert again.status_code == 404  # recorded once: the question is closed everywhere
    queue = _patient_get(second, "/api/v1/quiz/learn/next", deck="Solo")["queue"]
    assert isinstance(queue, dict) and queue["new"] == 0
