"""In-process tests of every JSON API endpoint and of the one error shape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import SEED, Clock


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the one JSON error shape and return its body."""
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert body["status"] == status
    assert body["code"] == code
    assert body["message"]
    return dict(body)


def card_ids(client: TestClient, query: str = "") -> list[int]:
    return [c["id"] for c in client.get("/api/v1/cards", params={"q": query}).json()["cards"]]


# -- decks ---------------------------------------------------------------------------------


def test_list_decks_with_counts(client: TestClient) -> None:
    decks = {d["name"]: d for d in client.get("/api/v1/decks").json()}
    assert set(decks) >= {"Spanish", "Maths"}
    assert decks["Spanish"]["counts"] == {"new": 3, "learning": 0, "due": 0, "total": 3}
    assert decks["Spanish"]["config"]["desired_retention"] == 0.9


def test_create_deck_then_conflict(client: TestClient) -> None:
    created = client.post("/api/v1/decks", json={"name": "French"})
    assert created.status_code == 201
    assert created.json()["name"] == "French"
    error_of(client.post("/api/v1/decks", json={"name": "french"}), 409, "conflict")


def test_get_deck_and_missing_deck(client: TestClient) -> None:
    deck_id = client.get("/api/v1/decks").json()[0]["id"]
    assert client.get(f"/api/v1/decks/{deck_id}").json()["id"] == deck_id
    body = error_of(client.get("/api/v1/decks/9999"), 404, "not_found")
    assert body["hint"]


def test_update_deck_config(client: TestClient) -> None:
    deck_id = client.get("/api/v1/decks").json()[0]["id"]
    changed = client.patch(
        f"/api/v1/decks/{deck_id}/config",
        json={"desired_retention": 0.85, "new_per_day": 5, "learning_steps": [60, 300]},
    )
    assert changed.status_code == 200, changed.text
    config = changed.json()["config"]
    assert (config["desired_retention"], config["new_per_day"]) == (0.85, 5)
    assert config["learning_steps"] == [60, 300]


def test_deck_config_out_of_range_is_400_with_field(client: TestClient) -> None:
    deck_id = client.get("/api/v1/decks").json()[0]["id"]
    body = error_of(
        client.patch(f"/api/v1/decks/{deck_id}/config", json={"desired_retention": 1.5}),
        400,
        "invalid",
    )
    assert body["details"][0]["field"] == "desired_retention"


def test_unknown_field_is_rejected(client: TestClient) -> None:
    body = error_of(
        client.post("/api/v1/decks", json={"name": "X", "colour": "red"}), 400, "invalid"
    )
    assert body["details"][0]["field"] == "colour"


def test_malformed_json_is_400(client: TestClient) -> None:
    response = client.post(
        "/api/v1/decks", content=b"{not json", headers={"content-type": "application/json"}
    )
    error_of(response, 400, "invalid")


# -- notes and cards -----------------------------------------------------------------------


