"""Long reads (statistics, related cards, simulations) never hold up answering.

They run in a worker thread with their own connection (tokendeck.web.readers).
Each test makes the read wait until the test lets it go, answers a card in the
meantime, and only then releases the read: if the read ran on the event loop,
the answer could not be served before the release and the test would fail.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.async_run import run as _run
from tests.web.conftest import local_async_client
from tokendeck.collection import Collection
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings


def _held(monkeypatch: pytest.MonkeyPatch, name: str) -> tuple[threading.Event, threading.Event]:
    """Make ``Collection.<name>`` wait for a release; returns (started, release)."""
    started, release = threading.Event(), threading.Event()
    real: Callable[..., Any] = getattr(Collection, name)

    def held(self: Collection, *args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(30)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Collection, name, held)
    return started, release


async def _answer_during(settings: WebSettings, path: str, events: Any) -> Any:
    started, release = events
    from tokendeck.grading import Grader

    app = create_app(settings)
    app.state.quiz_grader = Grader(use_embeddings=False)  # lexical: no model to load
    try:
        async with local_async_client(app) as client:
            card = (await client.get("/api/v1/study/next")).json()["card"]["id"]
            read = asyncio.create_task(client.get(path.format(card=card)))
            assert await asyncio.to_thread(started.wait, 30)
            answered = await client.post(
                "/api/v1/study/answer", json={"card_id": card, "rating": 3}
            )
            still_reading = not read.done()
            release.set()
            result = await read
            for _ in range(600):  # 202 while the deck's cards are prepared: ask again
                if result.status_code != 202:
                    break
                await asyncio.sleep(0.05)
                result = await client.get(path.format(card=card))
    finally:
        release.set()
        app.state.readers.close()
        app.state.collections.close()
    assert answered.status_code == 200 and still_reading
    assert result.status_code == 200, result.text
    return result.json()


def test_answers_go_on_while_the_statistics_are_read(
    web_settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _held(monkeypatch, "stats")
    stats = _run(_answer_during(web_settings, "/api/v1/stats", events))
    assert stats["total_reviews"] == 1  # the answer given meanwhile, committed before the read


def test_answers_go_on_while_related_cards_are_found(
    web_settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _held(monkeypatch, "related")
    path = "/api/v1/quiz/cards/{card}/related"
    assert isinstance(_run(_answer_during(web_settings, path, events)), list)


def test_answers_go_on_while_a_simulation_reads_the_log(
    web_settings: WebSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = _held(monkeypatch, "workload_inputs")
    path = "/api/v1/stats/simulation?days=30"
    found = _run(_answer_during(web_settings, path, events))
    assert found["days"] == 30
