"""The pieces of the study screen: counts header, card face, answer bar, nothing-due panel.

Colours come from Textual's theme variables only ($primary, $text-success, ...),
so the screen reads well in light and dark themes alike.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Markdown, Rule, Static
from textual.widgets.button import ButtonVariant

from tokendeck.domain.cards import CardState, CardView, Rating
from tokendeck.scheduling.queue import QueueCounts

#: Button variant per rating, so "Again" looks like a warning and "Good" like the default.
_VARIANTS: dict[Rating, ButtonVariant] = {
    Rating.AGAIN: "error",
    Rating.HARD: "warning",
    Rating.GOOD: "success",
    Rating.EASY: "primary",
}


#: Which header count a card in each state is counted in.
_QUEUE_OF = {
    CardState.NEW: "new",
    CardState.LEARNING: "learning",
    CardState.RELEARNING: "learning",
    CardState.REVIEW: "due",
}


class CountsHeader(Horizontal):
    """One line: app name, deck, and the new / learning / due cards left today."""

    DEFAULT_CSS = """
    CountsHeader { height: 1; background: $panel; padding: 0 1; }
    CountsHeader Label { padding: 0 1 0 0; }
    CountsHeader #brand { color: $text-accent; text-style: bold; }
    CountsHeader #deck { color: $foreground; text-style: bold; width: 1fr; }
    CountsHeader #new { color: $text-primary; }
    CountsHeader #learning { color: $text-error; }
    CountsHeader #due { color: $text-success; padding: 0; }
    CountsHeader .current { text-style: bold underline; }
    """

    def compose(self) -> ComposeResult:
        yield Label("TokenDeck", id="brand")
        yield Label("", id="deck")
        yield Label("", id="new")
        yield Label("", id="learning")
        yield Label("", id="due")

    def show(self, deck: str, counts: QueueCounts, shown: CardState | None) -> None:
        """Update the deck name and counts; underline the count the shown card is from."""
        self.query_one("#deck", Label).update(f"· {deck}")
        values = {"new": counts.new, "learning": counts.learning, "due": counts.review}
        for name, value in values.items():
            label = self.query_one(f"#{name}", Label)
            label.update(f"{name.capitalize()} {value}")
            label.set_class(shown is not None and _QUEUE_OF[shown] == name, "current")


class CardFace(VerticalScroll):
    """The card: a muted line about it, the front, and after reveal, the back."""

    DEFAULT_CSS = """
    CardFace { height: 1fr; align-horizontal: center; padding: 1 2 0 2; }
    CardFace > * { max-width: 100; }
    CardFace #meta { color: $text-muted; width: 100%; padding: 0 1; }
    CardFace Markdown { margin: 0; padding: 0 1; background: transparent; }
    CardFace #front { text-style: bold; }
    CardFace Rule.-horizontal { color: $primary; margin: 0 0 1 0; }
    CardFace .hidden { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="meta")
        yield Markdown("", id="front")
        yield Rule(id="divider", classes="hidden")
        yield Markdown("", id="back", classes="hidden")

    def __init__(self) -> None:
        super().__init__()
        self._back = ""
        self._rendered: dict[str, str] = {"front": "", "back": ""}

    async def show_card(self, view: CardView, *, revealed: bool) -> None:
        """Show a card's front (and back when ``revealed``)."""
        tags = ", ".join(t for t in view.note.tags if t != "leech")
        meta = f"{view.deck_name} · {view.card.state.label}" + (f" · {tags}" if tags else "")
        self.query_one("#meta", Static).update(meta)
        if view.is_html:  # terminal text of an Anki card: shown as written, not as Markdown
            await self._render_part("front", markdown_literal(view.front))
            self._back = markdown_literal(view.back)
        else:
            await self._render_part("front", view.front)
            self._back = view.back
        await self.set_revealed(revealed)
        self.scroll_home(animate=False)

    async def set_revealed(self, revealed: bool) -> None:
        """Show or hide the back (rendered only when shown: Markdown mounting is not free)."""
        if revealed:
            await self._render_part("back", self._back)
        self.query_one("#divider").set_class(not revealed, "hidden")
        self.query_one("#back").set_class(not revealed, "hidden")

    async def _render_part(self, part: str, text: str) -> None:
        if self._rendered[part] != text:
            self._rendered[part] = text
            await self.query_one(f"#{part}", Markdown).update(text)


