"""The study page on a phone and a desktop, deck management, custom study, Browse paging and
Learn feedback, in a real headless Chromium (issue 12). Screenshots go to artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import SCREENSHOTS, START
from tests.web.test_web_accessibility import serious_violations
from tokendeck.collection import Collection

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BUILTIN = "LLM Vocabulary"


@pytest.fixture
def web_db(web_db: Path) -> Path:
    """The seeded collection plus the built-in deck (its first card is T5, with a long
    answer), nested decks and a deck of forty cards."""
    from tokendeck.builtin.deck import load_builtin

    with Collection.open(web_db, now=START, install_builtin=False) as col:
        col.import_package(load_builtin().package, now=START)
        for deck, front in (("Lang::Spanish", "el sol"), ("Lang::French", "le soleil")):
            col.add_note(deck, front, "the sun", now=START, tags=("sky",))
        for n in range(40):  # more than one page of Browse
            col.add_note("Numbers", f"number {n}", str(n), now=START)
    return web_db


def _page(browser: Any, live_server: str, viewport: dict[str, int], theme: str = "light") -> Any:
    # bypass_csp: Playwright's waits evaluate strings, which the pages' policy forbids (the
    # pages themselves are checked under the policy in test_web_origins.py)
    context = browser.new_context(
        base_url=live_server, viewport=viewport, color_scheme=theme, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


def _shot(page: Any, name: str, full: bool = False) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    return path


def _inside_viewport(page: Any, selector: str) -> list[str]:
    """Elements matching ``selector`` that are not wholly on screen."""
    size = page.viewport_size
    outside = []
    for element in page.locator(selector).all():
        box = element.bounding_box()
        inside = box is not None and (
            box["x"] >= 0
            and box["y"] >= 0
            and box["x"] + box["width"] <= size["width"]
            and box["y"] + box["height"] <= size["height"]
        )
        if not inside:
            outside.append(f"{element.inner_text()!r}: {box}")
    return outside


@pytest.mark.parametrize(("size", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_rating_buttons_stay_on_screen_after_revealing_the_t5_card(
    browser: Any, live_server: str, size: str, viewport: dict[str, int], theme: str
) -> None:
    page = _page(browser, live_server, viewport, theme)
    page.goto(f"/study?deck={BUILTIN}")
    page.locator("#reveal:not([hidden])").wait_for()
    assert "T5" in page.locator("#question").inner_text()
    assert page.locator("#deck-title").inner_text().startswith(BUILTIN)
    page.locator("#reveal").click()
    page.locator("#ratings button").first.wait_for()
    assert page.locator("#ratings button").count() == 4
    assert _inside_viewport(page, "#ratings button") == []
    # the long answer scrolls inside the card, not the page
    card = page.locator("#card")
    assert card.evaluate("el => el.scrollHeight > el.clientHeight")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    _shot(page, f"study-t5-answer-{size}-{theme}")
    assert serious_violations(page) == []
    page.keyboard.press("3")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('1 done')")
    assert page.locator("#count-new").inner_text() == "16"  # counts go down as you answer
    assert page.errors == []
    page.context.close()


def test_flag_suspend_and_ctrl_enter_edit_on_the_study_page(browser: Any, live_server: str) -> None:
    page = _page(browser, live_server, PHONE)
    page.goto("/study?deck=Spanish")
    page.locator("#reveal:not([hidden])").wait_for()
    first = page.locator("#question").inner_text()
    page.keyboard.press("f")
    page.keyboard.press("4")
    page.locator("#flag-note:not([hidden])").wait_for()
    assert page.locator("#flag-note").inner_text() == "Flagged blue"
    assert page.locator("#card").get_attribute("data-flag") == "4"
    page.keyboard.press("e")
    page.locator("#edit-back").fill("the **dog**")
    page.locator("#edit-back").press("Control+Enter")
    page.locator("#edit-form").wait_for(state="hidden")
    page.keyboard.press("Space")
    page.wait_for_function("document.getElementById('answer').innerHTML.includes('<strong>dog')")
    page.locator("#more > summary").click()
    page.locator("#suspend").click()
    page.wait_for_function(
        f"document.getElementById('question').innerText !== {first!r}"
        " && document.getElementById('count-new').textContent === '2'"
    )
    assert "suspended" in page.locator("#status").inner_text()
    assert page.errors == []
    page.context.close()


def test_custom_study_when_a_deck_is_done(browser: Any, live_server: str) -> None:
    page = _page(browser, live_server, PHONE)
    page.goto("/study?deck=Lang")
    for done in (1, 2):
        page.locator("#reveal:not([hidden])").wait_for()
        page.keyboard.press("Space")
        page.keyboard.press("4")
        page.wait_for_function(
            f"document.getElementById('progress').textContent.startsWith('{done} done')"
        )
    page.locator("#summary").wait_for()
    assert page.locator("#custom-form").is_visible()
    page.locator('#custom-form input[value="tag"]').check()
    page.locator("#custom-tags").fill("sky")
    _shot(page, "custom-study-phone", full=True)
    assert serious_violations(page) == []
    page.locator("#custom-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"session=custom"))
    page.locator("#reveal:not([hidden])").wait_for()
    assert "custom study" in page.locator("#deck-title").inner_text()
    assert page.errors == []
    page.context.close()


def test_deck_tree_rename_options_and_delete(browser: Any, live_server: str) -> None:
    page = _page(browser, live_server, PHONE)
    page.goto("/decks")
    lang = page.locator('.deck-node[data-deck-name="Lang"]')
    assert lang.locator(".deck-node").count() == 2  # French and Spanish under Lang
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "deck-tree-phone", full=True)
    # options: Lang's new cards per day, which its subdecks inherit
    lang.locator(":scope > .deck-row .deck-options-open").click()
    page.locator("#opt-new_per_day").fill("7")
    with page.expect_navigation():  # the page reloads with the new options
        page.locator("#options-form button[type=submit]").click()
    spanish = page.locator('.deck-node[data-deck-name="Lang::Spanish"]')
    spanish.locator(":scope > .deck-row .deck-options-open").click()
    page.wait_for_function("document.getElementById('opt-new_per_day').value === '7'")
    assert page.locator('input[name="inherit-new_per_day"]').is_checked()
    page.locator("#options-dialog .dialog-cancel").click()
    # rename Lang: its subdecks move along
    lang.locator(":scope > .deck-row .deck-rename").click()
    page.locator("#rename-name").fill("Languages")
    page.locator("#rename-form button[type=submit]").click()
    page.locator('.deck-node[data-deck-name="Languages::French"]').wait_for()
    # delete asks for the deck's name
    languages = page.locator('.deck-node[data-deck-name="Languages"]')
    languages.locator(":scope > .deck-row .deck-delete").click()
    page.locator("#delete-confirm").fill("Languages")
    page.locator("#delete-form button[type=submit]").click()
    page.wait_for_function(
        "document.getElementById('decks-status').textContent.startsWith('Deleted Languages')"
    )
    assert page.locator('.deck-node[data-deck-name="Languages"]').count() == 0
    assert page.errors == []
    page.context.close()


def test_browse_pages_and_selects_across_pages(browser: Any, live_server: str) -> None:
    page = _page(browser, live_server, DESKTOP)
    page.goto("/browse")
    page.locator("#cards tbody tr").first.wait_for()
    page.locator("#page-size").select_option("50")
    page.wait_for_function("document.getElementById('page-label').textContent.startsWith('1–')")
    total = int(page.locator("#result-count").inner_text().split()[0])
    assert total > 50
    page.locator("#cards .pick").first.check()
    page.locator("#next-page").click()
    page.wait_for_function("document.getElementById('page-label').textContent.startsWith('51–')")
    page.locator("#cards .pick").first.check()
    assert page.locator("#selection-count").inner_text().startswith("2 cards selected")
    page.locator("#select-matching").click()
    page.locator("#cards .pick").first.uncheck()
    assert page.locator("#selection-count").inner_text().startswith(f"{total - 1} cards")
    page.locator("#bulk-action").select_option("flag")
    page.locator("#bulk-flag").select_option("3")
    page.locator("#bulk-apply").click()
    page.wait_for_function(
        f"document.getElementById('result-count').textContent.startsWith('flag: {total - 1}')"
    )
    page.locator("#q").fill("flag:3")
    page.locator("#search button[type=submit]").click()
    page.wait_for_function(
        f"document.getElementById('result-count').textContent.startsWith('{total - 1} cards')"
    )
    assert page.errors == []
    page.context.close()


def test_an_edit_clashing_with_another_tab_keeps_the_text_and_saves_nothing(
    browser: Any, live_server: str
) -> None:
    import httpx

    page = _page(browser, live_server, PHONE)
    page.goto("/study?deck=Lang::Spanish")
    page.locator("#reveal:not([hidden])").wait_for()
    assert page.locator("#question").inner_text().strip() == "el sol"
    page.keyboard.press("e")
    page.locator("#edit-back").fill("the sun (mine)")
    # Meanwhile another tab saves the same note.
    api = httpx.Client(base_url=f"{live_server}/api/v1", headers={"Origin": live_server})
    note_id = api.get("/cards", params={"q": '"el sol"'}).json()["cards"][0]["note_id"]
    assert api.patch(f"/notes/{note_id}", json={"back": "the sun (theirs)"}).status_code == 200
    page.locator("#edit-back").press("Control+Enter")
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('changed elsewhere')"
    )
    assert page.locator("#edit-form").is_visible()  # the learner's text is still there
    assert page.locator("#edit-back").input_value() == "the sun (mine)"
    assert api.get(f"/notes/{note_id}").json()["back"] == "the sun (theirs)"
    assert page.errors == []
    page.context.close()
