"""End-to-end tests in a real headless Chromium: keyboard study, editing, import, statistics."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import SEED, local_client

pytestmark = pytest.mark.browser


def test_study_a_card_by_keyboard_alone(page: Any) -> None:
    page.goto("/study")
    reveal = page.locator("#reveal")
    reveal.wait_for()
    assert page.evaluate("document.activeElement.id") == "reveal"
    question = page.locator("#question").inner_text()
    page.keyboard.press("Space")
    page.locator("#ratings").wait_for()
    assert page.locator("#reveal").is_hidden()
    # Focus moves to the revealed answer and the live region says what happened.
    assert page.evaluate("document.activeElement.id") == "answer"
    page.wait_for_function(
        "document.getElementById('announcer').textContent.includes('Answer shown')"
    )
    assert page.locator("#ratings button").count() == 4
    assert page.get_by_role("button", name=re.compile(r"^Again.*next review in\s*<1m")).is_visible()
    page.keyboard.press("3")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('1 done')")
    assert page.locator("#question").inner_text() != question
    page.wait_for_function("document.getElementById('announcer').textContent.startsWith('Good')")
    # u takes the answer back: the first card returns.
    page.keyboard.press("u")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('0 done')")
    assert page.locator("#question").inner_text() == question


def test_study_through_every_card_shows_summary(page: Any) -> None:
    page.goto("/study")
    for number in range(1, len(SEED) + 1):
        page.locator("#reveal").wait_for()
        page.keyboard.press("Enter")
        page.locator("#ratings").wait_for()
        page.keyboard.press("4")
        page.wait_for_function(
            f"document.getElementById('progress').textContent.startsWith('{number} done')"
        )
    page.locator("#summary").wait_for()
    assert f"You studied {len(SEED)} cards" in page.locator("#summary-text").inner_text()


def test_edit_a_card_while_studying(page: Any) -> None:
    page.goto("/study")
    page.locator("#reveal").wait_for()
    page.keyboard.press("e")
    front = page.locator("#edit-front")
    assert page.evaluate("document.activeElement.id") == "edit-front"
    front.fill("Edited **front**")
    page.locator("#edit-form button[type=submit]").click()
    page.wait_for_function(
        "document.getElementById('question').innerHTML.includes('<strong>front</strong>')"
    )


def test_edit_a_card_on_its_info_page(page: Any, client_for: Any) -> None:
    card_id = client_for().get("/api/v1/cards", params={"q": "perro"}).json()["cards"][0]["id"]
    page.goto(f"/cards/{card_id}")
    page.locator("#edit-back").fill("the dog, $x^2$")
    page.locator("#edit-form button[type=submit]").click()
    page.wait_for_function("document.getElementById('edit-status').textContent === 'Saved.'")
    page.locator("#back .katex").wait_for()  # math typeset by the vendored KaTeX
    assert client_for().get(f"/api/v1/cards/{card_id}").json()["back"] == "the dog, $x^2$"


def test_add_card_with_live_preview(page: Any) -> None:
    page.goto("/browse#add")
    page.locator("#add-front").fill("Euler: $e^{i\\pi}+1=0$")
    page.locator("#preview-front .katex").wait_for()
    page.locator("#add-back").fill("identity")
    page.locator("#add-form button[type=submit]").click()
    page.wait_for_function(
        f"document.getElementById('result-count').textContent.startsWith('{len(SEED) + 1} cards')"
    )


def test_import_a_file_with_preview_then_confirm(page: Any, tmp_path: Path) -> None:
    upload = tmp_path / "words.csv"
    upload.write_text("hola,hello\nadiós,goodbye\n", encoding="utf-8")
    page.goto("/transfer")
    page.locator("#import-file").set_input_files(str(upload))
    page.locator("#import-deck").fill("Greetings")
    page.locator("#preview-button").click()
    page.locator("#import-preview").wait_for()
    assert "2 notes" in page.locator("#preview-summary").inner_text()
    assert page.locator("#preview-table tbody tr").count() == 2
    page.locator("#confirm-import").click()
    page.wait_for_function(
        "document.getElementById('import-status').textContent.startsWith('Imported: 2 added')"
    )
    page.goto("/browse?q=deck:Greetings")
    page.wait_for_function(
        "document.getElementById('result-count').textContent.startsWith('2 cards')"
    )


def test_import_pasted_quizlet_text(page: Any) -> None:
    page.goto("/transfer")
    page.locator("#preview-button").click()  # nothing chosen: said, nothing sent
    page.wait_for_function(
        "document.getElementById('import-status').textContent.includes('paste the text')"
    )
    page.locator("#import-text").fill("perro/////dog, a pet\ngato/////cat\nsol/////sun")
    page.locator("#import-deck").fill("Pasted")
    page.locator("#preview-button").click()
    page.locator("#import-preview").wait_for()
    assert "3 notes (quizlet)" in page.locator("#preview-summary").inner_text()
    page.locator("#confirm-import").click()
    page.wait_for_function(
        "document.getElementById('import-status').textContent.startsWith('Imported: 3 added')"
    )


def test_statistics_charts_have_data(page: Any) -> None:
    page.goto("/study")
    for _ in range(2):
        page.locator("#reveal").wait_for()
        page.keyboard.press("Space")
        page.locator("#ratings").wait_for()
        page.keyboard.press("3")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('2 done')")
    page.goto("/stats")
    page.wait_for_function("document.body.dataset.statsReady === 'true'")
    totals = page.locator(".plot, .heatmap").evaluate_all(
        "els => Object.fromEntries(els.map(e => [e.id, Number(e.dataset.total || 0)]))"
    )
    for chart in (
        "forecast",
        "heatmap",
        "daily",
        "buttons",
        "states",
        "h-stability",
        "h-difficulty",
        "hourly",
    ):
        assert totals[chart] > 0, f"chart {chart} has no data: {totals}"
    assert page.locator(".plot canvas").count() >= 8
    assert page.locator("#retention tbody tr").count() == 4


@pytest.fixture
def client_for(web_settings: Any) -> Any:
    """Make in-process API calls against the same collection file as the live server."""
    from tokendeck.web.app import create_app

    clients: list[TestClient] = []

    def make() -> TestClient:
        client = local_client(create_app(web_settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
