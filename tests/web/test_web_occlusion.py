"""Anki's image occlusion cards in a real headless Chromium: the page draws the masks
over the picture as Anki's reviewer does (question: the card's own masks and, with
"hide all", the others; answer: the card's own masks outlined, the picture visible)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_image_occlusion import occlusion_deck
from tests.web.conftest import SCREENSHOTS, START
from tokendeck.collection import Collection
from tokendeck.formats.anki import read

pytestmark = [pytest.mark.browser, pytest.mark.anki]

ACTIVE = (255, 142, 142)  # Anki's --active-shape-color
INACTIVE = (255, 235, 162)  # --inactive-shape-color

#: For every rectangle or ellipse mask in `side`: its class, whether "hide all", and the
#: colour and opacity of the canvas at its centre.
SAMPLE = """
(side) => {
  const root = document.getElementById(side);
  const canvas = root.querySelector("#card-image-occlusion-container canvas");
  if (!canvas || !canvas.width) return null;
  const context = canvas.getContext("2d");
  return [...root.querySelectorAll("[data-shape=rect], [data-shape=ellipse]")].map((m) => {
    const d = m.dataset;
    const w = parseFloat(d.width ?? 2 * d.rx), h = parseFloat(d.height ?? 2 * d.ry);
    const x = (parseFloat(d.left) + w / 2) * canvas.width;
    const y = (parseFloat(d.top) + h / 2) * canvas.height;
    const pixel = [...context.getImageData(Math.round(x), Math.round(y), 1, 1).data];
    return [m.className, d.occludeinactive === "1", pixel];
  });
}
"""


@pytest.fixture
def web_db(tmp_path: Path) -> Path:
    path = tmp_path / "web.db"
    deck = occlusion_deck(tmp_path)
    with Collection.open(path, now=START, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        col.import_package(read(deck, source=str(deck)), now=START)
    return path


def _drawn(page: Any, side: str) -> list[tuple[str, bool, list[int]]]:
    page.wait_for_function(f"({SAMPLE})('{side}') !== null")
    found: list[tuple[str, bool, list[int]]] = page.evaluate(f"({SAMPLE})('{side}')")
    return found


def test_the_masks_hide_the_answer_and_the_answer_shows_it(page: Any) -> None:
    page.goto("/study?deck=Anatomy")
    page.locator("#reveal").wait_for()
    question = _drawn(page, "question")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "occlusion-question.png"))
    assert {c for c, _, _ in question} == {"cloze", "cloze-inactive"}
    for css_class, hide_all, (red, green, blue, alpha) in question:
        if css_class == "cloze":
            assert (red, green, blue, alpha) == (*ACTIVE, 255)  # the asked part is covered
        elif hide_all:
            assert (red, green, blue, alpha) == (*INACTIVE, 255)  # "hide all": covered too
        else:
            assert alpha == 0  # "hide one": the other parts show
    page.keyboard.press("Space")
    page.locator("#ratings").wait_for()
    answer = _drawn(page, "answer")
    page.screenshot(path=str(SCREENSHOTS / "occlusion-answer.png"))
    highlighted = [pixel for css_class, _, pixel in answer if css_class == "cloze-highlight"]
    assert highlighted and all(pixel[3] == 0 for pixel in highlighted)  # revealed
    assert any(hide_all and c == "cloze-inactive" for c, hide_all, _ in answer)
    # "Toggle Masks" (shown when some mask hides all) takes the masks away and back.
    toggle = page.locator("#answer #card-toggle")
    toggle.click()
    assert page.locator("#answer canvas").is_hidden()
    toggle.click()
    assert page.locator("#answer canvas").is_visible()
