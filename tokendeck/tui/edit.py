"""The edit dialog: change a card's note (front and back) without leaving the session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

from tokendeck.errors import TokenDeckError


@dataclass(frozen=True, slots=True)
class NoteText:
    """The text the learner saved."""

    front: str
    back: str


class EditScreen(ModalScreen[NoteText | None]):
    """Two text areas; Ctrl+S saves, Escape cancels (dismissing with None).

    ``save`` stores the text and raises TokenDeckError when it cannot (an empty
    front, say); the dialog then stays open with the message, so nothing typed
    is lost.
    """

    DEFAULT_CSS = """
    EditScreen { align: center middle; }
    EditScreen #dialog {
        width: 90%; max-width: 100; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    EditScreen Label { color: $text-muted; margin: 1 0 0 0; }
    EditScreen #title { color: $text-primary; text-style: bold; margin: 0; }
    EditScreen #problem { color: $text-error; margin: 0; }
    EditScreen TextArea { height: auto; min-height: 3; max-height: 8; }
    EditScreen #buttons { height: 3; align-horizontal: right; margin: 1 0 0 0; }
    EditScreen Button { margin: 0 0 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, front: str, back: str, save: Callable[[NoteText], None]) -> None:
        super().__init__()
        self._front = front
        self._back = back
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Edit card  (Ctrl+S save · Esc cancel)", id="title")
            yield Label("Front")
            yield TextArea(self._front, id="front", soft_wrap=True)
            yield Label("Back")
            yield TextArea(self._back, id="back", soft_wrap=True)
            yield Label("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#front", TextArea).focus()

    def action_save(self) -> None:
        """Store the text and close, or say why it cannot be stored."""
        front = self.query_one("#front", TextArea).text
        text = NoteText(front, self.query_one("#back", TextArea).text)
        try:
            self._save(text)
        except TokenDeckError as exc:
            self.query_one("#problem", Label).update(f"Not saved: {exc}")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()


class FieldsEditScreen(ModalScreen[dict[str, str] | None]):
    """The edit dialog of a note from Anki: a text area per field of its note type.

    Fields hold Anki's HTML as stored; Ctrl+S saves them all, Escape cancels.
    """

    DEFAULT_CSS = EditScreen.DEFAULT_CSS.replace("EditScreen", "FieldsEditScreen")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, fields: dict[str, str], save: Callable[[dict[str, str]], None]) -> None:
        super().__init__()
        self._fields = dict(fields)
        self._save = save

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Edit note  (Ctrl+S save · Esc cancel)", id="title")
            for index, (name, value) in enumerate(self._fields.items()):
                yield Label(name)
                yield TextArea(value, id=f"field-{index}", soft_wrap=True)
            yield Label("", id="problem")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query(TextArea).first().focus()

    def edited(self) -> dict[str, str]:
        """The fields as they are in the dialog now."""
        return {
            name: self.query_one(f"#field-{index}", TextArea).text
            for index, name in enumerate(self._fields)
        }

    def action_save(self) -> None:
        """Store the fields and close, or say why they cannot be stored."""
        fields = self.edited()
        try:
            self._save(fields)
        except TokenDeckError as exc:
            self.query_one("#problem", Label).update(f"Not saved: {exc}")
            return
        self.dismiss(fields)

    def action_cancel(self) -> None:
        """Close without changes."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()
