"""Learn mode and typed answers in the terminal, driven by real key presses.

Each test opens a real collection in tmp_path, runs the Textual app headless
with a clock the test controls (so every answer is "quick" unless the test
moves the clock), presses keys through the pilot, and checks the review and
the Attempt logged in the collection afterwards. The lexical grader is used
where meaning is not what is tested; the embedding model is loaded once for
the module's one meaning test.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from tokendeck.attempts import LoggedAttempt
from tokendeck.cards import CardState, Rating
from tokendeck.collection import Collection
from tokendeck.errors import TokenDeckError
from tokendeck.grading import Grader
from tokendeck.quiz.formats import Question
from tokendeck.tui.app import StudyApp
from tokendeck.tui.learn import AskScreen, LearnScreen
from tokendeck.tui.marks import MarksView
from tokendeck.tui.questions import ChoiceView, MatchingView
from tokendeck.tui.related import RelatedScreen
from tokendeck.tui.screen import StudyScreen
from tokendeck.tui.session import Summary
from tokendeck.tui.widgets import KeyHints, NothingDue, StatusLine

FIXED = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
DECK = "Models"

#: Term cards with one defining sentence each: enough neighbours for every format.
TERMS = [
    ("CLIP", "A model that learns a shared embedding of images and text from image-caption pairs."),
    ("GLIDE", "A text-guided diffusion model from OpenAI that generates images from captions."),
    ("Imagen", "A text-guided diffusion model from Google that generates images from captions."),
    ("GPT-J", "A six billion parameter open-source language model from EleutherAI."),
    ("The Pile", "An 825 GiB open-source dataset of English text built by EleutherAI."),
    ("Tokenizer", "A program that splits text into tokens, the units a language model reads."),
    ("ViT", "A Transformer that classifies images from sequences of square patches."),
]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime = FIXED) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    """A seven-card deck, UTC, graded lexically (no model load)."""
    collection = Collection.open(tmp_path / "c.db", now=FIXED, install_builtin=False)
    collection.update_settings(timezone="UTC")
    collection.use_grader(Grader(use_embeddings=False))
    for front, back in TERMS:
        collection.add_note(DECK, front, back, now=FIXED)
    yield collection
    collection.close()


Script = Callable[[Pilot[Summary], Screen[Any]], Awaitable[None]]


def drive(app: StudyApp, script: Script, *, size: tuple[int, int] = (80, 24)) -> Summary | None:
    """Run the app headless, let ``script`` press keys, and return what the app returned."""

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(400):  # Learn mode asks its first question after the first frame
                if not isinstance(app.screen, LearnScreen) or app.screen.ready:
                    break
                await pilot.pause(0.05)
            await script(pilot, app.screen)

    asyncio.run(run())
    return app.return_value


def learn_app(col: Collection, *formats: str, clock: Clock | None = None) -> StudyApp:
    return StudyApp(
        col, deck=DECK, clock=clock or Clock(), mode="learn", rng=random.Random(3), formats=formats
    )


def asked(screen: Screen[Any]) -> Question:
    assert isinstance(screen, LearnScreen | AskScreen), screen
    assert screen.question is not None and screen.phase == "asking", "expected a question"
    return screen.question


def attempts(col: Collection) -> list[LoggedAttempt]:
    return col.attempts()


def card_named(col: Collection, front: str) -> int:
    return next(v.id for v in col.find_cards(now=FIXED, deck=DECK) if v.note.front == front)


def term_of(col: Collection, card_id: int) -> str:
    return col.card(card_id).note.front


def definition_of(col: Collection, card_id: int) -> str:
    return col.card(card_id).note.back


def status(screen: Screen[Any]) -> str:
    return str(screen.query_one(StatusLine).render())


# -- recognition formats -----------------------------------------------------------------


def test_multiple_choice_by_number_records_a_good_review_and_its_attempt(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        assert question.format == "multiple_choice" and len(question.choices) == 4
        seen.append(question)
        await pilot.press(str((question.correct or 0) + 1))
        marks = screen.query_one(MarksView)
        assert "Suggested: 3 Good" in str(marks.query_one("#suggestion").render())
        await pilot.press("enter")
        assert "Good: next in" in status(screen)
        assert asked(screen).card_id != question.card_id, "the next card is asked"

    drive(learn_app(col, "multiple_choice"), script)
    [logged] = attempts(col)
    assert logged.card_id == seen[0].card_id and logged.rating == Rating.GOOD
    assert logged.attempt.format == "multiple_choice" and logged.attempt.score == 1.0
    assert not logged.attempt.overridden and logged.attempt.suggested_rating == Rating.GOOD
    assert col.card(seen[0].card_id).card.state == CardState.LEARNING


def test_arrow_keys_and_enter_pick_and_one_key_overrides(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        seen.append(question)
        view = screen.query_one(ChoiceView)
        wrong = next(i for i in range(4) if i != question.correct)
        for _ in range(wrong):
            await pilot.press("down")
        assert view.selected == wrong
        await pilot.press("enter")
        assert screen.phase == "marked"  # type: ignore[attr-defined]
        assert "Expected:" in pilot.app.export_screenshot()
        await pilot.press("2")  # I nearly knew it: Hard, not the suggested Again

    drive(learn_app(col, "multiple_choice"), script)
    [logged] = attempts(col)
    assert logged.rating == Rating.HARD and logged.attempt.suggested_rating == Rating.AGAIN
    assert logged.attempt.overridden and logged.attempt.verdict == "incorrect"
    assert [r.rating for r in col.history(seen[0].card_id)] == [Rating.HARD]


def test_true_false_with_t_and_f(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        for _ in range(2):
            question = asked(screen)
            assert question.format == "true_false"
            seen.append(question)
            await pilot.press("t" if question.truth else "f")
            await pilot.press("enter")

    drive(learn_app(col, "true_false"), script)
    logged = attempts(col)
    assert [a.card_id for a in logged] == [q.card_id for q in seen]
    assert all(a.attempt.format == "true_false" and a.rating == Rating.HARD for a in logged)
    assert all(a.attempt.answer in ("true", "false") for a in logged)


def test_discrimination_between_confusable_cards(col: Collection) -> None:
    glide = card_named(col, "GLIDE")
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, LearnScreen)
        await screen.ask_card(glide, FIXED)
        question = asked(screen)
        assert question.format == "discrimination"
        assert question.prompt == "Which of these is GLIDE, not Imagen?"
        seen.append(question)
        await pilot.press(str((question.correct or 0) + 1), "enter")

    drive(learn_app(col, "discrimination"), script)
    [logged] = attempts(col)
    assert logged.card_id == glide and logged.attempt.format == "multiple_choice"
    assert logged.rating == Rating.GOOD


def test_a_matching_round_rates_every_pair(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        assert question.format == "matching" and 5 <= len(question.terms) <= 6
        seen.append(question)
        assert "60 s left" in str(screen.query_one("#timer").render())
        position = {c.card_id: i for i, c in enumerate(question.choices)}
        letters = ["abcdef"[position[t.card_id]] for t in question.terms]
        wrong = letters[1]  # first term matched wrongly, then put right with backspace
        await pilot.press(wrong, "backspace", *letters)
        assert "matched" in str(screen.query_one("#suggestion").render())
        await pilot.press("enter")

    drive(learn_app(col, "matching"), script)
    logged = attempts(col)
    assert {a.card_id for a in logged} == {t.card_id for t in seen[0].terms}
    assert all(a.attempt.format == "matching" and a.rating == Rating.GOOD for a in logged)


def test_a_matching_round_over_time_counts_as_hard(col: Collection) -> None:
    clock = Clock()

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        clock.advance(seconds=61)
        view = screen.query_one(MatchingView)
        view._tick()
        assert "Time is up" in str(screen.query_one("#timer").render())
        position = {c.card_id: i for i, c in enumerate(question.choices)}
        await pilot.press(*["abcdef"[position[t.card_id]] for t in question.terms])
        await pilot.press("3")  # no override in a round: only a hint
        assert "rates each card itself" in status(screen)
        await pilot.press("enter")

    drive(learn_app(col, "matching", clock=clock), script)
    logged = attempts(col)
    assert logged and all(a.rating == Rating.HARD and not a.attempt.overridden for a in logged)


# -- typed formats -------------------------------------------------------------------------


def test_typed_recall_exact_answer_is_easy(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        assert question.format == "typed"
        assert isinstance(screen.focused, Input)
        seen.append(question)
        await pilot.press(*definition_of(col, question.card_id), "enter")
        shot = pilot.app.export_screenshot()
        assert "Correct" in shot and "Suggested:&#160;4&#160;Easy" in shot
        await pilot.press("enter")

    drive(learn_app(col, "typed"), script)
    [logged] = attempts(col)
    assert logged.card_id == seen[0].card_id and logged.rating == Rating.EASY
    assert logged.attempt.format == "typed" and logged.attempt.score is not None
    assert logged.attempt.score >= 0.95 and logged.attempt.answer == definition_of(
        col, seen[0].card_id
    )


def test_typed_wrong_answer_shows_missed_concepts_and_the_override_is_logged(
    col: Collection,
) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        asked(screen)
        await pilot.press(*"a kind of fish", "enter")
        marks = screen.query_one(MarksView)
        assert marks.query(".missed"), "the concepts missed are listed"
        assert "Suggested: 1 Again" in str(marks.query_one("#suggestion").render())
        await pilot.press("3")

    drive(learn_app(col, "typed"), script)
    [logged] = attempts(col)
    assert logged.attempt.answer == "a kind of fish" and logged.attempt.verdict == "incorrect"
    assert logged.attempt.suggested_rating == Rating.AGAIN and logged.attempt.overridden
    assert logged.rating == Rating.GOOD


def test_keys_typed_in_the_answer_box_do_not_drive_the_screen(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        await pilot.press(*"qru1234tf")
        assert pilot.app.is_running and screen.phase == "asking"  # type: ignore[attr-defined]
        assert screen.query_one(Input).value == "qru1234tf"
        await pilot.press("escape")
        assert not isinstance(screen.focused, Input)
        await pilot.press("i", "x")
        assert screen.query_one(Input).value == "qru1234tfx"

    drive(learn_app(col, "typed"), script)
    assert attempts(col) == []


def test_reverse_asks_the_term_from_its_definition(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        assert question.format == "reverse"
        assert term_of(col, question.card_id) not in question.prompt
        assert definition_of(col, question.card_id)[:10] in question.prompt
        seen.append(question)
        await pilot.press(*term_of(col, question.card_id), "enter", "enter")

    drive(learn_app(col, "reverse"), script)
    [logged] = attempts(col)
    assert logged.attempt.format == "reverse" and logged.card_id == seen[0].card_id
    assert logged.attempt.verdict == "correct" and logged.rating == Rating.EASY


def test_cloze_fills_the_gap(col: Collection) -> None:
    col.add_note(
        "Gaps", "The Pile is an {{c1::825 GiB}} dataset made by EleutherAI.", "The Pile", now=FIXED,
        kind="cloze",
    )  # fmt: skip

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        assert question.format == "cloze" and "825" not in question.prompt
        await pilot.press(*"825 GiB", "enter", "enter")

    app = StudyApp(col, deck="Gaps", clock=Clock(), mode="learn", rng=random.Random(1))
    drive(app, script)
    [logged] = attempts(col)
    assert logged.attempt.format == "cloze" and logged.attempt.verdict == "correct"


def test_flip_is_self_rated_and_recorded_at_once(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        first = asked(screen)
        await pilot.press("3")
        assert asked(screen) is first, "rating before showing the answer does nothing"
        await pilot.press("space", "4")
        assert asked(screen).card_id != first.card_id

    drive(learn_app(col, "flip"), script)
    [logged] = attempts(col)
    assert logged.attempt.format == "flip" and logged.rating == Rating.EASY
    assert not logged.attempt.overridden


# -- the Learn session ---------------------------------------------------------------------


def test_learn_policy_starts_new_cards_with_recognition_and_quits_with_a_summary(
    col: Collection,
) -> None:
    formats: list[str] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        for _ in range(3):
            question = asked(screen)
            formats.append(question.format)
            if question.format == "true_false":
                await pilot.press("t" if question.truth else "f")
            else:
                await pilot.press(str((question.correct or 0) + 1))
            await pilot.press("enter")
        await pilot.press("q")

    summary = drive(learn_app(col), script)
    assert set(formats) <= {"multiple_choice", "true_false"}
    assert summary is not None and summary.answers == 3 and summary.cards == 3
    assert len(attempts(col)) == 3


def test_undo_takes_the_answer_back_and_asks_the_card_again(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        seen.append(question)
        await pilot.press(str((question.correct or 0) + 1), "enter", "u")
        assert asked(screen).card_id == question.card_id
        assert "Undone" in status(screen)

    summary = drive(learn_app(col, "multiple_choice"), script)
    assert col.history(seen[0].card_id) == []
    assert summary is None or summary.answers == 0


def test_nothing_due_says_when_to_come_back(col: Collection) -> None:
    for view in col.find_cards(now=FIXED, deck=DECK):
        col.answer(view.id, Rating.EASY, now=FIXED)

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, LearnScreen) and screen.phase == "idle"
        panel = screen.query_one(NothingDue)
        assert panel.region.height > 0
        assert "due in" in str(panel.query_one("#done-detail").render())
        await pilot.press("1", "enter", "r", "u")  # nothing to act on: no crash
        await pilot.press("q")

    summary = drive(learn_app(col), script)
    assert summary is not None and summary.answers == 0


def test_related_cards_show_over_a_question(col: Collection) -> None:
    gptj = card_named(col, "GPT-J")
    col.edit_note(col.card(gptj).note.id, now=FIXED, back=TERMS[3][1] + " Trained on the Pile.")

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, LearnScreen)
        await screen.ask_card(gptj, FIXED)
        await pilot.press("r")
        dialog = pilot.app.screen
        assert isinstance(dialog, RelatedScreen)
        assert any(r.term == "The Pile" and r.reason == "mentions" for r in dialog.found)
        assert "The&#160;Pile" in pilot.app.export_screenshot()
        await pilot.press("escape")
        assert pilot.app.screen is screen

    drive(learn_app(col, "multiple_choice"), script)


# -- the study screen: t and r -------------------------------------------------------------


def test_t_in_the_study_screen_asks_the_card_typed(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, StudyScreen) and screen.current is not None
        shown.append(screen.current.id)
        await pilot.press("t")
        ask = pilot.app.screen
        assert isinstance(ask, AskScreen) and asked(ask).format == "typed"
        await pilot.press(*definition_of(col, shown[0]), "enter", "enter")
        assert pilot.app.screen is screen and isinstance(screen, StudyScreen)
        assert screen.current is not None and screen.current.id != shown[0]
        assert "Typed: Easy, next in" in status(screen)
        await pilot.press("u")
        assert screen.current is not None and screen.current.id == shown[0]

    drive(StudyApp(col, clock=Clock()), script)
    assert col.history(shown[0]) == [], "undone"
    assert attempts(col) == [], "the attempt goes with its review"


def test_t_then_escape_goes_back_to_the_card_unanswered(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, StudyScreen) and screen.current is not None
        first = screen.current.id
        await pilot.press("t", "escape", "escape")
        assert pilot.app.screen is screen and isinstance(screen, StudyScreen)
        assert screen.current is not None and screen.current.id == first
        await pilot.press("t", *"tokens", "enter", "1")
        assert pilot.app.screen is screen

    drive(StudyApp(col, clock=Clock()), script)
    [logged] = attempts(col)
    assert logged.attempt.format == "typed" and logged.rating == Rating.AGAIN
    assert logged.attempt.answer == "tokens"


def test_r_in_the_study_screen_lists_related_cards(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, StudyScreen)
        hints = str(screen.query_one(KeyHints).render())
        assert "Type" in hints and "Related" in hints
        await pilot.press("r")
        assert isinstance(pilot.app.screen, RelatedScreen)
        await pilot.press("r")
        assert pilot.app.screen is screen

    drive(StudyApp(col, clock=Clock()), script)


# -- layout --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["multiple_choice", "matching", "typed"])
def test_every_question_fits_80_by_24(col: Collection, fmt: str) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        asked(screen)
        hints = screen.query_one(KeyHints).region
        assert hints.bottom == 24 and hints.y == 23
        prompt = screen.query_one("#prompt").region
        assert prompt.height >= 1 and prompt.right <= 80
        for widget in screen.query(".option"):
            assert widget.region.right <= 80

    drive(learn_app(col, fmt), script)


def test_a_question_limit_ends_the_session(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        await pilot.press(str((question.correct or 0) + 1), "enter")
        assert isinstance(screen, LearnScreen) and screen.phase == "idle"
        assert "Done." in str(screen.query_one("#done-title").render())
        await pilot.press("q")

    app = StudyApp(
        col, deck=DECK, clock=Clock(), mode="learn", formats=("multiple_choice",), limit=1
    )
    summary = drive(app, script)
    assert summary is not None and summary.answers == 1


# -- the command line: the prompt path stays for scripts -----------------------------------


def test_learn_piped_asks_at_prompts_in_the_chosen_format(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tokendeck.cli import cli

    db = tmp_path / "p.db"
    with Collection.open(db, now=FIXED, install_builtin=False) as setup:
        setup.add_note(DECK, *TERMS[0], now=FIXED)
    args = ["--db", str(db), "--now", "2026-11-27T15:00:00Z", "learn", "-n", "1"]
    result = CliRunner().invoke(cli, [*args, "--formats", "typed"], input=f"{TERMS[0][1]}\n\n")
    assert result.exit_code == 0, result.output
    assert "[typed]" in result.output and "Studied 1 card." in result.output
    with Collection.open(db, now=FIXED) as after:
        [logged] = after.attempts()
    assert logged.attempt.format == "typed" and logged.attempt.verdict == "correct"
    bad = CliRunner().invoke(cli, [*args, "--formats", "essay"])
    assert isinstance(bad.exception, TokenDeckError)
    assert "unknown question format 'essay'" in str(bad.exception)


# -- meaning: the one test that loads the embedding model ------------------------------------


@pytest.fixture(scope="module")
def meaning_grader() -> Grader:
    """The process-wide grader with the embedding model (loaded once for the module)."""
    from tokendeck.grading import default_grader

    chosen = default_grader()
    assert chosen.meaning_available, "the pinned embedding model should be installed"
    return chosen


@pytest.mark.slow
def test_a_paraphrase_typed_is_graded_by_meaning(col: Collection, meaning_grader: Grader) -> None:
    col.use_grader(meaning_grader)
    tokenizer = card_named(col, "Tokenizer")
    paraphrase = "software that breaks text up into tokens that a language model reads"

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, LearnScreen)
        await screen.ask_card(tokenizer, FIXED)
        await pilot.press(*paraphrase, "enter")
        marks = screen.query_one(MarksView)
        assert "similarity in meaning" in pilot.app.export_screenshot().replace("&#160;", " ")
        assert "Missed: program" in str(marks.query_one(".missed").render())
        assert "Suggested: 3 Good" in str(marks.query_one("#suggestion").render())
        await pilot.press("enter")

    drive(learn_app(col, "typed"), script)
    [logged] = attempts(col)
    assert logged.card_id == tokenizer and logged.attempt.verdict == "correct"
    assert logged.attempt.score is not None and 0.6 < logged.attempt.score < 0.95
    assert logged.rating == Rating.GOOD and not logged.attempt.overridden


# -- Test mode -------------------------------------------------------------------------------


def right_keys(question: Question, col: Collection) -> list[str]:
    """The keys that answer a question correctly."""
    if question.format == "true_false":
        return ["t" if question.truth else "f"]
    if question.typed:
        return [*definition_of(col, question.card_id), "enter"]
    return [str((question.correct or 0) + 1)]


def test_a_practice_test_is_scored_at_the_end_and_recorded(col: Collection) -> None:
    test = col.practice_test(
        DECK, now=FIXED, rng=random.Random(5), count=3,
        formats=("multiple_choice", "true_false", "typed"),
    )  # fmt: skip
    assert [q.format for q in test.questions] == ["multiple_choice", "true_false", "typed"]

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert "question 1 of 3" in str(screen.query_one("#test-head").render())
        for question in test.questions:
            await pilot.press(*right_keys(question, col))
        assert "Score: 3 / 3 (100%)" in str(screen.query_one("#score").render())
        assert "Recorded 3 answers" in status(screen)
        await pilot.press("q")

    app = StudyApp(col, deck=DECK, clock=Clock(), mode="test", test=test)
    summary = drive(app, script)
    assert app.test_score is not None and app.test_score.percent == 100.0
    logged = attempts(col)
    assert [a.attempt.format for a in logged] == ["multiple_choice", "true_false", "typed"]
    assert summary is not None and summary.answers == 3


def test_a_skipped_question_counts_as_wrong_and_no_record_leaves_the_schedule(
    col: Collection,
) -> None:
    test = col.practice_test(
        DECK, now=FIXED, rng=random.Random(5), count=2, formats=("multiple_choice",)
    )

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        await pilot.press("s", *right_keys(test.questions[1], col))
        score = str(screen.query_one("#score").render())
        assert "Score: 1 / 2 (50%)" in score
        assert "Expected:" in pilot.app.export_screenshot()

    app = StudyApp(col, deck=DECK, clock=Clock(), mode="test", test=test, record=False)
    drive(app, script)
    assert attempts(col) == [] and list(col.reviews()) == []


def test_reverse_may_be_self_rated_after_leaving_the_box(col: Collection) -> None:
    seen: list[Question] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        seen.append(question)
        await pilot.press("escape", "space")
        assert question.answer in pilot.app.export_screenshot().replace("&#160;", " ")
        assert "Rate yourself" in str(screen.query_one(KeyHints).render())
        await pilot.press("2")
        assert asked(screen).card_id != question.card_id, "recorded at once"

    drive(learn_app(col, "reverse"), script)
    [logged] = attempts(col)
    assert logged.card_id == seen[0].card_id and logged.rating == Rating.HARD
    assert logged.attempt.format == "reverse" and not logged.attempt.overridden


def test_quitting_after_the_grade_records_the_suggested_rating(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        question = asked(screen)
        await pilot.press("t" if question.truth else "f", "q")

    summary = drive(learn_app(col, "true_false"), script)
    [logged] = attempts(col)
    assert logged.rating == Rating.HARD and not logged.attempt.overridden
    assert summary is not None and summary.answers == 1
