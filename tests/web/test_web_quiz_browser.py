"""Quiz pages in a real headless Chromium: a Learn round and a Test round by keyboard, the
graph, related cards and cloze suggestions; axe-core on each page; screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import SCREENSHOTS, START
from tests.web.quiz_fixtures import TERMS, add_terms
from tests.web.test_web_accessibility import audit_every_view
from tokendeck.grading import Grader

pytestmark = pytest.mark.browser

BACKS = {front: back for front, back, _ in TERMS}
ANNOUNCER = "document.getElementById('announcer').textContent"


@pytest.fixture
def web_db(web_db: str | Path) -> str | Path:
    """The seeded collection plus the "Vocab" deck of terms."""
    add_terms(web_db, START)
    return web_db


@pytest.fixture(autouse=True)
def lexical_grader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server's collections use the process-wide grader: make it the lexical one
    (the embedding model takes seconds to load and meaning is not what these tests check)."""
    monkeypatch.setattr("tokendeck.grading.grader._DEFAULT", Grader(use_embeddings=False))


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_announced(page: Any, text: str) -> None:
    """Wait until the live region says ``text`` (failing with what it says instead)."""
    try:
        page.wait_for_function(f"{ANNOUNCER}.includes({text!r})", timeout=5_000)
    except Exception as error:
        said = page.evaluate(ANNOUNCER)
        raise AssertionError(f"the live region says {said!r}, not {text!r}") from error


def choose_format(page: Any, fmt: str) -> None:
    """Pick a question format with the keyboard and apply it."""
    page.locator("#format-select").focus()
    page.locator("#format-select").select_option(fmt)
    page.keyboard.press("Tab")  # to the Apply button
    page.keyboard.press("Enter")


def test_learn_round_by_keyboard(page: Any) -> None:
    page.goto("/learn?deck=Vocab")
    page.locator("#question:not([hidden])").wait_for()
    choose_format(page, "typed")
    page.wait_for_function(
        "document.getElementById('question-format').textContent === 'Typed answer'"
    )
    # Focus is in the answer box: type the card's back and press Enter.
    assert page.evaluate("document.activeElement.id") == "learn-text"
    term = page.locator("#prompt").inner_text().strip()
    page.keyboard.type(BACKS[term])
    page.keyboard.press("Enter")
    page.locator("#result:not([hidden])").wait_for()
    assert page.evaluate("document.activeElement.id") == "result"
    assert page.locator("#verdict").inner_text() == "Correct"
    assert "Easy" in page.locator("#suggested").inner_text()
    wait_announced(page, "Correct. Score ")
    shoot(page, "learn-typed-marked")
    # One key overrides the suggestion; the next question follows.
    page.keyboard.press("2")
    wait_announced(page, "Recorded Hard (your override)")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('1 done')")
    # Multiple choice: a number key picks the option, Enter accepts the suggested rating.
    choose_format(page, "multiple_choice")
    page.wait_for_function(
        "document.getElementById('question-format').textContent === 'Multiple choice'"
    )
    assert page.locator("#answer-form input[type=radio]").count() == 4
    page.locator("#question-title").click()  # leave the options menu, focus on the page
    page.keyboard.press("1")
    page.locator("#result:not([hidden])").wait_for()
    verdict = page.locator("#verdict").inner_text()
    assert verdict in ("Correct", "Incorrect")
    page.keyboard.press("Enter")
    wait_announced(page, "Recorded")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('2 done')")


