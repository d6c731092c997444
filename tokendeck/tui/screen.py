"""The study screen: show a card, reveal, rate, undo, edit, suspend.

Every action asks the app's clock for ``now`` once and passes it to the
collection, so a fixed clock (``--now``, tests) makes the session exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Button

from tokendeck.domain.cards import CardView, Rating
from tokendeck.domain.intervals import format_interval, until
from tokendeck.errors import NothingToUndoError, TokenDeckError
from tokendeck.tui.edit import EditScreen, FieldsEditScreen, NoteText
from tokendeck.tui.host import StudyHost, host_of
from tokendeck.tui.widgets import (
    AnswerBar,
    CardFace,
    CountsHeader,
    KeyHints,
    NothingDue,
    StatusLine,
)

#: How often the nothing-due screen checks whether a learning card has come due.
POLL_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Undoable:
    """A step `u` can take back: an answer (via the review log) or a suspension."""

    kind: str  # "answer" or "suspend"
    card_id: int


class StudyScreen(Screen[None]):
    """One card at a time; keys drive everything, the mouse can press the buttons."""

    DEFAULT_CSS = """
    StudyScreen { background: $background; }
    StudyScreen .hidden { display: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space,enter", "reveal", "Show answer"),
        Binding("1", "rate(1)", "Again", show=False),
        Binding("2", "rate(2)", "Hard", show=False),
        Binding("3", "rate(3)", "Good", show=False),
        Binding("4", "rate(4)", "Easy", show=False),
        Binding("u", "undo", "Undo"),
        Binding("e", "edit", "Edit"),
        Binding("s", "suspend", "Suspend"),
        Binding("b", "bury", "Bury"),
        Binding("f", "flag", "Flag"),
        Binding("d", "delete", "Delete"),
        Binding("0", "digit(0)", show=False),
        Binding("5", "digit(5)", show=False),
        Binding("6", "digit(6)", show=False),
        Binding("7", "digit(7)", show=False),
        Binding("t", "typed", "Type the answer"),
        Binding("r", "related", "Related"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.current: CardView | None = None
        self.revealed = False
        self.shown_at: datetime | None = None
        self.undoable: list[Undoable] = []
        #: The key pressed before ("f": a digit flags the card; "d": d again deletes it).
        self.pending: str | None = None

    @property
    def study(self) -> StudyHost:
        """The app, as the session's shared state."""
        return host_of(self.app)

    def compose(self) -> ComposeResult:
        yield CountsHeader()
        yield CardFace()
        yield NothingDue(classes="hidden")
        yield StatusLine("")
        yield AnswerBar()
        yield KeyHints()

    async def on_mount(self) -> None:
        self.set_interval(POLL_SECONDS, self._poll)
        await self.show_next()

    # -- showing ---------------------------------------------------------------------
    async def show_next(self) -> None:
        """Show the next card due, or the nothing-due panel."""
        now = self.study.clock()
        view = self.study.col.next_card(now, self.study.deck, session=self.study.study_session)
        if view is None:
            self._show_nothing_due(now)
        else:
            await self.show(view, now)

    async def show(self, view: CardView, now: datetime, *, revealed: bool = False) -> None:
        """Show ``view`` from ``now`` (answer time is measured from here)."""
        self.current, self.revealed, self.shown_at = view, revealed, now
        self._refresh_counts(now)
        self.query_one(NothingDue).add_class("hidden")
        self.query_one(CardFace).remove_class("hidden")
        await self.query_one(CardFace).show_card(view, revealed=revealed)
        bar = self.query_one(AnswerBar)
        bar.remove_class("hidden")
        if revealed:
            bar.offer(self._intervals(view, now))
        else:
            bar.ask()
        self._hint()

    def _show_nothing_due(self, now: datetime) -> None:
        self.current, self.revealed = None, False
        self._hint()
        self._refresh_counts(now)
        self.query_one(CardFace).add_class("hidden")
        self.query_one(AnswerBar).add_class("hidden")
        panel = self.query_one(NothingDue)
        panel.remove_class("hidden")
        panel.show(self._when_next(now))

    def _when_next(self, now: datetime) -> str:
        done = self.study.session.summary(now)
        if not done.cards:
            return self._upcoming(now)
        cards = "1 card" if done.cards == 1 else f"{done.cards} cards"
        return f"Well done: {cards} studied this session.\n\n" + self._upcoming(now)

    def _upcoming(self, now: datetime) -> str:
        col = self.study.col
        upcoming = col.next_due(now, self.study.deck, session=self.study.study_session)
        if upcoming is None:
            return (
                "There are no cards waiting in this deck.\n"
                'Add some with `tokendeck add --deck "..." --front ... --back ...`.\n\n'
                "Press q to quit."
            )
        local = upcoming.astimezone(col.calendar.tz)
        wait = format_interval(until(now, upcoming, col.calendar))
        more = ""
        if self.study.deck is not None and self.study.study_session == "study":
            more = (
                f'For more today: `tokendeck custom-study "{self.study.deck}" new -n 10`'
                " (or reviews, ahead, forgotten, tag).\n\n"
            )
        return (
            f"The next card is due in {wait} ({local:%a %d %b, %H:%M}).\n\n{more}"
            "Press q to quit, or keep this open: the card will appear when it is due."
        )

    def _refresh_counts(self, now: datetime) -> None:
        counts = self.study.col.queue_counts(now, self.study.deck, session=self.study.study_session)
        shown = self.current.card.state if self.current else None
        self.query_one(CountsHeader).show(self.study.deck_title, counts, shown)

    def _intervals(self, view: CardView, now: datetime) -> dict[Rating, str]:
        col = self.study.col
        preview = col.preview(view.id, now)
        return {r: format_interval(until(now, due, col.calendar)) for r, due in preview.items()}

    def _hint(self) -> None:
        if self.current is None:
            hints = [("u", "Undo"), ("q", "Quit")]
        else:
            first = ("1-4", "Rate") if self.revealed else ("space", "Show answer")
            hints = [first, ("t", "Type"), ("r", "Related"), ("e", "Edit"), ("s", "Suspend")]
            hints += [("b", "Bury"), ("f", "Flag"), ("d d", "Delete")]
            hints += [("u", "Undo"), ("q", "Quit")]
        self.query_one(KeyHints).show(hints)

    def say(self, text: str, *, level: str = "info") -> None:
        """A one-line message under the card."""
        self.query_one(StatusLine).say(text, level=level)

    async def _poll(self) -> None:
        if self.current is None:
            await self.show_next()

    # -- actions -----------------------------------------------------------------------
    async def action_reveal(self) -> None:
        """Show the back and the four ratings."""
        self._take_pending()
        if self.current is None or self.revealed:
            return
        self.revealed = True
        await self.query_one(CardFace).set_revealed(True)
        self.query_one(AnswerBar).offer(self._intervals(self.current, self.study.clock()))
        self._hint()

    async def action_rate(self, number: int) -> None:
        """Answer the shown card (only once its back is revealed); after f, flag it."""
        view = self.current
        if view is None:
            return
        if self._take_pending() == "f":
            self._flag(view, number)
            return
        if not self.revealed:
            self.say("Show the answer first (space), then rate it 1-4.")
            return
        now = self.study.clock()
        rating = Rating(number)
        started = self.shown_at or now
        duration_ms = max(0, round((now - started).total_seconds() * 1000))
        try:
            result = self.study.col.answer(view.id, rating, now=now, duration_ms=duration_ms)
        except TokenDeckError as exc:
            self.say(f"Not saved: {exc}", level="error")
            return
        self.study.session.record(view.id, rating, view.card.state)
        self.undoable.append(Undoable("answer", view.id))
        if result.leech:
            self.say(_leech_message(view, result.card.lapses), level="warning")
        else:
            self.say(f"{rating.label.capitalize()}: next in {self._next_in(result.card.due, now)}.")
        await self.show_next()

    def _next_in(self, due: datetime, now: datetime) -> str:
        return format_interval(until(now, due, self.study.col.calendar))

    async def action_undo(self) -> None:
        """Take back the last answer or suspension and show that card again.

        Answers from before this session can be undone too (the review log
        remembers them), as ``tokendeck undo`` would.
        """
        self._take_pending()
        now = self.study.clock()
        step = self.undoable[-1] if self.undoable else None
        try:
            card_id, what = self._take_back(step, now)
        except NothingToUndoError:
            self.say("Nothing to undo.")
            return
        except TokenDeckError as exc:
            self.say(f"Could not undo: {exc}", level="error")
            return
        if self.undoable:
            self.undoable.pop()
        self.say(f"Undone: {what}.")
        await self.show(self.study.col.card(card_id), now)

    def _take_back(self, step: Undoable | None, now: datetime) -> tuple[int, str]:
        col = self.study.col
        if step is not None and step.kind == "suspend":
            col.unsuspend([step.card_id], now=now)
            return step.card_id, "suspension"
        card_id = col.undo(now).id
        self.study.session.take_back(card_id)
        return card_id, "last answer"

    def _take_pending(self) -> str | None:
        pending, self.pending = self.pending, None
        return pending

    async def action_digit(self, number: int) -> None:
        """0 and 5-7 only mean something after f: the flag to set."""
        if self._take_pending() == "f" and self.current is not None:
            self._flag(self.current, number)

    def action_flag(self) -> None:
        """Flag the shown card: f, then 1 red ... 7 purple, 0 none (find them: flag:N)."""
        if self.current is None:
            return
        self.pending = "f"
        self.say("Flag: 1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple, 0 none.")

    def _flag(self, view: CardView, number: int) -> None:
        from tokendeck.domain.cards import FLAGS

        try:
            self.study.col.flag([view.id], number, now=self.study.clock())
        except TokenDeckError as exc:
            self.say(f"Could not flag: {exc}", level="error")
            return
        self.say(f"Flagged {FLAGS[number]}." if number else "Flag removed.")

    async def action_bury(self) -> None:
        """Hide the shown card until tomorrow (its siblings stay)."""
        self._take_pending()
        if self.current is None:
            return
        try:
            self.study.col.bury([self.current.id], now=self.study.clock())
        except TokenDeckError as exc:
            self.say(f"Could not bury: {exc}", level="error")
            return
        self.say("Buried until tomorrow.")
        await self.show_next()

    async def action_delete(self) -> None:
        """Delete the shown card: d, then d again to confirm (any other key keeps it)."""
        if self.current is None:
            return
        if self._take_pending() != "d":
            self.pending = "d"
            self.say("Press d again to delete this card (its note goes too if it has no other "
                     "card); any other key keeps it.", level="warning")  # fmt: skip
            return
        try:
            self.study.col.delete_card(self.current.id)
        except TokenDeckError as exc:
            self.say(f"Could not delete: {exc}", level="error")
            return
        self.say("Card deleted.")
        await self.show_next()

    async def action_suspend(self) -> None:
        """Keep the shown card out of study (u brings it back)."""
        self._take_pending()
        if self.current is None:
            return
        card_id = self.current.id
        try:
            self.study.col.suspend([card_id], now=self.study.clock())
        except TokenDeckError as exc:
            self.say(f"Could not suspend: {exc}", level="error")
            return
        self.undoable.append(Undoable("suspend", card_id))
        self.say("Suspended. Press u to undo, or `tokendeck unsuspend` later.")
        await self.show_next()

    def action_edit(self) -> None:
        """Edit the shown card's note in a dialog."""
        self._take_pending()
        view = self.current
        if view is None:
            return

        # The note as it was shown: a change made since elsewhere is not overwritten.
        loaded = view.note.modified_at

        def save(text: NoteText) -> None:
            self.study.col.edit_note(
                view.note.id,
                now=self.study.clock(),
                front=text.front,
                back=text.back,
                expected_modified=loaded,
            )

        def save_fields(fields: dict[str, str]) -> None:
            self.study.col.edit_note(
                view.note.id, now=self.study.clock(), fields=fields, expected_modified=loaded
            )

        async def saved(text: object | None) -> None:
            if text is None or self.current is None:
                return
            self.say("Saved.")
            refreshed = self.study.col.card(self.current.id)
            await self.show(refreshed, self.study.clock(), revealed=self.revealed)

        if view.is_html:  # a note from Anki: its fields, as its note type names them
            self.app.push_screen(FieldsEditScreen(dict(view.note.fields), save_fields), saved)
        else:
            self.app.push_screen(EditScreen(view.note.front, view.note.back, save), saved)

    def action_typed(self) -> None:
        """Ask the shown card as typed recall, graded by meaning (then the next card)."""
        self._take_pending()
        from tokendeck.tui.learn import AskScreen

        view = self.current
        if view is None:
            return
        try:
            question = self.study.col.build_question(
                view.id, "typed", now=self.study.clock(), rng=self.study.rng
            )
        except TokenDeckError as exc:
            self.say(f"Cannot type this card: {exc}", level="error")
            return

        async def answered(card_ids: list[int] | None) -> None:
            if not card_ids:  # left without answering: the card is still there
                return
            self.undoable += [Undoable("answer", card_id) for card_id in card_ids]
            now = self.study.clock()
            after = self.study.col.card(card_ids[0]).card
            rating = Rating(self.study.col.history(after.id)[-1].rating)
            wait = self._next_in(after.due, now)
            self.say(f"Typed: {rating.label.capitalize()}, next in {wait}.")
            await self.show_next()

        self.app.push_screen(AskScreen(question), answered)

    def action_related(self) -> None:
        """Show the cards related to the shown one (terms it mentions, similar cards)."""
        self._take_pending()
        from tokendeck.tui.related import RelatedScreen, term_of

        view = self.current
        if view is None:
            return
        try:
            found = self.study.col.related(view.id, now=self.study.clock())
        except TokenDeckError as exc:
            self.say(f"No related cards: {exc}", level="error")
            return
        self.app.push_screen(RelatedScreen(term_of(view.front), found))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """Mouse clicks on the answer bar run the same actions as the keys."""
        name = event.button.id or ""
        if name == "reveal":
            await self.action_reveal()
        elif name in {r.label for r in Rating}:
            await self.action_rate(int(Rating.parse(name)))


def _leech_message(view: CardView, lapses: int) -> str:
    front = view.front.strip().splitlines()[0][:40] if view.front.strip() else f"card {view.id}"
    return (
        f'"{front}" was forgotten {lapses} times and is suspended as a leech: '
        "rewrite it (`tokendeck edit`), then `tokendeck unsuspend`."
    )
