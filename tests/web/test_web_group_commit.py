"""Group commit: an answer is acknowledged only once on disk, and the loop never waits for it.

The batcher commits a batch without waiting for the disk and syncs the log in a
worker thread. These tests hold the sync: the answer's request must stay
unanswered until the sync is done (durable before acknowledged), while other
requests are served in the meantime (the event loop did not wait).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from tests.web.async_run import run as _run
from tests.web.conftest import local_async_client
from tokendeck.collection import Collection
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings


async def _answer_with_a_held_sync(settings: WebSettings, release: threading.Event) -> Any:
    app = create_app(settings)
    try:
        async with local_async_client(app) as client:
            card = (await client.get("/api/v1/study/next")).json()["card"]["id"]
            answer = asyncio.create_task(
                client.post("/api/v1/study/answer", json={"card_id": card, "rating": 3})
            )
            decks = await client.get("/api/v1/decks")  # served while the answer waits
            waiting = not answer.done()
            release.set()
            answered = await answer
    finally:
        release.set()
        app.state.readers.close()
        app.state.collections.close()
    assert decks.status_code == 200 and waiting
    assert answered.status_code == 200
    return answered.json()


def test_an_answer_is_acknowledged_after_the_log_is_synced(
    web_settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, synced = threading.Event(), []
    real = Collection.sync_log

    def held(self: Collection) -> None:
        release.wait(30)
        real(self)
        synced.append(True)

    monkeypatch.setattr(Collection, "sync_log", held)
    answered = _run(_answer_with_a_held_sync(web_settings, release))
    assert synced == [True] and answered["card"]["reps"] == 1


def test_an_answer_whose_log_cannot_be_synced_is_not_acknowledged(
    web_settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Collection) -> None:
        raise OSError("the disk went away")

    monkeypatch.setattr(Collection, "sync_log", broken)
    app = create_app(web_settings)

    async def run() -> httpx.Response:
        async with local_async_client(app, raise_app_exceptions=False) as client:
            card = (await client.get("/api/v1/study/next")).json()["card"]["id"]
            return await client.post("/api/v1/study/answer", json={"card_id": card, "rating": 3})

    try:
        response = _run(run())
    finally:
        app.state.readers.close()
        app.state.collections.close()
    assert response.status_code == 500
