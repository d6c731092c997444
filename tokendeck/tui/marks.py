"""The marked answer: verdict, score, concepts found and missed, the suggested rating.

Shown after every question in Learn mode (and after `t` in the study screen).
With one card marked, the learner accepts the suggestion with Enter or
overrides it with 1-4; when the grader is unsure of a typed answer (low
confidence) there is no suggestion and the learner rates with 1-4. A
matching round rates each of its cards and has no override (each pair's
rating follows from right, wrong and the time taken).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tokendeck.domain.cards import Rating
from tokendeck.quiz.formats import Question
from tokendeck.quiz.marking import Mark

#: Theme variable per verdict, so colours follow the light or dark theme.
_STYLE = {"correct": "success", "partly_correct": "warning", "incorrect": "error"}


class MarksView(VerticalScroll):
    """What the grader made of the answer, and what happens next."""

    DEFAULT_CSS = """
    MarksView { height: 1fr; padding: 0 2; }
    MarksView > Static { width: 100%; }
    MarksView #marked-prompt { color: $text-muted; }
    MarksView .verdict { text-style: bold; margin: 1 0 0 0; }
    MarksView .verdict.success { color: $text-success; }
    MarksView .verdict.warning { color: $text-warning; }
    MarksView .verdict.error { color: $text-error; }
    MarksView .detail { color: $foreground; }
    MarksView .found { color: $text-success; }
    MarksView .missed { color: $text-error; }
    MarksView #suggestion { margin: 1 0 0 0; color: $text-accent; text-style: bold; }
    MarksView #intervals { color: $text-muted; }
    """

    def __init__(
        self,
        question: Question,
        marks: Sequence[Mark],
        intervals: Mapping[Rating, str] | None = None,
    ) -> None:
        super().__init__(can_focus=False)
        self.question = question
        self.marks = tuple(marks)
        self.intervals = dict(intervals or {})

    def compose(self) -> ComposeResult:
        yield Static(self.question.prompt, id="marked-prompt", markup=False)
        terms = {t.card_id: t.text for t in self.question.terms}
        for each in self.marks:
            yield from _mark_lines(each, terms.get(each.card_id) if len(self.marks) > 1 else None)
        yield Static(suggestion_text(self.marks), id="suggestion", markup=False)
        if self.intervals and len(self.marks) == 1:
            yield Static(Text(_interval_line(self.intervals)), id="intervals")


def _mark_lines(each: Mark, term: str | None) -> ComposeResult:
    """Lines for one mark; ``term`` names the pair in a matching round."""
    several, grade = term is not None, each.grade
    verdict = each.verdict.replace("_", " ").capitalize()
    head = f"{verdict}: {term}" if several else verdict
    if grade is not None:
        head += f"  (score {each.score:.2f})"
    yield Static(head, classes=f"verdict {_STYLE.get(each.verdict, 'error')}", markup=False)
    if each.correct and (several or grade is None):
        return  # "Right." / "Matched." say nothing the verdict did not
    if each.response and not several and (grade is not None or not each.correct):
        yield Static(Text(f"Your answer: {each.response}"), classes="detail")
    if not each.correct or grade is not None:
        yield Static(Text(_without_concepts(each.explanation)), classes="detail")
    if grade is not None and grade.found:
        yield Static(Text("Found: " + ", ".join(grade.found)), classes="found")
    if grade is not None and grade.missed:
        yield Static(Text("Missed: " + ", ".join(grade.missed)), classes="missed")
    if not each.correct and not several:
        yield Static(Text(f"Expected: {each.expected}"), classes="detail")


def _without_concepts(explanation: str) -> str:
    # The grader ends its explanation with "Found: ... Missed: ..."; those get lines of their own.
    return explanation.split(" Found: ")[0].split(" Missed: ")[0]


def _interval_line(intervals: Mapping[Rating, str]) -> str:
    return "   ".join(f"{int(r)} {r.label.capitalize()} {intervals[r]}" for r in intervals)


def suggestion_text(marks: Sequence[Mark]) -> str:
    """The line that says which rating each card will get."""
    if len(marks) == 1:
        if marks[0].self_rate:
            return "Not sure about this one: rate yourself with 1-4."
        rating = marks[0].rating
        return f"Suggested: {int(rating)} {rating.label.capitalize()}"
    counts = {r: sum(1 for m in marks if m.rating == r) for r in Rating}
    parts = [f"{n} {r.label}" for r, n in counts.items() if n]
    return f"{sum(m.correct for m in marks)} of {len(marks)} matched: " + ", ".join(parts)
