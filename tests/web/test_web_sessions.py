"""Interleaved study sessions over HTTP: the same property as tests/test_study_sessions.py,
through the API the study page calls (one server process, many sessions in it)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from tests.hand_clock import Clock
from tests.study_sessions import (
    DECK_NAMES,
    SESSIONS,
    START,
    STEPS,
    build_collection,
    in_session,
)
from tests.web.conftest import local_client
from tokendeck.collection import Collection
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

pytestmark = pytest.mark.slow

#: Examples per run (each up to 40 steps, see STEPS): reported in the closing note.
EXAMPLES = 25
API = "/api/v1/study"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-sessions") / "template.db"
    build_collection(path)
    return path


def _params(session: tuple[str | None, str]) -> dict[str, str]:
    deck, kind = session
    return {"session": kind} | ({} if deck is None else {"deck": deck})


def _shown(client: TestClient, session: tuple[str | None, str]) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"{API}/next", params=_params(session)).json()
    card = body["card"]
    if card is not None:
        assert in_session(card["deck"], session), (session, card["deck"])
    return body


def _step(client: TestClient, step: tuple[str, int, int, int, str]) -> None:
    what, number, rating, _, kind = step
    session = SESSIONS[number]
    deck, session_kind = session
    card = _shown(client, session)["card"]
    where = {"deck": deck, "session": session_kind}
    if what == "answer" and card is not None:
        body = {"card_id": card["id"], "rating": rating, **where}
        answered = client.post(f"{API}/answer", json=body)
        assert answered.status_code == 200, answered.text
        following = answered.json()["next"]["card"]
        assert following is None or in_session(following["deck"], session)
    elif what in ("suspend", "bury", "flag") and card is not None:
        body = {"card_id": card["id"], "action": what, "flag": rating, **where}
        assert client.post(f"{API}/action", json=body).status_code == 200
    elif what == "move" and card is not None:
        # another session's card answered from this one is refused, and nothing is recorded
        other = _shown(client, SESSIONS[(number + 1 + rating) % len(SESSIONS)])["card"]
        if other is not None and deck is not None and not in_session(other["deck"], session):
            body = {"card_id": other["id"], "rating": 3, **where}
            refused = client.post(f"{API}/answer", json=body)
            assert refused.status_code == 409, refused.text
    elif what == "undo":
        assert client.post(f"{API}/undo").status_code in (200, 409)
    elif what == "custom" and deck is not None:
        body = {"deck": deck, "kind": kind, "amount": 3, "tags": ["x"]}
        assert client.post(f"{API}/custom", json=body).status_code in (201, 400)
    elif what == "extend" and deck is not None:
        body = {"deck": deck, "kind": "new" if rating % 2 else "reviews", "amount": 2}
        assert client.post(f"{API}/custom", json=body).status_code == 201
    elif what == "add":
        note = {"deck": DECK_NAMES[rating], "front": f"added {number}", "back": "b", "tags": ["x"]}
        assert client.post("/api/v1/notes", json=note).status_code == 201


def _server_counts(client: TestClient) -> dict[tuple[str | None, str], Any]:
    found = {}
    for session in SESSIONS:
        body = _shown(client, session)
        found[session] = (body["queue"], body["card"] is None)
    return found


def _fresh_counts(path: Path, clock: Clock) -> dict[tuple[str | None, str], Any]:
    found = {}
    with Collection.open(path, now=clock(), install_builtin=False) as fresh:
        for deck, kind in SESSIONS:
            counts = fresh.queue_counts(clock(), deck, session=kind)
            queue = {"new": counts.new, "learning": counts.learning, "review": counts.review}
            found[(deck, kind)] = (queue, fresh.next_card(clock(), deck, session=kind) is None)
    return found


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_interleaved_sessions_over_http_stay_in_their_decks(
    template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[str, int, int, int, str]],
) -> None:
    path = tmp_path_factory.mktemp("http-run") / "collection.db"
    shutil.copy(template, path)
    clock = Clock(START)
    app = create_app(WebSettings(db_path=path, clock=clock, install_builtin=False))
    with local_client(app) as client:
        for step in steps:
            clock.advance(minutes=step[3])
            _step(client, step)
            assert _server_counts(client) == _fresh_counts(path, clock), step
