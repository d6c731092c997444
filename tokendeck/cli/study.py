"""``tokendeck study [DECK]``: the full-screen study session."""

from __future__ import annotations

import sys

import click

from tokendeck.cli.state import state
from tokendeck.errors import ValidationError


@click.command("study")
@click.argument("deck", required=False)
@click.option(
    "--theme",
    metavar="NAME",
    help="Textual theme, e.g. textual-light or textual-dark (default: Textual's default).",
)
@click.option("--custom", is_flag=True, help="Study DECK's custom session (see custom-study).")
def study(deck: str | None, theme: str | None, custom: bool) -> None:
    """Study due cards full-screen (DECK defaults to all decks).

    Space or Enter shows the answer; 1-4 rate it (again, hard, good, easy);
    u undoes, e edits the card, s suspends it, b buries it until tomorrow,
    f then 0-7 flags it, d twice deletes it, q quits with a summary.

    \b
    Example:
      tokendeck study
      tokendeck study "LLM Vocabulary"
    """
    cli_state = state()
    col = cli_state.collection()
    if deck is not None:
        deck = col.deck(deck).name  # NotFoundError lists the decks there are
    from tokendeck.tui.app import StudyApp
    from tokendeck.tui.session import format_summary

    # With --now the clock is fixed; without, state().now reads the wall clock.
    if custom and deck is None:
        raise ValidationError("a custom session belongs to a deck", hint="name the deck")
    session = "custom" if custom else "study"
    app = StudyApp(col, deck=deck, clock=cli_state.now, theme=theme, session=session)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ValidationError(
            "the study screen needs an interactive terminal",
            hint="run it in a terminal, or script with `tokendeck next` and `tokendeck answer`",
        )
    summary = app.run()
    if summary is not None:
        click.echo(format_summary(summary))