def test_create_note_with_reverse_makes_two_cards(client: TestClient) -> None:
    created = client.post(
        "/api/v1/notes",
        json={"deck": "French", "front": "le chien", "back": "the dog", "reverse": True,
              "tags": ["animals"]},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["kind"] == "basic_reversed"
    assert note["tags"] == ["animals"]
    cards = client.get("/api/v1/cards", params={"deck": "French"}).json()
    assert cards["total"] == 2
    assert {c["front"] for c in cards["cards"]} == {"le chien", "the dog"}


def test_an_edit_from_a_page_loaded_before_another_change_is_409(client: TestClient) -> None:
    card = client.get("/api/v1/cards", params={"q": "perro"}).json()["cards"][0]
    loaded = client.get(f"/api/v1/notes/{card['note_id']}").json()
    url = f"/api/v1/notes/{card['note_id']}"
    other_tab = client.patch(url, json={"back": "tab one", "modified_at": loaded["modified_at"]})
    assert other_tab.status_code == 200
    stale = client.patch(url, json={"back": "tab two", "modified_at": loaded["modified_at"]})
    assert "changed elsewhere" in error_of(stale, 409, "conflict")["message"]
    assert client.get(url).json()["back"] == "tab one"
    again = client.patch(
        url, json={"back": "tab one, again", "modified_at": other_tab.json()["modified_at"]}
    )
    assert again.status_code == 200, again.text


def test_create_note_with_empty_back_is_400(client: TestClient) -> None:
    error_of(
        client.post("/api/v1/notes", json={"deck": "X", "front": "q", "back": " "}), 400, "invalid"
    )


def test_get_edit_and_delete_note(client: TestClient) -> None:
    card = client.get("/api/v1/cards", params={"q": "perro"}).json()["cards"][0]
    note_id = card["note_id"]
    assert client.get(f"/api/v1/notes/{note_id}").json()["front"] == "el perro"
    edited = client.patch(f"/api/v1/notes/{note_id}", json={"back": "the **dog**", "tags": ["x"]})
    assert edited.json()["back"] == "the **dog**"
    assert (
        client.get(f"/api/v1/cards/{card['id']}").json()["back_html"]
        == "<p>the <strong>dog</strong></p>"
    )
    assert client.delete(f"/api/v1/notes/{note_id}").status_code == 204
    error_of(client.get(f"/api/v1/notes/{note_id}"), 404, "not_found")
    error_of(client.patch(f"/api/v1/notes/{note_id}", json={"back": "y"}), 404, "not_found")
    error_of(client.delete(f"/api/v1/notes/{note_id}"), 404, "not_found")


def test_search_filters_and_paging(client: TestClient) -> None:
    assert client.get("/api/v1/cards").json()["total"] == len(SEED)
    assert client.get("/api/v1/cards", params={"tag": "animals"}).json()["total"] == 2
    assert client.get("/api/v1/cards", params={"q": "deck:Maths"}).json()["total"] == 1
    assert client.get("/api/v1/cards", params={"state": "review"}).json()["total"] == 0
    page = client.get("/api/v1/cards", params={"limit": 2, "offset": 2, "order": "front"}).json()
    assert (page["total"], len(page["cards"]), page["offset"]) == (4, 2, 2)


def test_search_bad_parameters_are_400(client: TestClient) -> None:
    error_of(client.get("/api/v1/cards", params={"state": "sleepy"}), 400, "invalid")
    error_of(client.get("/api/v1/cards", params={"order": "colour"}), 400, "invalid")
    error_of(client.get("/api/v1/cards", params={"q": '"unbalanced'}), 400, "invalid")


def test_card_renders_math_for_katex(client: TestClient) -> None:
    card = client.get("/api/v1/cards", params={"q": "circle"}).json()["cards"][0]
    assert card["back_html"] == '<p><span class="math math-inline">\\(\\pi r^2\\)</span></p>'


def test_get_and_delete_card(client: TestClient) -> None:
    card_id = card_ids(client, "gato")[0]
    assert client.get(f"/api/v1/cards/{card_id}").json()["front"] == "el gato"
    assert client.delete(f"/api/v1/cards/{card_id}").status_code == 204
    error_of(client.get(f"/api/v1/cards/{card_id}"), 404, "not_found")
    error_of(client.delete(f"/api/v1/cards/{card_id}"), 404, "not_found")


def test_card_info_after_answers_has_history_and_curve(client: TestClient, clock: Clock) -> None:
    card_id = card_ids(client, "perro")[0]
    client.post("/api/v1/study/answer", json={"card_id": card_id, "rating": "good"})
    clock.advance(days=3)
    client.post("/api/v1/study/answer", json={"card_id": card_id, "rating": 3})
    info = client.get(f"/api/v1/cards/{card_id}/info").json()
    assert [r["rating"] for r in info["history"]] == [3, 3]
    assert 0.0 < info["retrievability"] <= 1.0
    curve = info["forgetting_curve"]
    assert len(curve["times"]) == len(curve["recall"]) > 10
    assert curve["recall"][0] == pytest.approx(1.0)
    error_of(client.get("/api/v1/cards/9999/info"), 404, "not_found")


def test_preview_renders_sanitised_markdown(client: TestClient) -> None:
    html = client.post("/api/v1/preview", json={"text": "*hi* <script>x()</script>"}).json()["html"]
    assert html == "<p><em>hi</em> </p>"


# -- bulk actions --------------------------------------------------------------------------


def test_bulk_suspend_and_unsuspend(client: TestClient) -> None:
    ids = card_ids(client, "tag:animals")
    done = client.post("/api/v1/cards/bulk", json={"action": "suspend", "card_ids": ids}).json()
    assert done == {"action": "suspend", "count": 2}
    assert client.get("/api/v1/cards", params={"q": "is:suspended"}).json()["total"] == 2
    client.post("/api/v1/cards/bulk", json={"action": "unsuspend", "card_ids": ids})
    assert client.get("/api/v1/cards", params={"q": "is:suspended"}).json()["total"] == 0


def test_bulk_move_tag_untag_delete(client: TestClient) -> None:
    ids = card_ids(client, "tag:animals")
    moved = client.post(
        "/api/v1/cards/bulk", json={"action": "move", "card_ids": ids, "deck": "Pets"}
    )
    assert moved.status_code == 200, moved.text
    assert client.get("/api/v1/cards", params={"deck": "Pets"}).json()["total"] == 2
    client.post("/api/v1/cards/bulk", json={"action": "tag", "card_ids": ids, "tags": ["pets"]})
    assert client.get("/api/v1/cards", params={"tag": "pets"}).json()["total"] == 2
    client.post("/api/v1/cards/bulk", json={"action": "untag", "card_ids": ids, "tags": ["pets"]})
    assert client.get("/api/v1/cards", params={"tag": "pets"}).json()["total"] == 0
    client.post("/api/v1/cards/bulk", json={"action": "delete", "card_ids": ids})
    assert client.get("/api/v1/cards").json()["total"] == len(SEED) - 2


def test_bulk_bury_and_reset(client: TestClient) -> None:
    card_id = card_ids(client, "casa")[0]
    client.post("/api/v1/study/answer", json={"card_id": card_id, "rating": 4})
    assert client.get(f"/api/v1/cards/{card_id}").json()["state"] == "review"
    client.post("/api/v1/cards/bulk", json={"action": "reset", "card_ids": [card_id]})
    assert client.get(f"/api/v1/cards/{card_id}").json()["state"] == "new"
    client.post("/api/v1/cards/bulk", json={"action": "bury", "card_ids": [card_id]})
    assert client.get(f"/api/v1/cards/{card_id}").json()["buried"] is True


def test_bulk_errors(client: TestClient) -> None:
    ids = card_ids(client)
    error_of(
        client.post("/api/v1/cards/bulk", json={"action": "move", "card_ids": ids}), 400, "invalid"
    )
    error_of(
        client.post("/api/v1/cards/bulk", json={"action": "tag", "card_ids": ids}), 400, "invalid"
    )
    error_of(
        client.post("/api/v1/cards/bulk", json={"action": "fold", "card_ids": ids}), 400, "invalid"
    )
    error_of(
        client.post("/api/v1/cards/bulk", json={"action": "suspend", "card_ids": []}),
        400,
        "invalid",
    )
    error_of(
        client.post("/api/v1/cards/bulk", json={"action": "suspend", "card_ids": [999]}),
        404,
        "not_found",
    )


# -- study ---------------------------------------------------------------------------------


def test_next_card_has_buttons_with_intervals(client: TestClient) -> None:
    study = client.get("/api/v1/study/next").json()
    assert study["card"] is not None
    assert [b["name"] for b in study["buttons"]] == ["again", "hard", "good", "easy"]
    assert all(b["interval"] for b in study["buttons"])
    assert study["buttons"][0]["interval"] == "<1m"  # the first learning step
    assert study["queue"] == {"new": 4, "learning": 0, "review": 0}


def test_answer_returns_next_card_and_queue_shrinks(client: TestClient) -> None:
    first = client.get("/api/v1/study/next", params={"deck": "Spanish"}).json()
    answered = client.post(
        "/api/v1/study/answer",
        json={
            "card_id": first["card"]["id"],
            "rating": "easy",
            "duration_ms": 1200,
            "deck": "Spanish",
        },
    ).json()
    assert answered["card"]["state"] == "review"
    assert answered["leech"] is False
    assert answered["next"]["card"]["id"] != first["card"]["id"]
    assert answered["next"]["queue"]["new"] == 2


def test_an_answer_naming_an_unknown_deck_is_refused_before_it_is_recorded(
    client: TestClient,
) -> None:
    card_id = client.get("/api/v1/study/next").json()["card"]["id"]
    body = {"card_id": card_id, "rating": "good", "deck": "No such deck"}
    error_of(client.post("/api/v1/study/answer", json=body), 404, "not_found")
    assert client.get(f"/api/v1/cards/{card_id}").json()["reps"] == 0  # a retry answers once


def test_finishing_the_queue_reports_next_due(client: TestClient) -> None:
    for _ in range(len(SEED)):
        card = client.get("/api/v1/study/next").json()["card"]
        client.post("/api/v1/study/answer", json={"card_id": card["id"], "rating": 4})
    done = client.get("/api/v1/study/next").json()
    assert done["card"] is None
    assert done["buttons"] == []
    assert done["next_due"] is not None


def test_undo_restores_the_card(client: TestClient) -> None:
    card_id = client.get("/api/v1/study/next").json()["card"]["id"]
    client.post("/api/v1/study/answer", json={"card_id": card_id, "rating": 3})
    undone = client.post("/api/v1/study/undo").json()
    assert undone["card"]["id"] == card_id
    assert undone["card"]["state"] == "new"
    error_of(client.post("/api/v1/study/undo"), 409, "nothing_to_undo")


def test_answer_errors(client: TestClient) -> None:
    card_id = card_ids(client)[0]
    error_of(
        client.post("/api/v1/study/answer", json={"card_id": 999, "rating": 3}), 404, "not_found"
    )
    error_of(
        client.post("/api/v1/study/answer", json={"card_id": card_id, "rating": 7}), 400, "invalid"
    )
    error_of(
        client.post("/api/v1/study/answer", json={"card_id": card_id, "rating": "meh"}),
        400,
        "invalid",
    )
    error_of(client.post("/api/v1/study/answer", json={"rating": 3}), 400, "invalid")
    error_of(client.get("/api/v1/study/next", params={"deck": "Nope"}), 404, "not_found")


# -- settings and stats --------------------------------------------------------------------


def test_settings_round_trip_and_validation(client: TestClient) -> None:
    assert client.get("/api/v1/settings").json() == {"rollover_hour": 4, "timezone": "UTC"}
    changed = client.patch(
        "/api/v1/settings", json={"rollover_hour": 5, "timezone": "Europe/Berlin"}
    )
    assert changed.json() == {"rollover_hour": 5, "timezone": "Europe/Berlin"}
    error_of(client.patch("/api/v1/settings", json={"rollover_hour": 24}), 400, "invalid")
    error_of(client.patch("/api/v1/settings", json={"timezone": "Mars/Olympus"}), 400, "invalid")


def test_stats_after_some_study(client: TestClient, clock: Clock) -> None:
    for rating in (3, 4, 1):
        card = client.get("/api/v1/study/next").json()["card"]
        client.post("/api/v1/study/answer", json={"card_id": card["id"], "rating": rating})
    stats = client.get("/api/v1/stats").json()
    assert stats["total_reviews"] == 3
    assert stats["total_cards"] == len(SEED)
    assert stats["daily"]["total"][-1] == 3
    assert stats["daily"]["by_kind"]["learn"][-1] == 3
    assert stats["buttons"]["learning"] == [1, 0, 1, 1]
    assert stats["states"]["new"] == 1
    assert sum(stats["forecast"]) >= 2
    assert stats["hourly"]["count"][15] == 3
    assert stats["streak"] == {"streak_days": 1, "reviews_today": 3}
    assert len(stats["retention"]) == 4
    assert sum(stats["histograms"]["stability"]["counts"]) == 3


def test_stats_for_one_deck(client: TestClient) -> None:
    stats = client.get("/api/v1/stats", params={"deck": "Maths"}).json()
    assert stats["total_cards"] == 1
    error_of(client.get("/api/v1/stats", params={"deck": "Nope"}), 404, "not_found")


# -- docs and generic errors ---------------------------------------------------------------


def test_openapi_lists_every_resource(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    wanted = ("decks", "notes", "cards", "study/answer", "import", "export", "stats", "settings")
    for path in wanted:
        assert f"/api/v1/{path}" in paths


def test_docs_page_uses_no_cdn(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower()
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_unknown_route_and_method(client: TestClient) -> None:
    error_of(client.get("/api/v1/nothing"), 404, "not_found")
    error_of(client.put("/api/v1/decks"), 405, "method_not_allowed")


def test_check_finds_nothing_in_a_sound_collection_and_looks_only_when_asked(
    client: TestClient,
) -> None:
    report = client.post("/api/v1/check").json()
    assert report == {"ok": True, "findings": []}
    assert client.post("/api/v1/check", params={"repair": "false"}).status_code == 200
