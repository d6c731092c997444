"""Real Anki decks in a real headless Chromium (issue 11): pictures load, maths with the
deck's own macros typesets, sounds are playable, the deck's styling stays on the card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.test_web_media import import_decks

pytestmark = pytest.mark.browser

ALL_IMAGES_LOADED = """
(selector) => {
  const images = [...document.querySelectorAll(selector)];
  return images.length > 0 && images.every((i) => i.complete && i.naturalWidth > 0);
}
"""


@pytest.fixture
def web_db(tmp_path: Path) -> Path:
    path = tmp_path / "web.db"
    import_decks(path, "algebra", "anki-features", "major-system", "modern-card-themes")
    return path


def test_an_imported_decks_images_show_on_the_study_page(page: Any) -> None:
    page.goto("/study?deck=Algebra")
    for _ in range(10):  # the first cards of the deck, until one has a picture
        page.locator("#reveal").wait_for()
        page.keyboard.press("Space")
        page.locator("#ratings").wait_for()
        if page.locator("#card img").count():
            break
        done = page.locator("#progress").inner_text().split(" ")[0]
        page.keyboard.press("3")
        page.wait_for_function(
            f"!document.getElementById('progress').textContent.startsWith('{done} done')"
        )
    else:
        pytest.fail("no card with a picture among the first ten")
    page.wait_for_function(ALL_IMAGES_LOADED, arg="#card img:not([hidden])")
    widths = page.eval_on_selector_all("#card img", "(all) => all.map((i) => i.naturalWidth)")
    assert widths and all(w > 0 for w in widths)
    # Anki's answer side repeats the question: it replaces it rather than adding to it.
    assert page.locator("#question").is_hidden()


def test_an_svg_image_from_a_crowdanki_deck_shows_on_the_card_page(page: Any) -> None:
    # modern-card-themes: the note's field holds <img src="_flag_de.svg"> (a viewBox, no size).
    card = _card_with(page, "Flags", deck="\N{TEST TUBE} Test Deck")
    page.goto(f"/cards/{card['id']}")
    page.wait_for_function(ALL_IMAGES_LOADED, arg="#back img")
    widths = page.eval_on_selector_all("#back img", "(all) => all.map((i) => i.naturalWidth)")
    assert widths and all(w > 0 for w in widths)


def _card_with(page: Any, query: str, deck: str = "") -> dict[str, Any]:
    params = {"q": query, "limit": 50} | ({"deck": deck} if deck else {})
    found = page.request.get("/api/v1/cards", params=params).json()
    assert found["cards"], query
    card: dict[str, Any] = found["cards"][0]
    return card


def test_maths_with_the_decks_own_macros_typesets_without_errors(page: Any) -> None:
    card = _card_with(page, "Var")
    assert "\\Var" in card["front_html"] + card["back_html"]
    assert card["macros"].get("\\Var")
    page.goto(f"/cards/{card['id']}")
    page.wait_for_function("document.querySelectorAll('#back .katex').length > 0")
    assert page.locator("#front .katex-error, #back .katex-error").count() == 0
    assert "\\Var" not in page.locator("#back").inner_text()


def test_a_sound_is_playable_on_the_card_page(page: Any) -> None:
    card = _card_with(page, "", deck="Major System")
    page.goto(f"/cards/{card['id']}")
    page.locator("#back audio").first.wait_for(state="attached")
    played = page.evaluate(
        """async () => {
          const audio = document.querySelector('#back audio');
          const answer = await fetch(audio.src);
          const loaded = new Promise((done, failed) => {
            audio.addEventListener('loadedmetadata', () => done(audio.duration), { once: true });
            audio.addEventListener('error', () => failed(audio.error?.code), { once: true });
          });
          audio.preload = 'auto';
          audio.load();
          return [answer.status, answer.headers.get('content-type'), audio.controls, await loaded];
        }"""
    )
    status, kind, controls, duration = played
    assert (status, controls) == (200, True)
    assert kind.startswith("audio/") and duration > 0


def test_a_decks_stylesheet_styles_the_card_and_nothing_else(page: Any) -> None:
    # The Algebra deck's ".card { text-align: center; font-size: 20px }" is Anki's page body.
    card = _card_with(page, "", deck="Algebra")
    page.goto(f"/cards/{card['id']}")
    page.locator("#back").wait_for()
    css = page.evaluate("document.getElementById('card-style').textContent")
    assert ".td-card" in css and ".card" not in css.replace(".td-card", "")
    styles = page.evaluate(
        """() => ['#front', '#back', 'main', 'header'].map(
          (s) => getComputedStyle(document.querySelector(s)).textAlign)"""
    )
    assert styles[:2] == ["center", "center"]
    assert "center" not in styles[2:]


def test_an_unsure_import_shows_each_choice_and_imports_the_one_chosen(
    page: Any, tmp_path: Path
) -> None:
    from tests.test_faithful_import import half_and_half

    upload = tmp_path / "notes.txt"
    upload.write_text(half_and_half(), encoding="utf-8")
    page.goto("/transfer")
    page.locator("#import-file").set_input_files(str(upload))
    page.locator("#preview-button").click()
    page.locator("#preview-choices").wait_for()
    assert "Not sure how this file is laid out" in page.locator("#choices-note").inner_text()
    rows = page.locator("#choices-table tbody tr")
    assert rows.count() == 2
    texts = [rows.nth(i).inner_text() for i in range(2)]
    assert any(t.startswith("rawnotes") for t in texts)
    assert any("'/////'" in t for t in texts)
    page.locator("#choices-table button[data-choice]").first.click()
    page.wait_for_function("document.getElementById('import-format').value === 'rawnotes'")
    page.locator("#confirm-import").click()
    page.wait_for_function(
        "document.getElementById('import-status').textContent.startsWith('Imported: ')"
    )
    assert " added" in page.locator("#import-status").inner_text()


def test_a_quizlet_export_with_its_own_separator_previews_and_imports(
    page: Any, tmp_path: Path
) -> None:
    from tests.test_faithful_import import quizlet_text

    upload = tmp_path / "set.txt"
    upload.write_text(quizlet_text(), encoding="utf-8")
    page.goto("/transfer")
    page.locator("#import-file").set_input_files(str(upload))
    page.locator("#preview-button").click()
    page.locator("#import-preview").wait_for()
    assert "281 notes (quizlet)" in page.locator("#preview-summary").inner_text()
    page.locator("#confirm-import").click()
    page.wait_for_function(
        "document.getElementById('import-status').textContent.startsWith('Imported: 281 added')"
    )
