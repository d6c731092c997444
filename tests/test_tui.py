"""The terminal study session, driven by real key presses through Textual's pilot.

Each test opens a real collection file in tmp_path, runs the app headless with
a clock the test controls, and checks the collection afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, TextArea
from tui_fixtures import FIXED, Clock

from tokendeck.collection import Collection
from tokendeck.domain.cards import CardState, Rating
from tokendeck.tui.app import DARK_THEME, LIGHT_THEME, StudyApp
from tokendeck.tui.screen import StudyScreen
from tokendeck.tui.session import Summary, format_summary
from tokendeck.tui.widgets import CardFace, NothingDue, StatusLine

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


#: A small deck of short cards: Markdown widgets mount per block, so short cards keep tests fast.
WORDS = [
    ("What is a **T5** model?", "A text-to-text Transformer from Google."),
    ("GPT", "Generative Pre-trained Transformer."),
    ("CLIP", "Contrastive Language-Image Pre-training."),
    ("ViT", "Vision Transformer."),
]


@pytest.fixture
def col(location: str | Path) -> Iterator[Collection]:
    """A collection with a four-card "Vocabulary" deck, in UTC."""
    collection = Collection.open(location, now=FIXED, install_builtin=False)
    collection.update_settings(timezone="UTC")
    for front, back in WORDS:
        collection.add_note("Vocabulary", front, back, now=FIXED)
    yield collection
    collection.close()


@pytest.fixture
def builtin_col(location: str | Path) -> Iterator[Collection]:
    """A collection with the built-in LLM Vocabulary deck (what `make study` shows), in UTC."""
    collection = Collection.open(location, now=FIXED)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()


@pytest.fixture
def empty_col(location: str | Path) -> Iterator[Collection]:
    """A collection without the built-in deck, in UTC."""
    collection = Collection.open(location, now=FIXED, install_builtin=False)
    collection.update_settings(timezone="UTC")
    yield collection
    collection.close()


Script = Callable[[Pilot[Summary], StudyScreen], Awaitable[None]]


def drive(app: StudyApp, script: Script, *, size: tuple[int, int] = (80, 24)) -> Summary | None:
    """Run the app headless, let ``script`` press keys, and return what the app returned."""

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StudyScreen)
            await script(pilot, screen)

    asyncio.run(run())
    return app.return_value


def shown_id(screen: StudyScreen) -> int:
    assert screen.current is not None, "expected a card on screen"
    return screen.current.id


def back_hidden(screen: StudyScreen) -> bool:
    return screen.query_one(CardFace).query_one("#back").has_class("hidden")


def button_label(screen: StudyScreen, rating: Rating) -> str:
    return str(screen.query_one(f"#{rating.label}", Button).label)


# -- reveal and rate ---------------------------------------------------------------------


def test_space_reveals_the_back_with_intervals_on_the_ratings(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        assert back_hidden(screen)
        assert screen.query_one("#new").has_class("current"), "a new card is underlined as new"
        await pilot.press("space")
        assert not back_hidden(screen)
        labels = {r: button_label(screen, r) for r in Rating}
        assert labels[Rating.AGAIN] == "1 Again  <1m"
        assert labels[Rating.GOOD] == "3 Good  <10m"
        assert labels[Rating.EASY].startswith("4 Easy  ") and labels[Rating.EASY].endswith("d")

    drive(StudyApp(col, clock=Clock()), script)


def test_enter_also_reveals(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await pilot.press("enter")
        assert not back_hidden(screen)

    drive(StudyApp(col, clock=Clock()), script)


def test_rating_logs_a_review_with_its_duration_and_shows_the_next_card(
    col: Collection,
) -> None:
    clock = Clock()
    seen: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        seen.append(shown_id(screen))
        clock.advance(seconds=7.5)
        await pilot.press("space", "3")
        seen.append(shown_id(screen))
        assert back_hidden(screen), "the next card starts on its front"

    drive(StudyApp(col, clock=clock), script)
    first, second = seen
    assert second != first
    [review] = col.history(first)
    assert review.rating == Rating.GOOD and review.duration_ms == 7500
    assert review.reviewed_at == clock.now
    assert col.card(first).card.state == CardState.LEARNING


def test_ratings_are_ignored_until_the_answer_is_shown(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        shown.append(shown_id(screen))
        await pilot.press("3")
        assert shown_id(screen) == shown[0]
        assert "Show the answer first" in str(screen.query_one(StatusLine).render())

    drive(StudyApp(col, clock=Clock()), script)
    assert col.history(shown[0]) == []


def test_a_rating_button_click_answers_too(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        shown.append(shown_id(screen))
        await pilot.click("#reveal")
        await pilot.click("#easy")
        await pilot.pause()

    drive(StudyApp(col, clock=Clock()), script)
    assert [r.rating for r in col.history(shown[0])] == [Rating.EASY]


# -- undo, suspend, edit --------------------------------------------------------------------


def test_undo_restores_the_card_and_removes_its_review(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        shown.append(shown_id(screen))
        await pilot.press("space", "3", "space", "4")
        await pilot.press("u")
        assert shown_id(screen) != shown[0], "the newest answer comes back first"
        await pilot.press("u")
        assert shown_id(screen) == shown[0]
        assert back_hidden(screen)
        await pilot.press("u")
        assert "Nothing to undo" in str(screen.query_one(StatusLine).render())
        await pilot.press("q")

    summary = drive(StudyApp(col, clock=Clock()), script)
    assert col.history(shown[0]) == []
    assert col.card(shown[0]).card.state == CardState.NEW
    assert summary is not None and summary.answers == 0


def test_undo_also_takes_back_an_answer_from_before_the_session(col: Collection) -> None:
    first = col.next_card(FIXED)
    assert first is not None
    col.answer(first.id, Rating.EASY, now=FIXED)

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        assert shown_id(screen) != first.id
        await pilot.press("u")
        assert shown_id(screen) == first.id
        await pilot.press("q")

    summary = drive(StudyApp(col, clock=Clock()), script)
    assert col.history(first.id) == []
    assert summary is not None and summary.answers == 0


def test_suspend_hides_the_card_and_undo_brings_it_back(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        shown.append(shown_id(screen))
        await pilot.press("s")
        assert shown_id(screen) != shown[0]
        assert col.card(shown[0]).card.suspended
        await pilot.press("u")
        assert shown_id(screen) == shown[0]

    drive(StudyApp(col, clock=Clock()), script)
    assert not col.card(shown[0]).card.suspended


def test_edit_saves_the_note_and_shows_the_new_text(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        shown.append(shown_id(screen))
        await pilot.press("space", "e")
        await pilot.press("end", "ctrl+u", *"What is T5", "question_mark")
        await pilot.press("ctrl+s")
        assert pilot.app.screen is screen, "the dialog closed"
        assert screen.current is not None and screen.current.front == "What is T5?"
        assert "What&#160;is&#160;T5?" in pilot.app.export_screenshot()
        assert not back_hidden(screen), "still on the answer side"

    drive(StudyApp(col, clock=Clock()), script)
    assert col.card(shown[0]).note.front == "What is T5?"


def test_edit_with_an_empty_front_stays_open_and_changes_nothing(col: Collection) -> None:
    before: list[str] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        assert screen.current is not None
        before.append(screen.current.note.front)
        await pilot.press("e", "end", "ctrl+u", "ctrl+s")
        dialog = pilot.app.screen
        assert dialog is not screen
        assert "Not saved: the front is empty" in str(dialog.query_one("#problem").render())
        assert dialog.query_one("#front", TextArea).text == ""
        await pilot.press("escape")
        assert pilot.app.screen is screen

    drive(StudyApp(col, clock=Clock()), script)
    assert [v.note.front for v in col.find_cards(now=FIXED, limit=1)] == before


def test_keys_typed_in_the_edit_dialog_do_not_drive_the_session(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await pilot.press("e", "end", "space", "q", "u", "s", "3")
        assert pilot.app.is_running
        assert pilot.app.screen.query_one("#front", TextArea).text.endswith(" qus3")
        await pilot.press("escape")

    drive(StudyApp(col, clock=Clock()), script)
    assert list(col.reviews()) == []


# -- quitting, nothing due, leeches ----------------------------------------------------------


def test_quit_returns_the_session_summary(col: Collection) -> None:
    clock = Clock()

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        for key in ("1", "3", "4"):
            clock.advance(seconds=20)
            await pilot.press("space", key)
        await pilot.press("q")

    summary = drive(StudyApp(col, clock=clock), script)
    assert summary is not None
    assert (summary.answers, summary.cards) == (3, 3)
    assert summary.elapsed == timedelta(seconds=60)
    assert summary.ratings == {Rating.AGAIN: 1, Rating.HARD: 0, Rating.GOOD: 1, Rating.EASY: 1}
    assert summary.retention is None, "only new cards were answered"
    text = format_summary(summary)
    assert "Studied 3 cards (3 answers) in 1m 00s." in text
    assert "again 1  hard 0  good 1  easy 1" in text


def test_nothing_due_says_when_the_next_card_is(empty_col: Collection) -> None:
    note = empty_col.add_note("Spanish", "perro", "dog", now=FIXED)
    [card] = empty_col.cards_of_note(note.id)
    empty_col.answer(card.id, Rating.EASY, now=FIXED)
    due = empty_col.card(card.id).card.due

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        assert screen.current is None
        panel = screen.query_one(NothingDue)
        assert not panel.has_class("hidden")
        detail = str(panel.query_one("#done-detail").render())
        assert f"({due:%a %d %b, %H:%M})" in detail and "due in " in detail
        await pilot.press("space", "3", "s", "e")  # nothing to act on: no crash
        await pilot.press("q")

    summary = drive(StudyApp(empty_col, deck="Spanish", clock=Clock()), script)
    assert summary is not None and summary.answers == 0
    assert len(empty_col.history(card.id)) == 1


def test_an_empty_collection_says_how_to_add_cards(empty_col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        detail = str(screen.query_one("#done-detail").render())
        assert "tokendeck add" in detail

    drive(StudyApp(empty_col, clock=Clock()), script)


def test_a_learning_card_appears_when_it_comes_due(empty_col: Collection) -> None:
    deck = empty_col.create_deck("Spanish", now=FIXED)
    # Steps longer than the 20-minute learn-ahead window, so the card really waits.
    empty_col.update_deck(deck.id, now=FIXED, learning_steps=(3600.0, 7200.0))
    note = empty_col.add_note("Spanish", "gato", "cat", now=FIXED)
    [card] = empty_col.cards_of_note(note.id)
    clock = Clock()

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await pilot.press("space", "1")  # again: back in an hour
        assert screen.current is None
        detail = str(screen.query_one("#done-detail").render())
        assert "1 card studied this session" in detail and "due in 1h" in detail
        clock.advance(minutes=35)
        await screen._poll()
        assert screen.current is None, "not yet: the learn-ahead window is 20 minutes"
        clock.advance(minutes=30)
        await screen._poll()
        assert shown_id(screen) == card.id

    drive(StudyApp(empty_col, clock=clock), script)


def test_a_leech_is_announced_and_suspended(empty_col: Collection) -> None:
    deck = empty_col.create_deck("Spanish", now=FIXED)
    empty_col.update_deck(deck.id, now=FIXED, leech_threshold=1)
    note = empty_col.add_note("Spanish", "caballo", "horse", now=FIXED)
    [card] = empty_col.cards_of_note(note.id)
    empty_col.answer(card.id, Rating.EASY, now=FIXED)  # straight to review
    clock = Clock(empty_col.card(card.id).card.due + timedelta(hours=1))

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        assert shown_id(screen) == card.id
        assert screen.query_one("#due").has_class("current")
        assert not screen.query_one("#new").has_class("current")
        await pilot.press("space", "1")
        status = screen.query_one(StatusLine)
        assert "suspended as a leech" in str(status.render())
        assert status.has_class("warning")
        await pilot.press("q")

    summary = drive(StudyApp(empty_col, clock=clock), script)
    after = empty_col.card(card.id)
    assert after.card.suspended and "leech" in after.note.tags
    assert summary is not None and summary.retention == 0.0 and summary.review_answers == 1


# -- layout and themes -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
def test_everything_fits_the_terminal(builtin_col: Collection, size: tuple[int, int]) -> None:
    width, height = size

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await pilot.press("space")
        for rating in Rating:
            button = screen.query_one(f"#{rating.label}", Button)
            region = button.region
            assert region.width >= len(button_label(screen, rating)) + 2, rating
            assert region.right <= width and region.bottom <= height - 1, rating
        header = screen.query_one("#due").region
        assert header.y == 0 and header.right <= width
        assert screen.query_one("#front").region.height >= 1

    drive(StudyApp(builtin_col, clock=Clock()), script, size=size)


def test_light_and_dark_themes_render(builtin_col: Collection) -> None:
    """Both themes draw the card; screenshots go to artifacts/ to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    shots: dict[str, str] = {}
    for theme in (LIGHT_THEME, DARK_THEME):

        async def script(pilot: Pilot[Summary], screen: StudyScreen, theme: str = theme) -> None:
            await pilot.press("space")
            shots[theme] = pilot.app.export_screenshot()
            pilot.app.save_screenshot(f"study-{theme}.svg", str(ARTIFACTS))

        drive(StudyApp(builtin_col, clock=Clock(), theme=theme), script)
    for svg in shots.values():
        assert "T5" in svg and "Again" in svg and "Easy" in svg
    assert shots[LIGHT_THEME] != shots[DARK_THEME]


def test_bury_flag_and_delete_from_the_study_screen(col: Collection) -> None:
    clock = Clock()
    app = StudyApp(col, deck="Vocabulary", clock=clock)
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        assert screen.current is not None
        shown.append(screen.current.id)
        await pilot.press("f", "3")  # flag green: the card stays, nothing is answered
        assert screen.current.id == shown[0] and not col.history(shown[0])
        await pilot.press("b")  # bury: the next card comes
        assert screen.current is not None and screen.current.id != shown[0]
        shown.append(screen.current.id)
        await pilot.press("d")  # asks first
        assert screen.current.id == shown[1]
        await pilot.press("d")
        assert screen.current is not None and screen.current.id not in shown
        await pilot.press("q")

    drive(app, script)
    assert col.card(shown[0]).card.flag == 3
    assert col.card(shown[0]).card.buried_until is not None
    assert [v.id for v in col.find_cards("flag:green", now=FIXED)] == [shown[0]]
    assert shown[1] not in {c.id for c in col.cards()}
