"""The related-cards dialog (`r`): terms a card mentions, cards mentioning it, similar cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tokendeck.quiz.links import Related

#: How each reason reads in the list.
REASONS = {"mentions": "mentions", "mentioned_by": "mentioned by", "similar": "similar to"}


class RelatedScreen(ModalScreen[None]):
    """A list over the study screen; Escape, r or q closes it."""

    DEFAULT_CSS = """
    RelatedScreen { align: center middle; }
    RelatedScreen #related {
        width: 90%; max-width: 90; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    RelatedScreen #related-title { color: $text-primary; text-style: bold; }
    RelatedScreen .related { color: $foreground; }
    RelatedScreen #related-none, RelatedScreen #related-keys { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,r,q", "close", "Close"),
    ]

    def __init__(self, term: str, found: Sequence[Related]) -> None:
        super().__init__()
        self.term = term
        self.found = tuple(found)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="related"):
            yield Static(Text(f"Related to {self.term}"), id="related-title")
            for each in self.found:
                why = REASONS.get(each.reason, each.reason)
                line = f"{why:<13} {each.term}  (card {each.card_id})"
                yield Static(Text(line), classes="related")
            if not self.found:
                yield Static("No related cards in this deck.", id="related-none")
            yield Static("Esc close", id="related-keys")

    def action_close(self) -> None:
        """Back to the card."""
        self.dismiss(None)


def term_of(front: str) -> str:
    """A short name for the card in the dialog's title."""
    first = front.strip().splitlines()[0] if front.strip() else "this card"
    return first if len(first) <= 60 else first[:57] + "..."