#: ASCII punctuation Markdown may read as markup; a backslash before any of it is literal.
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&=])")


def markdown_literal(text: str) -> str:
    """Plain text as Markdown that shows it as it is: every mark escaped, each line break
    kept (a hard break), blank lines still separating paragraphs."""
    lines = [_MARKUP.sub(r"\\\1", line.rstrip()) for line in text.split("\n")]
    out: list[str] = []
    for index, line in enumerate(lines):
        follows = index + 1 < len(lines) and lines[index + 1].strip()
        out.append(line + ("\\" if line.strip() and follows else ""))
    return "\n".join(out)


class KeyButton(Button, can_focus=False):
    """A button the mouse can press but the keyboard never focuses.

    Focusable buttons would turn Enter (reveal) into "press the focused
    rating", a nasty surprise; every button here has its own key anyway.
    """


class AnswerBar(Horizontal):
    """Either "Show answer" or the four rating buttons, each with its interval."""

    DEFAULT_CSS = """
    AnswerBar { height: 3; align-horizontal: center; margin: 0 1; }
    AnswerBar KeyButton { width: 1fr; max-width: 24; margin: 0 1 0 0; }
    AnswerBar #reveal { max-width: 48; }
    AnswerBar.-answer #reveal { display: none; }
    AnswerBar.-question .rating { display: none; }
    """

    def compose(self) -> ComposeResult:
        yield KeyButton("Show answer  (space)", id="reveal", variant="primary")
        for rating in Rating:
            yield KeyButton(
                _label(rating, ""), id=rating.label, variant=_VARIANTS[rating], classes="rating"
            )

    def on_mount(self) -> None:
        self.add_class("-question")

    def ask(self) -> None:
        """Question side: only "Show answer"."""
        self._side("-question")

    def offer(self, intervals: dict[Rating, str]) -> None:
        """Answer side: the four ratings with the interval each would give."""
        for rating in Rating:
            self.query_one(f"#{rating.label}", Button).label = _label(rating, intervals[rating])
        self._side("-answer")

    def _side(self, side: str) -> None:
        # One class swap on the bar restyles once; toggling five buttons restyles five times.
        self.update_classes({"-question": side == "-question", "-answer": side == "-answer"})


def _label(rating: Rating, interval: str) -> str:
    return f"{int(rating)} {rating.label.capitalize()}  {interval}".rstrip()


class StatusLine(Static):
    """What just happened ("Suspended.", "Undone.", a leech warning), one line."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 2; color: $text-muted; }
    StatusLine.warning { color: $text-warning; text-style: bold; }
    StatusLine.error { color: $text-error; text-style: bold; }
    """

    def say(self, text: str, *, level: str = "info") -> None:
        """Show a message; ``level`` is "info", "warning" or "error"."""
        self.update(text)
        self.set_class(level == "warning", "warning")
        self.set_class(level == "error", "error")


class KeyHints(Static):
    """The keys that do something right now, on the bottom line.

    Textual's Footer rebuilds all its widgets whenever bindings change, which
    made every key press noticeably slower; one line of text does the job.
    """

    DEFAULT_CSS = """
    KeyHints { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def show(self, hints: list[tuple[str, str]]) -> None:
        """Show ``(key, what it does)`` pairs."""
        self.update("   ".join(f"[b $text-accent]{key}[/] {label}" for key, label in hints))


class NothingDue(Vertical):
    """Shown instead of a card when nothing is left to study right now."""

    DEFAULT_CSS = """
    NothingDue { height: 1fr; align: center middle; }
    NothingDue > Static { width: auto; max-width: 70; padding: 0 4; }
    NothingDue #done-detail { padding: 1 4 0 4; }
    NothingDue #done-title { color: $text-success; text-style: bold; }
    NothingDue #done-detail { color: $foreground; }
    """

    def compose(self) -> ComposeResult:
        yield Static("Nothing is due right now.", id="done-title")
        yield Static("", id="done-detail")

    def show(self, detail: str) -> None:
        """Explain when to come back."""
        self.query_one("#done-detail", Static).update(detail)
