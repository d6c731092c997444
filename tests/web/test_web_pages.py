"""Server-rendered pages: each renders, shows its data, and errors come as HTML pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Clock


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/", "Study now"),
        ("/study", "Show answer"),
        ("/browse", "Add a card"),
        ("/transfer", "Download"),
        ("/stats", "Due forecast"),
        ("/settings", "Study day"),
        ("/decks", "New deck"),
        ("/docs", "swagger-ui"),
    ],
)
def test_page_renders(client: TestClient, path: str, text: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert text in response.text


def test_home_shows_decks_streak_and_progress(client: TestClient, clock: Clock) -> None:
    for _ in range(2):
        card = client.get("/api/v1/study/next").json()["card"]
        client.post("/api/v1/study/answer", json={"card_id": card["id"], "rating": 4})
    page = client.get("/").text
    assert '<span class="num" id="streak">1</span>' in page
    assert '<span class="num" id="done-today">2</span>' in page
    assert "Spanish" in page and "Maths" in page


def test_card_page_shows_rendered_text(client: TestClient) -> None:
    card_id = client.get("/api/v1/cards", params={"q": "circle"}).json()["cards"][0]["id"]
    page = client.get(f"/cards/{card_id}").text
    assert "\\(\\pi r^2\\)" in page
    assert "Forgetting curve" in page


def test_missing_card_page_is_an_html_404(client: TestClient) -> None:
    response = client.get("/cards/9999", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "no card 9999" in response.text


def test_decks_page_shows_the_tree_with_counts_rolled_up(client: TestClient) -> None:
    client.post("/api/v1/notes", json={"deck": "Spanish::Verbs", "front": "ir", "back": "to go"})
    page = client.get("/decks").text
    spanish = page.index('data-deck-name="Spanish"')
    verbs = page.index('data-deck-name="Spanish::Verbs"')
    assert spanish < verbs and page.count('class="deck-tree"') == 1  # one nested list
    # Spanish: 4 new cards in all (3 of its own, 1 in Verbs)
    assert '<span class="visually-hidden">new </span>4</span>' in page[spanish:verbs]


def test_the_study_page_names_its_deck_and_an_unknown_deck_is_a_404(client: TestClient) -> None:
    assert 'id="deck-title" class="deck-title">Spanish' in client.get("/study?deck=spanish").text
    missing = client.get("/study?deck=Nope", headers={"accept": "text/html"})
    assert missing.status_code == 404 and "no deck" in missing.text
