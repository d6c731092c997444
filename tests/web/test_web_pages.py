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
        ("/settings", "Desired retention"),
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


def test_settings_page_shows_steps_as_written(client: TestClient) -> None:
    assert 'value="1m 10m"' in client.get("/settings").text
