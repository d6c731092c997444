"""Asking a question in the terminal and reading the learner's response.

Shared by ``tokendeck learn`` and ``tokendeck quiz test``: shows any question
format as plain text and turns what was typed into the response its marker
expects (see :mod:`tokendeck.quiz.marking`).
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING

import click

from tokendeck.domain.cards import Rating
from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.quiz.formats import Question
    from tokendeck.quiz.marking import Mark, Response

LETTERS = string.ascii_uppercase


def show(question: Question, number: int | None = None) -> None:
    """Print a question (options lettered, matching terms numbered)."""
    head = f"{number}. " if number is not None else ""
    click.secho(f"\n{head}[{question.format.replace('_', ' ')}] {question.prompt}", bold=True)
    if question.format == "matching":
        for i, term in enumerate(question.terms, 1):
            click.echo(f"  {i}. {term.text}")
        click.echo("")
    for i, choice in enumerate(question.choices):
        click.echo(f"  {LETTERS[i]}. {choice.text}")
    if question.time_limit_s:
        click.echo(f"  (answer within {question.time_limit_s:.0f} s, e.g. 1A 2C 3B ...)")


def read_response(question: Question) -> Response:
    """Prompt until the input fits the question's format."""
    while True:
        raw = click.prompt(_hint(question), default="", show_default=False).strip()
        try:
            return parse_response(question, raw)
        except ValueError as exc:
            click.echo(f"  {exc}")


def _hint(question: Question) -> str:
    if question.format == "flip":
        return "Answer in your head, then Enter to show the back"
    if question.format == "true_false":
        return "True or false? [t/f]"
    if question.choices and question.format != "matching":
        return f"Your choice [A-{LETTERS[len(question.choices) - 1]}]"
    if question.format == "matching":
        return "Your matches"
    return "Your answer"


def parse_response(question: Question, raw: str) -> Response:
    """The typed input as the response for ``question`` (ValueError says what to type)."""
    fmt = question.format
    if fmt == "flip":
        return _flip_rating(question)
    if fmt == "true_false":
        if raw[:1].lower() in ("t", "y"):
            return True
        if raw[:1].lower() in ("f", "n"):
            return False
        raise ValueError("type t (true) or f (false)")
    if fmt == "matching":
        return parse_matches(question, raw)
    if question.choices:
        return _choice_index(question, raw)
    return raw


def _flip_rating(question: Question) -> Rating:
    click.echo(f"\n{question.answer}\n")
    while True:
        raw = click.prompt("Rate it: 1 again, 2 hard, 3 good, 4 easy", default="3")
        try:
            return Rating.parse(raw)
        except ValidationError:
            click.echo("  type 1, 2, 3 or 4")


def _choice_index(question: Question, raw: str) -> int:
    token = raw.strip().upper()
    count = len(question.choices)
    if len(token) == 1 and token in LETTERS[:count]:
        return LETTERS.index(token)
    if token.isdigit() and 1 <= int(token) <= count:
        return int(token) - 1
    raise ValueError(f"type a letter from A to {LETTERS[count - 1]}")


def parse_matches(question: Question, raw: str) -> dict[int, int]:
    """``"1A 2C 3B"`` -> {term card id: definition card id}."""
    matches: dict[int, int] = {}
    for token in raw.replace(",", " ").split():
        number, letter = token[:-1], token[-1:].upper()
        if not number.isdigit() or letter not in LETTERS[: len(question.choices)]:
            raise ValueError(f"{token!r}: write a term number and a letter, like 2C")
        index = int(number) - 1
        if not 0 <= index < len(question.terms):
            raise ValueError(f"there is no term {number}")
        matches[question.terms[index].card_id] = question.choices[LETTERS.index(letter)].card_id
    return matches


def show_marks(marks: list[Mark], *, numbered: bool = False) -> None:
    """Print each mark's verdict, explanation and suggested rating (and the answer if missed)."""
    for number, each in enumerate(marks, 1):
        colour = {"correct": "green", "partly_correct": "yellow"}.get(each.verdict, "red")
        verdict = each.verdict.replace("_", " ")
        label = f"{number}. " if numbered else ""
        click.secho(f"  {label}{verdict} ({each.score:.2f})", fg=colour, nl=False)
        click.echo(f": {each.explanation}  -> {each.rating.label}")
        if each.grade is not None and each.verdict != "correct":
            click.echo(f"     Expected: {each.expected}")
