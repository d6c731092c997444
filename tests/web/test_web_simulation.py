"""The statistics page's simulation: the API endpoint in process, the chart in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import SCREENSHOTS, SEED, START
from tests.web.test_web_api import error_of
from tokendeck.collection import Collection
from tokendeck.memory.fsrs6 import DEFAULT_PARAMETERS

#: Parameters as if ``tokendeck optimize`` had stored them on Spanish (defaults nudged).
FITTED = (*(round(w * 1.1, 4) for w in DEFAULT_PARAMETERS[:20]), DEFAULT_PARAMETERS[20])


def test_simulation_with_default_parameters_says_so(client: TestClient) -> None:
    sim = client.get("/api/v1/stats/simulation").json()
    assert sim["parameters"] == "default"
    assert sim["fitted_at"] is None and sim["review_count"] is None
    assert sim["deck_size"] == len(SEED) and sim["days"] == 365
    retentions = [p["desired_retention"] for p in sim["points"]]
    assert retentions[0] == 0.7 and retentions[-1] == 0.95 and len(retentions) == 11
    assert sim["recommended_retention"] in retentions
    # aiming higher keeps more cards in memory
    shares = [p["remembered_share"] for p in sim["points"]]
    assert shares[-1] > shares[0] and all(0 < s <= 1 for s in shares)
    assert all(p["minutes_per_day"] > 0 for p in sim["points"])


def test_simulation_uses_the_decks_fitted_parameters(
    client: TestClient, web_db: str | Path
) -> None:
    before = client.get("/api/v1/stats/simulation", params={"deck": "Spanish"}).json()
    with Collection.open(web_db, now=START, install_builtin=False) as col:
        col.update_deck(
            col.deck("Spanish").id,
            now=START,
            fsrs_parameters=FITTED,
            fsrs_fitted_at="2026-11-20T10:00:00+00:00",
            fsrs_review_count=1234,
            desired_retention=0.85,
        )
    sim = client.get("/api/v1/stats/simulation", params={"deck": "Spanish"}).json()
    assert sim["parameters"] == "fitted" and sim["review_count"] == 1234
    assert sim["fitted_at"].startswith("2026-11-20")
    assert sim["deck"] == "Spanish" and sim["deck_size"] == 3
    assert sim["desired_retention"] == 0.85
    assert sim["points"] != before["points"]  # the fitted parameters were used
    maths = client.get("/api/v1/stats/simulation", params={"deck": "Maths"}).json()
    assert maths["parameters"] == "default" and maths["deck_size"] == 1


def test_simulation_is_repeatable(client: TestClient) -> None:
    first = client.get("/api/v1/stats/simulation", params={"days": 60}).json()
    assert first == client.get("/api/v1/stats/simulation", params={"days": 60}).json()
    assert first["days"] == 60


def test_simulation_errors(client: TestClient) -> None:
    error_of(client.get("/api/v1/stats/simulation", params={"deck": "Nope"}), 404, "not_found")
    response = client.get("/api/v1/stats/simulation", params={"days": 5})
    error_of(response, 400, "invalid")
    assert "days" in response.text


def test_simulation_is_in_the_openapi_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/stats/simulation" in schema["paths"]
    assert "SimulationOut" in schema["components"]["schemas"]


# -- in the browser ---------------------------------------------------------------------------
@pytest.mark.browser
def test_simulation_chart_draws_on_request_and_stays_accessible(page: Any) -> None:
    from tests.web.test_web_accessibility import serious_violations

    page.goto("/stats")
    page.wait_for_function("document.body.dataset.statsReady === 'true'")
    assert page.locator("#simulation canvas").count() == 0  # nothing computed until asked
    page.locator("#simulate").click()
    page.wait_for_function("document.body.dataset.simulationReady === 'true'")
    assert page.locator("#simulation canvas").count() >= 1
    assert float(page.locator("#simulation").get_attribute("data-total") or 0) > 0
    description = page.locator("#d-simulation").text_content() or ""
    assert "default parameters" in description and "Recommended desired retention" in description
    assert page.locator("#simulation-status").text_content() == (
        "Simulated with the default parameters."
    )
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#simulation").scroll_into_view_if_needed()
    page.locator("section:has(#simulation)").screenshot(
        path=str(SCREENSHOTS / "stats-simulation.png")
    )
