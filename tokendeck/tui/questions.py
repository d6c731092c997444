"""Question views: one widget per question format, turning keys into a response.

A view shows a :class:`~tokendeck.quiz.formats.Question` and posts
:class:`QuestionView.Responded` with the response its marker expects (see
:mod:`tokendeck.quiz.marking`): a Rating for flip, the typed text for typed /
reverse / cloze, an option index for multiple choice and discrimination, a
bool for true / false, {term card id: definition card id} for matching.

Keys reach a view through :meth:`QuestionView.press`, called by the screen,
except typed answers, which an Input collects. Text from cards is shown with
markup off, so brackets in a definition are never read as styling.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from tokendeck.domain.cards import Rating
from tokendeck.quiz.formats import Question
from tokendeck.quiz.marking import Response

LETTERS = string.ascii_uppercase
Hints = list[tuple[str, str]]

#: What the learner sees above the prompt, per format.
TITLES = {
    "flip": "Recall",
    "typed": "Type the answer",
    "reverse": "Which term is this?",
    "multiple_choice": "Multiple choice",
    "true_false": "",  # the prompt says "True or false?"
    "matching": "",  # the prompt says "Match each term ..."
    "cloze": "Fill the gap",
    "discrimination": "Tell them apart",
}


class QuestionView(VerticalScroll):
    """A question on screen; subclasses collect the answer."""

    DEFAULT_CSS = """
    QuestionView { height: 1fr; padding: 0 2; }
    QuestionView > Static { width: 100%; }
    QuestionView .kind { color: $text-muted; }
    QuestionView #prompt { text-style: bold; margin: 0 0 1 0; }
    QuestionView .option { padding: 0 1; margin: 0 0 0 0; }
    QuestionView .option.-selected { background: $boost; color: $text-accent; }
    QuestionView .option.-matched { color: $text-muted; }
    QuestionView .timer { color: $text-warning; }
    QuestionView #terms { margin: 0 0 1 0; padding: 0 1; }
    QuestionView .answer { color: $text-success; margin: 1 0 0 0; }
    """

    class Responded(Message):
        """The learner answered."""

        def __init__(self, response: Response) -> None:
            super().__init__()
            self.response = response

    def __init__(self, question: Question) -> None:
        super().__init__(can_focus=False)
        self.question = question

    def compose(self) -> ComposeResult:
        title = TITLES.get(self.question.format, self.question.format)
        if title:
            yield Static(title, classes="kind")
        yield Static(self.question.prompt, id="prompt", markup=False)
        yield from self.body()

    def body(self) -> ComposeResult:
        """The part under the prompt (options, input box)."""
        yield from ()

    def press(self, key: str) -> bool:
        """Handle a key; True when it meant something here."""
        return False

    def hints(self) -> Hints:
        """The keys this view answers to."""
        return []

    def respond(self, response: Response) -> None:
        """Hand the answer to the screen."""
        self.post_message(self.Responded(response))


class FlipView(QuestionView):
    """Think of the answer, show it, rate yourself 1-4."""

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        self.revealed = False

    def body(self) -> ComposeResult:
        yield Static(self.question.answer, classes="answer", id="flip-answer", markup=False)

    def on_mount(self) -> None:
        self.query_one("#flip-answer").display = False

    def press(self, key: str) -> bool:
        if not self.revealed and key in ("space", "enter"):
            self.revealed = True
            self.query_one("#flip-answer").display = True
            return True
        if self.revealed and key in "1234" and len(key) == 1:
            self.respond(Rating(int(key)))
            return True
        return False

    def hints(self) -> Hints:
        return [("1-4", "Rate")] if self.revealed else [("space", "Show answer")]


class TypedView(QuestionView):
    """Typed recall, reverse and cloze: an input box, Enter to check.

    A reverse question may be self-rated instead (the term recalled in one's
    head): Escape leaves the box, space shows the answer, 1-4 rate it.
    """

    def __init__(self, question: Question, *, self_rating: bool = True) -> None:
        super().__init__(question)
        self.revealed = False
        self.self_rating = self_rating and question.format == "reverse"

    def body(self) -> ComposeResult:
        yield Input(
            placeholder="Type your answer, Enter to check", id="typed", select_on_focus=False
        )
        if self.self_rating:
            yield Static(self.question.answer, classes="answer", id="self-answer", markup=False)

    def on_mount(self) -> None:
        if self.self_rating:
            self.query_one("#self-answer").display = False
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.input.disabled = True  # one answer per question
        self.respond(event.value.strip())

    def press(self, key: str) -> bool:
        # Only reached when the box lost focus (Escape): i or Enter goes back to typing.
        box = self.query_one(Input)
        if key in ("i", "enter") and not box.disabled:
            box.focus()
            return True
        if not self.self_rating:
            return False
        if key == "space" and not self.revealed:
            self.revealed, box.disabled = True, True
            self.query_one("#self-answer").display = True
            return True
        if self.revealed and len(key) == 1 and key in "1234":
            self.respond(Rating(int(key)))
            return True
        return False

    def hints(self) -> Hints:
        if self.revealed:
            return [("1-4", "Rate yourself")]
        if self.query_one(Input).has_focus:
            return [("enter", "Check"), ("esc", "Leave the box")]
        if self.self_rating:
            return [("i", "Type"), ("space", "Show answer")]
        return [("i", "Type")]


class ChoiceView(QuestionView):
    """Multiple choice and discrimination: 1-N, or arrows and Enter."""

    def __init__(self, question: Question) -> None:
        super().__init__(question)
        self.selected = 0

    def body(self) -> ComposeResult:
        for i, choice in enumerate(self.question.choices):
            yield Static(f"{i + 1}. {choice.text}", classes="option", markup=False)

    def on_mount(self) -> None:
        self._highlight()

    def press(self, key: str) -> bool:
        count = len(self.question.choices)
        if key in ("up", "down"):
            self.selected = (self.selected + (1 if key == "down" else -1)) % count
            self._highlight()
        elif key == "enter":
            self.respond(self.selected)
        elif key.isdigit() and 1 <= int(key) <= count:
            self.selected = int(key) - 1
            self._highlight()
            self.respond(self.selected)
        else:
            return False
        return True

    def _highlight(self) -> None:
        for i, option in enumerate(self.query(".option")):
            option.set_class(i == self.selected, "-selected")
        options = list(self.query(".option"))
        if options:
            self.scroll_to_widget(options[self.selected], animate=False)

    def hints(self) -> Hints:
        return [(f"1-{len(self.question.choices)}", "Choose"), ("↑↓ enter", "Pick")]


class TrueFalseView(QuestionView):
    """A statement: t (or y) for true, f (or n) for false."""

    def press(self, key: str) -> bool:
        if key in ("t", "y"):
            self.respond(True)
        elif key in ("f", "n"):
            self.respond(False)
        else:
            return False
        return True

    def hints(self) -> Hints:
        return [("t", "True"), ("f", "False")]


class MatchingView(QuestionView):
    """A timed round: pick a term (1-6), then its definition (a-f).

    A letter with no term picked goes to the first unmatched term, so typing
    the letters in order answers the round; it is sent when every term is
    matched, or on Enter. Backspace undoes the last match.
    """

    def __init__(self, question: Question, clock: Callable[[], datetime]) -> None:
        super().__init__(question)
        self.clock = clock
        self.started = clock()
        self.term: int | None = None
        self.matches: dict[int, int] = {}  # term position -> definition position
        self.order: list[int] = []

    def body(self) -> ComposeResult:
        yield Static("", classes="timer", id="timer")
        # The terms share one line (or two): six definitions need the rest of 24 rows.
        yield Static(self._terms_line(), id="terms")
        for i, choice in enumerate(self.question.choices):
            yield Static(f"{LETTERS[i]}. {choice.text}", classes="option definition", markup=False)

    def on_mount(self) -> None:
        self._tick()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        limit = self.question.time_limit_s or 0.0
        left = limit - (self.clock() - self.started).total_seconds()
        text = f"{left:.0f} s left" if left > 0 else "Time is up: matches now count as Hard"
        self.query_one("#timer", Static).update(text)

    def press(self, key: str) -> bool:
        terms, count = len(self.question.terms), len(self.question.choices)
        if key.isdigit() and 1 <= int(key) <= terms:
            self.term = int(key) - 1
        elif len(key) == 1 and key.upper() in LETTERS[:count]:
            self._match(LETTERS.index(key.upper()))
        elif key == "backspace" and self.order:
            self.matches.pop(self.order.pop(), None)
        elif key in ("up", "down", "pageup", "pagedown"):
            step = {"up": -1, "down": 1, "pageup": -10, "pagedown": 10}[key]
            self.scroll_relative(y=step, animate=False)
        elif key == "enter":
            self.respond(self.response())
            return True
        else:
            return False
        self._show()
        return True

    def _match(self, definition: int) -> None:
        unmatched = [i for i in range(len(self.question.terms)) if i not in self.matches]
        term = self.term if self.term is not None else (unmatched[0] if unmatched else None)
        if term is None:
            return
        self.matches[term] = definition
        self.order = [t for t in self.order if t != term] + [term]
        self.term = None
        if len(self.matches) == len(self.question.terms):
            self.respond(self.response())

    def response(self) -> dict[int, int]:
        """The matches so far as {term card id: definition card id}."""
        q = self.question
        return {q.terms[t].card_id: q.choices[d].card_id for t, d in self.matches.items()}

    def _terms_line(self) -> Text:
        line = Text()
        for i, term in enumerate(self.question.terms):
            chosen = self.matches.get(i)
            arrow = f"→{LETTERS[chosen]}" if chosen is not None else ""
            style = "reverse" if i == self.term else ("dim" if chosen is not None else "bold")
            line.append(f"{i + 1} {term.text}{arrow}", style=style)
            line.append("   ")
        return line

    def _show(self) -> None:
        self.query_one("#terms", Static).update(self._terms_line())
        used = set(self.matches.values())
        for i, widget in enumerate(self.query(".definition")):
            widget.set_class(i in used, "-matched")

    def hints(self) -> Hints:
        return [("1-6", "Term"), ("a-f", "Match"), ("⌫", "Unmatch"), ("enter", "Done")]


def view_for(
    question: Question, clock: Callable[[], datetime], *, self_rating: bool = True
) -> QuestionView:
    """The view that asks ``question`` (``self_rating`` False in tests, which are marked)."""
    fmt = question.format
    if fmt == "flip":
        return FlipView(question)
    if question.typed:
        return TypedView(question, self_rating=self_rating)
    if fmt in ("multiple_choice", "discrimination"):
        return ChoiceView(question)
    if fmt == "true_false":
        return TrueFalseView(question)
    if fmt == "matching":
        return MatchingView(question, clock)
    return FlipView(question)
