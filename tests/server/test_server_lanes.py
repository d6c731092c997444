"""Requests of several learners at once: on PostgreSQL the study loop runs in worker threads.

Each learner's requests take turns (one at a time, first come first served)
while different learners' requests overlap, so their commits can share
PostgreSQL's group commit. These tests run on both backends (on SQLite every
request runs in place on the event loop) and check what a learner sees: every
answer lands, nobody's answers are lost or mixed up, a revoked token is
refused at once by every worker.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
from fastapi.testclient import TestClient

from tests.server.conftest import register_all, token_for
from tests.web.async_run import run
from tokendeck.web.lanes import UserLanes


def test_one_users_requests_take_turns_in_order_while_others_go_on() -> None:
    """A's second request waits for A's first, which is still working; B's runs meanwhile."""
    lanes = UserLanes(threads=3)
    log: list[str] = []
    release_first = threading.Event()

    def work(name: str, gate: threading.Event | None = None) -> Callable[[], str]:
        def job() -> str:
            log.append(f"{name} start")
            if gate is not None:
                gate.wait(timeout=30)
            log.append(f"{name} end")
            return name

        return job

    async def request(user: int, job: Callable[[], str]) -> str:
        async with lanes.turn(user):
            return await lanes.call(job)

    async def scenario() -> list[str]:
        first = asyncio.create_task(request(1, work("A1", release_first)))
        second = asyncio.create_task(request(1, work("A2")))
        while "A1 start" not in log:  # A1 holds A's turn inside its thread
            await asyncio.sleep(0)
        assert await request(2, work("B1")) == "B1"  # another user is not held up
        assert "A2 start" not in log  # A's next request waits for A's first
        release_first.set()
        return [await first, await second]

    try:
        assert run(scenario()) == ["A1", "A2"]
    finally:
        release_first.set()
        lanes.close()
    assert log.index("B1 end") < log.index("A1 end")
    assert log.index("A1 end") < log.index("A2 start")
    assert lanes.waiting == 0  # every turn was let go


def test_a_turn_is_let_go_when_the_work_fails() -> None:
    lanes = UserLanes(threads=1)

    def fail() -> None:
        raise ValueError("refused")

    async def scenario() -> str:
        async with lanes.turn(7):
            try:
                await lanes.call(fail)
            except ValueError as exc:
                assert str(exc) == "refused"
        async with lanes.turn(7):  # would wait for ever if the first turn were still held
            return await lanes.call(lambda: "next")

    try:
        assert run(scenario()) == "next"
    finally:
        lanes.close()
    assert lanes.waiting == 0


def _cards(client: TestClient, headers: dict[str, str], count: int) -> list[int]:
    for i in range(count):
        made = client.post(
            "/api/v1/notes", json={"deck": "Mine", "front": f"q{i}", "back": "a"}, headers=headers
        )
        assert made.status_code == 201, made.text
    listed = client.get("/api/v1/cards", headers=headers).json()
    return sorted(c["id"] for c in listed["cards"])


def test_two_learners_answers_in_flight_at_once_all_land(client: TestClient) -> None:
    register_all(client, ["ada", "bob"])
    headers = {name: token_for(client, name) for name in ("ada", "bob")}
    cards = {name: _cards(client, headers[name], 5) for name in headers}
    app: Any = client.app

    async def everyone() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            sends = [
                http.post(
                    "/api/v1/study/answer",
                    json={"card_id": card, "rating": "good"},
                    headers=headers[name],
                )
                for card_no in range(5)
                for name in ("ada", "bob")
                for card in [cards[name][card_no]]
            ]
            return list(await asyncio.gather(*sends))

    answers = run(everyone())
    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    for name in ("ada", "bob"):
        for card in cards[name]:
            seen = client.get(f"/api/v1/cards/{card}", headers=headers[name]).json()
            assert (seen["reps"], seen["state"]) == (1, "learning")
        # nobody's answer reached the other's collection
        other = cards["bob" if name == "ada" else "ada"][0]
        assert client.get(f"/api/v1/cards/{other}", headers=headers[name]).status_code == 404
        left = client.get("/api/v1/study/next", headers=headers[name]).json()
        assert left["queue"]["new"] == 0


def test_one_learners_answers_in_flight_at_once_are_each_recorded_once(
    client: TestClient,
) -> None:
    """Answers of one learner sent together: each lands once (none is lost by being
    scheduled from the state another one also started from)."""
    register_all(client, ["ada"])
    headers = token_for(client, "ada")
    [card] = _cards(client, headers, 1)
    app: Any = client.app

    async def together() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
            body = {"card_id": card, "rating": "again"}
            sends = [
                http.post("/api/v1/study/answer", json=body, headers=headers) for _ in range(3)
            ]
            return list(await asyncio.gather(*sends))

    answers = run(together())
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    assert client.get(f"/api/v1/cards/{card}", headers=headers).json()["reps"] == 3


def test_a_revoked_token_is_refused_at_once_by_every_worker(
    app_factory: Callable[[], Any],
) -> None:
    """Two app processes' worth of apps on one database: revoking through one is seen by the
    other on its very next request, on the study loop's threaded path too."""
    with (
        TestClient(app_factory(), base_url="https://testserver") as one,
        TestClient(app_factory(), base_url="https://testserver") as two,
    ):
        register_all(one, ["ada"])
        main = token_for(one, "ada")
        phone = one.post("/api/v1/auth/tokens", json={"name": "phone"}, headers=main).json()
        bearer = {"Authorization": f"Bearer {phone['token']}"}
        [card] = _cards(two, bearer, 1)
        assert two.get("/api/v1/study/next", headers=bearer).status_code == 200
        revoked = one.delete(f"/api/v1/auth/tokens/{phone['id']}", headers=main)
        assert revoked.status_code == 204
        assert two.get("/api/v1/study/next", headers=bearer).status_code == 401
        refused = two.post(
            "/api/v1/study/answer", json={"card_id": card, "rating": "good"}, headers=bearer
        )
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        # the answer was not recorded; the live token still works on the other worker
        seen = two.get(f"/api/v1/cards/{card}", headers=main).json()
        assert seen["reps"] == 0
