"""Learn mode in the terminal: each due card asked in the format that suits it.

:class:`QuizScreen` asks one question at a time and records the answer:
the question view (:mod:`tokendeck.tui.questions`) collects the response,
the quizzing facade marks it, :class:`~tokendeck.tui.marks.MarksView` shows
the grade, and Enter records the suggested rating (1-4 overrides it) through
``Collection.record_marks``, so every format feeds the FSRS schedule and the
Attempt log keeps the format, score and whether the learner overrode.

:class:`LearnScreen` (``tokendeck learn``) asks due cards until none is left;
:class:`AskScreen` asks one given question (``t`` in the study screen) and
closes. Every ``now`` comes from the app's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from tokendeck.domain.cards import Rating
from tokendeck.domain.intervals import format_interval, until
from tokendeck.errors import NothingToUndoError, TokenDeckError
from tokendeck.quiz.formats import Question
from tokendeck.quiz.marking import Mark
from tokendeck.tui.host import StudyHost, host_of
from tokendeck.tui.marks import MarksView
from tokendeck.tui.picking import pick_question
from tokendeck.tui.questions import QuestionView, view_for
from tokendeck.tui.related import RelatedScreen, term_of
from tokendeck.tui.widgets import CountsHeader, KeyHints, NothingDue, StatusLine

if TYPE_CHECKING:
    from tokendeck.collection.study import AnswerResult

#: How often the nothing-due panel checks whether a learning card has come due.
POLL_SECONDS = 15.0


class QuizScreen(Screen[list[int]]):
    """Ask a question, mark the answer, record it; subclasses say what comes next."""

    DEFAULT_CSS = """
    QuizScreen { background: $background; }
    QuizScreen #stage { height: 1fr; padding: 1 0 0 0; }
    QuizScreen NothingDue { display: none; }
    QuizScreen.-idle NothingDue { display: block; }
    QuizScreen.-idle #stage { display: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave_box", "Leave the answer box", show=False),
        Binding("r", "related", "Related", show=False),
        Binding("q", "quit_session", "Quit", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.question: Question | None = None
        self.marks: list[Mark] = []
        self.asked_at: datetime | None = None
        self.answered_at: datetime | None = None

    @property
    def study(self) -> StudyHost:
        """The app, as the session's shared state."""
        return host_of(self.app)

    @property
    def phase(self) -> str:
        """ "asking", "marked" or "idle" (nothing on screen to answer)."""
        if self.question is None:
            return "idle"
        return "marked" if self.marks else "asking"

    def compose(self) -> ComposeResult:
        yield CountsHeader()
        yield Vertical(id="stage")
        yield NothingDue()
        yield StatusLine("")
        yield KeyHints()

    # -- asking ------------------------------------------------------------------------------
    async def ask(self, question: Question, now: datetime) -> None:
        """Show ``question``; the answer time is measured from ``now``."""
        self.question, self.marks, self.asked_at = question, [], now
        self.remove_class("-idle")
        self._refresh_counts(now, question.card_id)
        await self._stage(view_for(question, self.study.clock))
        self._hint()

    async def _stage(self, widget: QuestionView | MarksView) -> None:
        stage = self.query_one("#stage", Vertical)
        await stage.remove_children()
        await stage.mount(widget)

    def _refresh_counts(self, now: datetime, card_id: int | None) -> None:
        col = self.study.col
        shown = col.card(card_id).card.state if card_id is not None else None
        self.query_one(CountsHeader).show(
            self.study.deck_title, col.queue_counts(now, self.study.deck), shown
        )

    def say(self, text: str, *, level: str = "info") -> None:
        """A one-line message under the question."""
        self.query_one(StatusLine).say(text, level=level)

    def _hint(self) -> None:
        hints: list[tuple[str, str]] = []
        if self.phase == "asking":
            hints = self.query_one(QuestionView).hints()
        elif self.phase == "marked" and self._must_self_rate():
            hints = [("1-4", "Rate yourself")]
        elif self.phase == "marked":
            hints = [("enter", "Accept")] + ([("1-4", "Override")] if len(self.marks) == 1 else [])
        hints += self.extra_hints()
        self.query_one(KeyHints).show(hints)

    def extra_hints(self) -> list[tuple[str, str]]:
        """Keys the screen adds to the question's own."""
        if isinstance(self.focused, Input):
            return [("ctrl+q", "Quit")]  # every other key types
        return [("r", "Related"), ("q", "Quit")] if self.question else [("q", "Quit")]

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Typing or not changes which keys work."""
        self._hint()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Typing or not changes which keys work."""
        self._hint()

    # -- keys --------------------------------------------------------------------------------
    async def on_key(self, event: events.Key) -> None:
        """Question keys first (options, t / f, matches), then accept or override."""
        if isinstance(self.focused, Input):
            return  # the answer box has its own keys; Enter arrives as Input.Submitted
        handled = False
        if self.phase == "asking":
            handled = self.query_one(QuestionView).press(event.key)
            if handled and self.phase == "asking":
                self._hint()  # a flip or reverse answer shown changes the keys
        elif self.phase == "marked":
            handled = await self._after_marks(event.key)
        if handled:
            event.stop()
            event.prevent_default()

    def _must_self_rate(self) -> bool:
        """One typed answer the grader is unsure of: no suggestion to accept."""
        return len(self.marks) == 1 and self.marks[0].self_rate

    async def _after_marks(self, key: str) -> bool:
        if key in ("enter", "space"):
            if self._must_self_rate():
                self.say("The grader is not sure: rate yourself with 1-4.")
            else:
                await self.record(None)
            return True
        if len(key) == 1 and key in "1234":
            if len(self.marks) == 1:
                await self.record(Rating(int(key)))
            else:
                self.say("A matching round rates each card itself: Enter to go on.")
            return True
        return False

    async def action_quit_session(self) -> None:
        """Quit; an answer already marked is recorded first (its grade was shown),
        unless it waits for the learner's own rating."""
        if self.phase == "marked" and not self._must_self_rate():
            await self.record(None)
        await self.app.action_quit()

    def action_leave_box(self) -> None:
        """Escape: take the focus off the answer box (Enter or i goes back), so keys work."""
        if isinstance(self.focused, Input):
            self.set_focus(None)
            self.say("Press i to type again, or q to quit.")

    def action_related(self) -> None:
        """Show the cards related to the one asked about."""
        if self.question is None:
            return
        now = self.study.clock()
        col = self.study.col
        try:
            found = col.related(self.question.card_id, now=now)
        except TokenDeckError as exc:
            self.say(f"No related cards: {exc}", level="error")
            return
        front = col.card(self.question.card_id).front
        self.app.push_screen(RelatedScreen(term_of(front), found))

    # -- marking and recording ---------------------------------------------------------------
    async def on_question_view_responded(self, event: QuestionView.Responded) -> None:
        """Mark the answer and show the grade (a self-rated flip is recorded at once)."""
        event.stop()
        question, now = self.question, self.study.clock()
        if question is None or self.marks:
            return
        elapsed = (now - (self.asked_at or now)).total_seconds()
        try:
            self.marks = self.study.col.grade_question(question, event.response, elapsed_s=elapsed)
        except TokenDeckError as exc:
            self.say(f"Not marked: {exc}", level="error")
            return
        self.answered_at = now
        if question.self_rated or isinstance(event.response, Rating):  # rated by the learner
            await self.record(None)
            return
        await self._stage(MarksView(question, self.marks, self._intervals(now)))
        self._hint()

    def _intervals(self, now: datetime) -> dict[Rating, str]:
        """When each rating would bring the card back (one card marked), for overriding."""
        if len(self.marks) != 1:
            return {}
        col = self.study.col
        preview = col.preview(self.marks[0].card_id, now)
        return {r: format_interval(until(now, due, col.calendar)) for r, due in preview.items()}

    async def record(self, override: Rating | None) -> None:
        """Record the marks (with the learner's rating when given) and move on."""
        question, now = self.question, self.study.clock()
        if question is None or not self.marks:
            return
        col = self.study.col
        before = {m.card_id: col.card(m.card_id).card.state for m in self.marks}
        started = self.asked_at or now
        duration_ms = max(0, round(((self.answered_at or now) - started).total_seconds() * 1000))
        overrides = {self.marks[0].card_id: override} if override is not None else None
        try:
            results = col.record_marks(
                self.marks, now=now, duration_ms=duration_ms, overrides=overrides
            )
        except TokenDeckError as exc:
            self.say(f"Not saved: {exc}", level="error")
            return
        for result in results:
            self.study.session.record(
                result.card.id, Rating(result.review.rating), before[result.card.id]
            )
        self.say(self._recorded(results, now), level=self._level(results))
        self.question, self.marks = None, []
        await self.after_answer(results)

    def _recorded(self, results: Sequence[AnswerResult], now: datetime) -> str:
        leeches = [r for r in results if r.leech]
        if leeches:
            return (
                f"Card {leeches[0].card.id} is suspended as a leech: "
                "rewrite it (`tokendeck edit`), then `tokendeck unsuspend`."
            )
        if len(results) > 1:
            return f"Recorded {len(results)} cards."
        rating = Rating(results[0].review.rating)
        wait = format_interval(until(now, results[0].card.due, self.study.col.calendar))
        return f"{rating.label.capitalize()}: next in {wait}."

    @staticmethod
    def _level(results: Sequence[AnswerResult]) -> str:
        return "warning" if any(r.leech for r in results) else "info"

    async def after_answer(self, results: Sequence[AnswerResult]) -> None:
        """What follows a recorded answer."""
        raise NotImplementedError


class LearnScreen(QuizScreen):
    """Due cards one after another, each asked in the format Learn mode picks."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("u", "undo", "Undo", show=False)]

    def __init__(self, formats: Sequence[str] = (), *, limit: int | None = None) -> None:
        super().__init__()
        self.formats = tuple(formats)
        self.limit = limit
        self.asked = 0  # questions answered this session (undo takes one back)
        self.ready = False  # True once the first question (or nothing-due) is on screen

    async def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll)
        # The first question may load the meaning model (seconds): say so on screen first.
        self.say("Preparing the questions (the first time loads the meaning model)...")
        self.call_after_refresh(self._first_question)

    async def _first_question(self) -> None:
        await self.next_question()
        self.ready = True
        if self.phase == "asking":
            self.say("")

    async def next_question(self) -> None:
        """Ask the next due card, or say when one will be."""
        now = self.study.clock()
        if self.limit is not None and self.asked >= self.limit:
            self._idle(now, f"That was {self.limit} questions: press q for the summary.", "Done.")
            return
        view = self.study.col.next_learn_card(now, self.study.deck)
        if view is None:
            self._idle(now, self._when_next(now))
            return
        await self.ask_card(view.id, now)

    async def ask_card(self, card_id: int, now: datetime) -> None:
        """Ask one card in its Learn-mode format."""
        app = self.study
        question = pick_question(app.col, card_id, now=now, rng=app.rng, formats=self.formats)
        await self.ask(question, now)

    def _idle(self, now: datetime, text: str, title: str = "Nothing is due right now.") -> None:
        self.question, self.marks = None, []
        self.add_class("-idle")
        self._refresh_counts(now, None)
        panel = self.query_one(NothingDue)
        panel.query_one("#done-title", Static).update(title)
        panel.show(text)
        self._hint()

    def _when_next(self, now: datetime) -> str:
        col = self.study.col
        done = self.study.session.summary(now).cards
        studied = f"Well done: {done} card{'s' if done != 1 else ''} studied.\n\n" if done else ""
        upcoming = col.next_due(now, self.study.deck)
        if upcoming is None:
            return studied + "There are no cards waiting in this deck.\n\nPress q to quit."
        wait = format_interval(until(now, upcoming, col.calendar))
        return f"{studied}The next card is due in {wait}.\n\nPress q to quit, or wait here."

    def extra_hints(self) -> list[tuple[str, str]]:
        if isinstance(self.focused, Input):
            return super().extra_hints()
        return [("u", "Undo"), *super().extra_hints()]

    async def _poll(self) -> None:
        if self.phase == "idle":
            await self.next_question()

    async def after_answer(self, results: Sequence[AnswerResult]) -> None:
        self.asked += 1
        await self.next_question()

    async def action_undo(self) -> None:
        """Take back the last answer and ask that card again."""
        now = self.study.clock()
        try:
            card = self.study.col.undo(now)
        except NothingToUndoError:
            self.say("Nothing to undo.")
            return
        except TokenDeckError as exc:
            self.say(f"Could not undo: {exc}", level="error")
            return
        self.study.session.take_back(card.id)
        self.asked = max(0, self.asked - 1)
        self.say("Undone: last answer.")
        await self.ask_card(card.id, now)


class AskScreen(QuizScreen):
    """One question over the study screen; closes with the ids of the cards answered.

    Escape (outside the answer box) closes it without answering: an empty list.
    """

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.first = question

    async def on_mount(self) -> None:
        await self.ask(self.first, self.study.clock())

    def action_leave_box(self) -> None:
        if isinstance(self.focused, Input) or self.phase != "asking":
            super().action_leave_box()
            return
        self.dismiss([])

    def extra_hints(self) -> list[tuple[str, str]]:
        if isinstance(self.focused, Input) or self.phase != "asking":
            return super().extra_hints()
        return [("esc", "Back to the card"), *super().extra_hints()]

    async def after_answer(self, results: Sequence[AnswerResult]) -> None:
        self.dismiss([r.card.id for r in results])
