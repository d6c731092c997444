"""Test mode in the terminal: a practice test asked question by question, scored at the end.

Unlike Learn mode nothing is marked until the last answer: the questions are
asked in turn through the same question views (:mod:`tokendeck.tui.questions`),
``s`` skips one (a skipped question counts as wrong), and the end shows the
score and each question's verdict. Unless the test is run with
``--no-record``, the marks are then recorded through ``Collection.record_marks``
so every answer feeds the schedule, as the prompt-based test does.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from tokendeck.domain.cards import Rating
from tokendeck.errors import TokenDeckError
from tokendeck.quiz.formats import Question
from tokendeck.quiz.marking import Mark, Response
from tokendeck.quiz.practice_test import PracticeTest, TestScore
from tokendeck.tui.host import StudyHost, host_of
from tokendeck.tui.questions import QuestionView, view_for
from tokendeck.tui.widgets import KeyHints, StatusLine

_STYLE = {"correct": "green", "partly_correct": "yellow", "incorrect": "red"}


class PracticeScreen(Screen[None]):
    """The questions of a test one at a time, then the score."""

    DEFAULT_CSS = """
    PracticeScreen { background: $background; }
    PracticeScreen #test-head { height: 1; background: $panel; padding: 0 1; }
    PracticeScreen #stage { height: 1fr; padding: 1 0 0 0; }
    PracticeScreen #results { height: 1fr; padding: 1 2; }
    PracticeScreen #score { text-style: bold; color: $text-accent; margin: 0 0 1 0; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "skip", "Skip", show=False),
        Binding("q", "app.quit", "Quit", show=False),
    ]

    def __init__(self, test: PracticeTest, *, record: bool = True) -> None:
        super().__init__()
        self.test = test
        self.record = record
        self.number = 0  # the question on screen
        self.responses: dict[int, Response] = {}
        self.score: TestScore | None = None

    @property
    def study(self) -> StudyHost:
        """The app, as the session's shared state."""
        return host_of(self.app)

    def compose(self) -> ComposeResult:
        yield Static("", id="test-head")
        yield Vertical(id="stage")
        yield StatusLine("")
        yield KeyHints()

    async def on_mount(self) -> None:
        await self._ask()

    async def _ask(self) -> None:
        if self.number >= len(self.test.questions):
            await self._finish()
            return
        total = len(self.test.questions)
        head = f"Practice test · {self.test.deck} · question {self.number + 1} of {total}"
        self.query_one("#test-head", Static).update(Text(head))
        stage = self.query_one("#stage", Vertical)
        await stage.remove_children()
        view = view_for(self.test.questions[self.number], self.study.clock, self_rating=False)
        await stage.mount(view)
        self._hint()

    def _hint(self) -> None:
        if self.score is not None:
            hints = [("q", "Quit")]
        elif isinstance(self.focused, Input):
            hints = [*self.query_one(QuestionView).hints(), ("empty enter", "Skip")]
        else:
            hints = [*self.query_one(QuestionView).hints(), ("s", "Skip"), ("q", "Quit")]
        self.query_one(KeyHints).show(hints)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Typing or not changes which keys work."""
        self._hint()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        """Typing or not changes which keys work."""
        self._hint()

    async def on_key(self, event: events.Key) -> None:
        """The question's own keys (options, t / f, matches) come first."""
        if self.score is not None or isinstance(self.focused, Input):
            return
        if self.query_one(QuestionView).press(event.key):
            event.stop()
            event.prevent_default()

    async def on_question_view_responded(self, event: QuestionView.Responded) -> None:
        """Keep the answer (unmarked) and go on."""
        event.stop()
        if self.score is not None:
            return
        if event.response not in ("", None):
            self.responses[self.number] = event.response
        self.number += 1
        await self._ask()

    async def action_skip(self) -> None:
        """Leave this question unanswered (it counts as wrong)."""
        if self.score is None:
            self.number += 1
            await self._ask()

    async def _finish(self) -> None:
        col, now = self.study.col, self.study.clock()
        self.score = col.score_practice_test(self.test, self.responses)
        self.study.test_score = self.score
        self.query_one("#test-head", Static).update(Text(f"Practice test · {self.test.deck}"))
        stage = self.query_one("#stage", Vertical)
        await stage.remove_children()
        await stage.mount(results_view(self.test, self.score))
        if self.record:
            self._record(self.score, now)
        self._hint()

    def _record(self, score: TestScore, now: datetime) -> None:
        col = self.study.col
        sure = [m for m in score.marks if not m.self_rate]  # unsure grades are not recorded
        before = {m.card_id: col.card(m.card_id).card.state for m in sure}
        try:
            results = col.record_marks(sure, now=now, together=False)
        except TokenDeckError as exc:
            self.query_one(StatusLine).say(f"Not recorded: {exc}", level="error")
            return
        for result in results:
            rating = Rating(result.review.rating)
            self.study.session.record(result.card.id, rating, before[result.card.id])
        unsure = len(score.marks) - len(sure)
        left = f" {unsure} the grader was unsure of: rate them in Learn." if unsure else ""
        self.query_one(StatusLine).say(f"Recorded {len(results)} answers in the schedule.{left}")


def results_view(test: PracticeTest, score: TestScore) -> VerticalScroll:
    """The score and one line per card marked (what was expected, for the misses)."""
    total = f"Score: {score.points:g} / {score.possible} ({score.percent:.0f}%)"
    lines = [Static(Text(total), id="score")]
    for number, question, each in marked_questions(test, score):
        line = Text(f"{number}. ")
        line.append(each.verdict.replace("_", " "), style=_STYLE.get(each.verdict, "red"))
        if each.self_rate:
            line.append(" (grader unsure: judge it yourself)", style="italic")
        terms = {t.card_id: t.text for t in question.terms}
        about = terms.get(each.card_id, question.prompt)
        line.append(f"  {about}" if len(about) <= 60 else f"  {about[:57]}...")
        if not each.correct:
            # A matching pair's explanation names its term; other questions show the answer.
            why = each.explanation if question.terms else f"Expected: {each.expected}"
            line.append(f"\n   {why}", style="dim")
        lines.append(Static(line))
    return VerticalScroll(*lines, id="results")


def marked_questions(test: PracticeTest, score: TestScore) -> list[tuple[int, Question, Mark]]:
    """Each mark with its question's number and the question (a matching round has several)."""
    paired, start = [], 0
    for number, question in enumerate(test.questions, 1):
        count = len(question.card_ids)
        paired += [(number, question, m) for m in score.marks[start : start + count]]
        start += count
    return paired
