"""Learn mode in the terminal, driven by real key presses: every question format.

Each test opens a real collection in tmp_path, runs the Textual app headless
with a clock the test controls (so every answer is "quick" unless the test
moves the clock), presses keys through the pilot, and checks the review and
the Attempt logged in the collection afterwards. The lexical grader is used
where meaning is not what is tested; the embedding model is loaded once for
the module's one meaning test.
"""

# ruff: noqa: F811  (fixtures imported from tui_fixtures)
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input
from tui_fixtures import (  # noqa: F401
    DECK,
    FIXED,
    TERMS,
    Clock,
    asked,
    attempts,
    card_named,
    col,
    definition_of,
    drive,
    learn_app,
    status,
    term_of,
)

from tokendeck.collection import Collection
from tokendeck.domain.cards import CardState, Rating
from tokendeck.grading import Grader
from tokendeck.quiz.formats import Question
from tokendeck.tui.app import StudyApp
from tokendeck.tui.learn import LearnScreen
from tokendeck.tui.marks import MarksView
from tokendeck.tui.questions import ChoiceView, MatchingView
from tokendeck.tui.related import RelatedScreen
from tokendeck.tui.session import Summary
from tokendeck.tui.widgets import KeyHints, NothingDue, StatusLine

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


# -- meaning: the one test that loads the embedding model ------------------------------------


@pytest.fixture(scope="module")
def meaning_grader() -> Grader:
    """The process-wide grader: the answer judge on the embedding model (loaded once)."""
    from tokendeck.grading import default_grader

    chosen = default_grader()
    assert chosen.meaning_available, "the pinned embedding model should be installed"
    return chosen


@pytest.mark.slow
def test_a_paraphrase_typed_is_graded_by_meaning(col: Collection, meaning_grader: Grader) -> None:
    col.use_grader(meaning_grader)
    tokenizer = card_named(col, "Tokenizer")
    paraphrase = "it splits text into tokens for a language model to read"

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, LearnScreen)
        await screen.ask_card(tokenizer, FIXED)
        await pilot.press(*paraphrase, "enter")
        marks = screen.query_one(MarksView)
        assert "judged by meaning" in pilot.app.export_screenshot().replace("&#160;", " ")
        assert "Missed: program" in str(marks.query_one(".missed").render())
        assert "Suggested: 3 Good" in str(marks.query_one("#suggestion").render())
        await pilot.press("enter")

    drive(learn_app(col, "typed"), script)
    [logged] = attempts(col)
    assert logged.card_id == tokenizer and logged.attempt.verdict == "correct"
    assert logged.attempt.score is not None and 0.6 < logged.attempt.score < 0.95
    assert logged.rating == Rating.GOOD and not logged.attempt.overridden


def test_learn_renders_in_light_and_dark_themes(col: Collection) -> None:
    """A graded typed answer in both themes; screenshots go to artifacts/ to look at."""
    from tokendeck.tui.app import DARK_THEME, LIGHT_THEME

    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shots: dict[str, str] = {}
    for theme in (LIGHT_THEME, DARK_THEME):

        async def script(pilot: Pilot[Summary], screen: Screen[Any], theme: str = theme) -> None:
            await pilot.press(*"a kind of fish", "enter")
            shots[theme] = pilot.app.export_screenshot()
            pilot.app.save_screenshot(f"learn-typed-{theme}.svg", str(artifacts))

        app = StudyApp(
            col, deck=DECK, clock=Clock(), theme=theme, mode="learn",
            rng=random.Random(3), formats=("typed",),
        )  # fmt: skip
        drive(app, script)
    for svg in shots.values():
        assert "Suggested" in svg and "Missed" in svg
    assert shots[LIGHT_THEME] != shots[DARK_THEME]


def test_a_matching_round_of_the_builtin_deck_fits_80_by_24(tmp_path: Path) -> None:
    """Six long definitions of the packaged deck all show without scrolling."""
    builtin = Collection.open(tmp_path / "b.db", now=FIXED)
    builtin.update_settings(timezone="UTC")
    builtin.use_grader(Grader(use_embeddings=False))

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert len(asked(screen).terms) == 6
        status_row = screen.query_one(StatusLine).region.y
        definitions = list(screen.query(".definition"))
        assert len(definitions) == 6
        for widget in definitions:
            assert widget.region.height > 0 and widget.region.bottom <= status_row
        assert screen.query_one("#terms").region.height >= 1

    rng = random.Random(2)
    app = StudyApp(builtin, clock=Clock(), mode="learn", rng=rng, formats=("matching",))
    try:
        drive(app, script)
    finally:
        builtin.close()


class UnsureJudge:
    """An answer judge that always says "maybe" (score 0.2: P(correct) about 0.55)."""

    def features(self, references: object, question: object, answer: object) -> dict[str, float]:
        return {"score": 0.2}


def test_an_unsure_grade_asks_for_a_self_rating_and_enter_does_not_accept(
    col: Collection,
) -> None:
    from tokendeck.grading.calibration import Calibration
    from tokendeck.grading.judge import JudgeConfig

    calibration = Calibration(("score",), (0.0,), (1.0,), (1.0,), 0.0)
    col.use_grader(Grader(judge=UnsureJudge(), judge_config=JudgeConfig(calibration)))
    glide = card_named(col, "GLIDE")

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, LearnScreen)
        await screen.ask_card(glide, FIXED)
        await pilot.press(*"it makes pictures out of a text prompt by denoising", "enter")
        marks = screen.query_one(MarksView)
        assert "rate yourself with 1-4" in str(marks.query_one("#suggestion").render())
        assert "Rate yourself" in str(screen.query_one(KeyHints).render())
        await pilot.press("enter")  # no suggestion to accept
        assert screen.phase == "marked" and "rate yourself" in status(screen)
        await pilot.press("2")

    drive(learn_app(col, "typed"), script)
    [logged] = attempts(col)
    assert logged.card_id == glide and logged.rating == Rating.HARD
    assert logged.attempt.verdict == "correct" and logged.attempt.overridden