def test_matching_round_shows_a_timer(page: Any) -> None:
    page.goto("/learn?deck=Vocab")
    page.locator("#question:not([hidden])").wait_for()
    choose_format(page, "matching")
    page.wait_for_function(
        "document.getElementById('question-format').textContent === 'Matching round'"
    )
    assert page.locator("#timer").inner_text().endswith("s left")
    selects = page.locator("#answer-form select")
    assert selects.count() >= 3
    for i in range(selects.count()):
        selects.nth(i).select_option(index=i + 1)
    shoot(page, "learn-matching")
    page.locator("#answer-form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.locator("#result:not([hidden])").wait_for()
    assert "matched" in page.locator("#verdict").inner_text()


def test_practice_test_round(page: Any) -> None:
    page.goto("/test?deck=Vocab")
    page.locator("#test-count").fill("4")
    page.locator("#test-count").press("Enter")
    page.locator("#test-form:not([hidden])").wait_for()
    assert page.evaluate("document.activeElement.id") == "test-title"
    questions = page.locator("#test-questions > li")
    assert questions.count() == 4
    for i in range(4):  # answer each: the first option, or a typed guess
        item = questions.nth(i)
        if item.locator("input[type=radio]").count():
            item.locator("input[type=radio]").first.check()
        else:
            item.locator("input").first.fill("a model")
    shoot(page, "test-questions")
    page.emulate_media(media="print")
    shoot(page, "test-print")
    assert page.locator(".site-header").is_hidden()
    page.emulate_media(media="screen")
    page.get_by_role("button", name="Submit answers").press("Enter")
    page.locator("#test-result:not([hidden])").wait_for()
    assert page.locator("#test-score").inner_text().startswith("Score: ")
    assert page.locator("#test-marks > li").count() == 4
    wait_announced(page, "Test scored")
    shoot(page, "test-scored")


def test_graph_view(page: Any) -> None:
    page.goto("/graph?deck=Vocab")
    page.locator("body[data-graph-ready=true]").wait_for()
    assert page.locator("#graph a.node").count() == len(TERMS)
    assert page.locator("#graph line.edge-mentions").count() >= 3
    assert "GPT-J mentions the Pile" in page.locator("#graph-edges").inner_text()
    page.locator("#lint li").first.wait_for()  # the deck check below the graph
    page.locator("#graph a.node").first.focus()
    assert page.evaluate("document.activeElement.getAttribute('href')").startswith("/cards/")
    shoot(page, "graph")


def test_related_cards_and_cloze_accept_on_card_page(page: Any) -> None:
    page.goto("/browse")
    ids = page.evaluate(
        "async () => (await (await fetch('/api/v1/cards?q=deck:Vocab&limit=50')).json()).cards"
        ".map(c => [c.front, c.id])"
    )
    by_term = dict(ids)
    page.goto(f"/cards/{by_term['DALL-E 2']}")
    page.locator("#related a").first.wait_for()
    assert {"CLIP", "diffusion model"} <= set(page.locator("#related a").all_inner_texts())
    page.goto(f"/cards/{by_term['the Pile']}")
    page.locator("#clozes button.accept").first.wait_for()
    page.locator("#clozes button.accept").first.press("Enter")
    wait_announced(page, "cloze card")
    assert page.locator("#cloze-status").inner_text().startswith("Added")
    shoot(page, "card-cloze-accepted")


QUIZ_PAGES = {
    "learn": ("/learn?deck=Vocab", "#question:not([hidden])"),
    "test": ("/test?deck=Vocab", "#test-options"),
    "graph": ("/graph?deck=Vocab", "body[data-graph-ready=true]"),
    "card-quiz": ("/cards/11", "#related li"),
}


def _build_test(page: Any) -> None:
    """The built test, not just its options."""
    page.get_by_role("button", name="Build test").click()
    page.locator("#test-form:not([hidden])").wait_for()


def _mark_an_answer(page: Any) -> None:
    """The marked answer with its override buttons (a new card: recognition first)."""
    page.locator("#answer-form input[type=radio]").first.check()
    page.locator("#answer-form button[type=submit]").click()
    page.locator("#result:not([hidden])").wait_for()


@pytest.mark.parametrize("name", list(QUIZ_PAGES))
def test_quiz_page_is_accessible(browser: Any, live_server: str, name: str) -> None:
    path, ready = QUIZ_PAGES[name]
    prepare = {"test": _build_test, "learn": _mark_an_answer}.get(name)
    problems = audit_every_view(browser, live_server, path, ready, name, prepare)
    assert not problems, problems


def test_a_wrong_option_is_marked_and_the_right_one_shown(page: Any) -> None:
    page.goto("/learn?deck=Vocab")
    page.locator("#question:not([hidden])").wait_for()
    choose_format(page, "multiple_choice")
    page.wait_for_function(
        "document.getElementById('question-format').textContent === 'Multiple choice'"
    )
    prompt = page.locator("#prompt").inner_text().strip()
    options = page.locator("#answer-form label.option")
    texts = [options.nth(i).inner_text() for i in range(options.count())]
    assert len(texts) == len(set(texts)) >= 3  # distinct options
    wrong = next(i for i, text in enumerate(texts) if BACKS[prompt][:20] not in text)
    page.keyboard.press(str(wrong + 1))
    page.locator("#result:not([hidden])").wait_for()
    assert "is-wrong" in (options.nth(wrong).get_attribute("class") or "")
    assert "your answer, wrong" in options.nth(wrong).inner_text()
    right = page.locator("#answer-form label.option.is-right")
    assert right.count() == 1 and "correct answer" in right.inner_text()
    assert "Correct answer:" in page.locator("#marks").inner_text()


def test_choosing_cloze_without_cloze_cards_says_so(page: Any) -> None:
    page.goto("/learn?deck=Vocab")
    page.locator("#question:not([hidden])").wait_for()
    choose_format(page, "cloze")
    page.locator("#summary:not([hidden])").wait_for()
    assert page.locator("#summary-title").inner_text() == "No question in this format"
    text = page.locator("#summary-text").inner_text()
    assert "Cloze" in text and "cloze suggestion" in text and "tokendeck" not in text
    assert page.locator("#question").is_hidden()


def test_a_practice_test_score_reads_as_counts_and_a_percentage(page: Any) -> None:
    page.goto("/test?deck=Vocab")
    page.locator("#test-count").fill("4")
    page.locator("#test-options button[type=submit]").click()
    page.locator("#test-form:not([hidden])").wait_for()
    page.locator("#test-form button[type=submit]").click()  # nothing answered
    page.locator("#test-result:not([hidden])").wait_for()
    score = page.locator("#test-score").inner_text()
    assert score.startswith("Score: 0 right") and score.endswith("0%")
    assert "." not in score.split(":")[1]  # counts, not "2.292 of 11"
