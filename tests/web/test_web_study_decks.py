"""The API behind the study page, deck management and Browse (issue 12)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import SEED, Clock, local_client
from tests.web.test_web_api import error_of
from tokendeck.grading import Grader
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

S = "/api/v1/study"


def _deck_id(client: TestClient, name: str) -> int:
    return next(d["id"] for d in client.get("/api/v1/decks").json() if d["name"] == name)


# -- study sessions ------------------------------------------------------------------------


def test_a_session_names_its_deck_and_refuses_other_decks_cards(client: TestClient) -> None:
    spanish = client.get(f"{S}/next", params={"deck": "Spanish"}).json()
    maths = client.get(f"{S}/next", params={"deck": "Maths"}).json()
    assert (spanish["deck"], spanish["session"], spanish["card"]["deck"]) == (
        "Spanish",
        "study",
        "Spanish",
    )
    body = {"card_id": maths["card"]["id"], "rating": 3, "deck": "Spanish"}
    refused = error_of(client.post(f"{S}/answer", json=body), 409, "conflict")
    assert "Maths" in refused["message"] and "tokendeck" not in str(refused)
    again = client.get(f"{S}/next", params={"deck": "Maths"}).json()
    assert again["queue"] == maths["queue"]  # nothing was recorded


def test_counts_go_down_as_you_answer(client: TestClient) -> None:
    first = client.get(f"{S}/next", params={"deck": "Spanish"}).json()
    assert first["queue"]["new"] == 3
    body = {"card_id": first["card"]["id"], "rating": "easy", "deck": "Spanish"}
    answered = client.post(f"{S}/answer", json=body).json()
    assert answered["next"]["queue"]["new"] == 2


def test_suspend_bury_flag_and_delete_from_the_study_page(client: TestClient) -> None:
    def act(action: str, **extra: Any) -> dict[str, Any]:
        card = client.get(f"{S}/next", params={"deck": "Spanish"}).json()["card"]
        body = {"card_id": card["id"], "action": action, "deck": "Spanish", **extra}
        response = client.post(f"{S}/action", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json(), card=card)

    flagged = act("flag", flag=2)
    assert flagged["next"]["card"]["flag"] == 2  # the card is still next, flagged orange
    found = client.get("/api/v1/cards", params={"q": "flag:orange"}).json()["cards"]
    assert [c["id"] for c in found] == [flagged["card"]["id"]]
    assert act("suspend")["next"]["queue"]["new"] == 2
    assert act("bury")["next"]["queue"]["new"] == 1
    deleted = act("delete")
    assert deleted["next"]["card"] is None
    error_of(client.get(f"/api/v1/cards/{deleted['card']['id']}"), 404, "not_found")


def test_custom_study_when_the_deck_is_done(client: TestClient, clock: Clock) -> None:
    client.patch(f"/api/v1/decks/{_deck_id(client, 'Spanish')}/config", json={"new_per_day": 1})
    card = client.get(f"{S}/next", params={"deck": "Spanish"}).json()["card"]
    done = client.post(
        f"{S}/answer", json={"card_id": card["id"], "rating": "easy", "deck": "Spanish"}
    ).json()
    assert done["next"]["card"] is None
    more = client.post(f"{S}/custom", json={"deck": "Spanish", "kind": "new", "amount": 5})
    assert more.status_code == 201 and more.json()["cards"] == 2
    assert more.json()["session"] == "study"
    assert client.get(f"{S}/next", params={"deck": "Spanish"}).json()["queue"]["new"] == 2
    body = {"deck": "Spanish", "kind": "tag", "tags": ["animals"], "state": "all"}
    tagged = client.post(f"{S}/custom", json=body).json()
    assert (tagged["session"], tagged["cards"]) == ("custom", 2)
    session = client.get(f"{S}/next", params={"deck": "Spanish", "session": "custom"}).json()
    assert session["session"] == "custom" and "animals" in session["card"]["tags"]
    nothing = client.post(f"{S}/custom", json={"deck": "Spanish", "kind": "forgotten"})
    assert "no cards of Spanish" in error_of(nothing, 400, "invalid")["message"]
    assert client.delete(f"{S}/custom", params={"deck": "Spanish"}).status_code == 204


# -- decks ----------------------------------------------------------------------------------


def test_deck_tree_rename_and_inherited_options(client: TestClient) -> None:
    assert client.post("/api/v1/decks", json={"name": "Lang::Spanish::Verbs"}).status_code == 201
    tree = client.get("/api/v1/decks/tree").json()
    lang = next(n for n in tree if n["name"] == "Lang")
    assert [c["basename"] for c in lang["children"]] == ["Spanish"]
    lang_id = lang["id"]
    client.patch(f"/api/v1/decks/{lang_id}/config", json={"new_per_day": 4})
    verbs = next(d for d in client.get("/api/v1/decks").json() if d["name"].endswith("Verbs"))
    assert verbs["config"]["new_per_day"] == 4 and "new_per_day" in verbs["inherited"]
    renamed = client.patch(f"/api/v1/decks/{lang_id}", json={"name": "Languages"})
    assert renamed.json()["name"] == "Languages"
    names = {d["name"] for d in client.get("/api/v1/decks").json()}
    assert {"Languages::Spanish", "Languages::Spanish::Verbs"} <= names
    taken = client.patch(f"/api/v1/decks/{lang_id}", json={"name": "Maths"})
    error_of(taken, 409, "conflict")


def test_delete_a_deck_needs_its_name_and_takes_a_snapshot(
    client: TestClient, web_db: str | Path
) -> None:
    maths = _deck_id(client, "Maths")
    error_of(client.delete(f"/api/v1/decks/{maths}", params={"confirm": "yes"}), 400, "invalid")
    gone = client.delete(f"/api/v1/decks/{maths}", params={"confirm": "maths"})
    assert gone.status_code == 200, gone.text
    body = gone.json()
    assert body["decks"] == ["Maths"] and body["cards"] == 1
    if isinstance(web_db, Path):  # a file's snapshot; a PostgreSQL database has no file to copy
        backup = Path(body["backup"])
        assert backup.exists() and backup.parent == web_db.parent / "backups"
    else:
        assert body["backup"] is None
    assert "Maths" not in {d["name"] for d in client.get("/api/v1/decks").json()}


# -- Browse ---------------------------------------------------------------------------------


def test_browse_pages_through_every_card_with_a_cursor(client: TestClient) -> None:
    for n in range(12):
        client.post("/api/v1/notes", json={"deck": "Many", "front": f"word {n}", "back": "x"})
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 5, "order": "front", "reverse": True}
    while True:
        page = client.get("/api/v1/cards", params=params).json()
        assert page["total"] == len(SEED) + 12
        seen += [c["id"] for c in page["cards"]]
        if page["next"] is None:
            break
        params["after"] = page["next"]
    assert len(seen) == len(set(seen)) == len(SEED) + 12
    error_of(client.get("/api/v1/cards", params={"after": "bogus"}), 400, "invalid")


def test_bulk_action_on_every_card_of_a_search_but_some(client: TestClient) -> None:
    all_spanish = [c["id"] for c in client.get("/api/v1/cards", params={"q": "deck:Spanish"})
                   .json()["cards"]]  # fmt: skip
    body = {
        "action": "flag",
        "flag": 3,
        "search": {"q": "deck:Spanish"},
        "except_ids": all_spanish[:1],
    }
    done = client.post("/api/v1/cards/bulk", json=body).json()
    assert done["count"] == len(all_spanish) - 1
    green = {c["id"] for c in client.get("/api/v1/cards", params={"q": "flag:3"}).json()["cards"]}
    assert green == set(all_spanish[1:])


# -- errors speak of the page ---------------------------------------------------------------


def test_web_errors_give_no_command_line_advice(client: TestClient) -> None:
    missing = error_of(client.get("/api/v1/cards/9999"), 404, "not_found")
    assert missing["hint"] == "the Browse page lists every card"
    empty = error_of(client.post("/api/v1/decks", json={"name": "::"}), 400, "invalid")
    assert "--" not in str(empty) and "tokendeck" not in str(empty)
    note = client.post("/api/v1/notes", json={"deck": "A::", "front": "f", "back": "b"})
    assert "--deck" not in note.text


# -- slow work off the event loop -----------------------------------------------------------


@pytest.fixture
def plain_client(web_settings: WebSettings) -> Any:
    """A client that sees 202 "preparing" answers as they are (lexical similarities)."""
    app = create_app(web_settings)
    app.state.quiz_grader = Grader(use_embeddings=False)
    with local_client(app) as test_client:
        yield test_client


def test_a_deck_not_prepared_answers_preparing_then_the_question(plain_client: Any) -> None:
    card = plain_client.get(f"{S}/next", params={"deck": "Spanish"}).json()["card"]
    asked = plain_client.post(
        "/api/v1/quiz/questions", json={"card_id": card["id"], "format": "multiple_choice"}
    )
    assert asked.status_code == 202 and asked.headers["retry-after"] == "1"
    assert {"what", "stage", "done", "total", "seconds"} <= set(asked.json()["preparing"])
    deadline = time.monotonic() + 30
    while asked.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
        asked = plain_client.post(
            "/api/v1/quiz/questions", json={"card_id": card["id"], "format": "multiple_choice"}
        )
    assert asked.status_code == 200 and asked.json()["format"] == "multiple_choice"
    options = [o["text"] for o in asked.json()["options"]]
    assert len(options) == len(set(options)) == 3


def test_search_while_the_index_is_stale_scans_instead_of_waiting(plain_client: Any) -> None:
    lines = "".join(f"term{n},meaning {n}\n" for n in range(2100))  # a bulk import
    files = {"file": ("bulk.csv", lines.encode(), "text/csv")}
    done = plain_client.post("/api/v1/import", files=files, data={"deck": "Bulk"})
    assert done.status_code == 200, done.text
    found = plain_client.get("/api/v1/cards", params={"q": "term2099"}).json()
    assert [c["front"] for c in found["cards"]] == ["term2099"]
