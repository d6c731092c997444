"""axe-core accessibility check of every page, and screenshots at desktop and phone width."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import AXE, SCREENSHOTS, START
from tokendeck.collection import Collection

pytestmark = pytest.mark.browser

#: page name -> (path, a selector that shows the page has finished drawing)
PAGES = {
    "home": ("/", ".deck-tree"),
    "study": ("/study", "#reveal:not([hidden])"),
    "study-answer": ("/study", "#reveal:not([hidden])"),
    "browse": ("/browse", "#cards tbody tr"),
    "card": ("/cards/1", "#history"),
    "import-export": ("/transfer", "#import-form"),
    "statistics": ("/stats", "body[data-stats-ready=true]"),
    "settings": ("/settings", "#general"),
    "decks": ("/decks", ".deck-tree"),
}
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def web_db(web_db: str | Path) -> str | Path:
    """The seeded collection plus a month of study history, so the charts have data."""
    first = START - timedelta(days=30)
    with Collection.open(web_db, now=first, install_builtin=False) as col:
        for i in range(12):
            col.add_note("History", f"term {i}", f"meaning **{i}**", now=first)
        for day in range(30):
            when = first + timedelta(days=day, hours=9 + day % 8)
            for n in range(15):
                shown = col.next_card(when, "History")
                if shown is None:
                    break
                col.answer(shown.id, (3, 3, 4, 1, 2, 3)[(day + n) % 6], now=when)
                when += timedelta(seconds=40)
    return web_db


def serious_violations(page: Any) -> list[str]:
    """Run axe-core in the page; describe violations of serious or critical impact."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/setup-browser.sh")
    # Evaluated, not added as a <script>: the app's Content-Security-Policy refuses inline
    # scripts, and a test must not weaken it (DevTools evaluation is not subject to it).
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def audit_every_view(
    browser: Any,
    live_server: str,
    path: str,
    ready: str,
    name: str,
    prepare: Callable[[Any], None] | None = None,
) -> dict[str, list[str]]:
    """Open ``path`` at desktop and phone width, light and dark; wait for ``ready``,
    let ``prepare(page)`` bring it to the state to check, save a screenshot, and
    return axe-core's serious or critical violations by view ("phone/dark")."""
    problems: dict[str, list[str]] = {}
    for (size, viewport), theme in itertools.product(VIEWPORTS.items(), ("light", "dark")):
        context = browser.new_context(base_url=live_server, viewport=viewport, color_scheme=theme)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(path)
        page.locator(ready).first.wait_for()
        if prepare is not None:
            prepare(page)
        page.wait_for_timeout(100)  # let KaTeX and the charts finish their first paint
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}-{theme}.png"), full_page=True)
        found = serious_violations(page)
        if found:
            problems[f"{size}/{theme}"] = found
        context.close()
    return problems


def _reveal(page: Any) -> None:
    page.locator("#reveal").click()
    page.locator("#ratings button").first.wait_for()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_screenshot_is_saved(
    browser: Any, live_server: str, name: str
) -> None:
    path, ready = PAGES[name]
    prepare = _reveal if name == "study-answer" else None
    problems = audit_every_view(browser, live_server, path, ready, name, prepare)
    assert not problems, problems
