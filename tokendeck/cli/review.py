"""Scripted studying: ``next``, ``answer``, ``undo``."""

from __future__ import annotations

from datetime import datetime

import click

from tokendeck.cli.output import card_dict, echo_json, iso
from tokendeck.cli.state import state
from tokendeck.domain.cards import Rating


def _in(now: datetime, moment: datetime) -> str:
    """How far ``moment`` is, as the learner counts it (study days for day-based dues)."""
    from tokendeck.domain.intervals import format_interval, until

    return format_interval(until(now, moment, state().collection().calendar))


@click.command("next")
@click.argument("deck", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the card as JSON.")
@click.option("--custom", is_flag=True, help="From DECK's custom study session.")
def next_card(deck: str | None, as_json: bool, custom: bool) -> None:
    """Show the next card due (DECK defaults to all decks).

    \b
    Example:
      tokendeck next --json
      tokendeck --now 2026-11-28T09:00 next "LLM Vocabulary"
    """
    col, now = state().collection(), state().now()
    session = "custom" if custom else "study"
    view = col.next_card(now, deck, session=session)
    counts = col.queue_counts(now, deck, session=session)
    if view is None:
        due = col.next_due(now, deck, session=session)
        if as_json:
            echo_json({"card": None, "next_due": iso(due), "counts": _counts(counts)})
        else:
            when = f"; the next card is due {iso(due)} (in {_in(now, due)})" if due else ""
            click.echo(f"Nothing due now{when}.")
        return
    preview = col.preview(view.id, now)
    if as_json:
        data = card_dict(view)
        data["intervals"] = {r.label: iso(t) for r, t in preview.items()}
        echo_json({"card": data, "counts": _counts(counts)})
        return
    click.echo(
        f"[{view.deck_name}] card {view.id}  "
        f"new {counts.new} · learning {counts.learning} · due {counts.review}"
    )
    click.echo(view.front)
    buttons = "  ".join(f"{r.label} {_in(now, t)}" for r, t in preview.items())
    click.echo(f"\nAnswer with: tokendeck answer {view.id} again|hard|good|easy   ({buttons})")


def _counts(counts: object) -> dict[str, int]:
    return {k: getattr(counts, k) for k in ("new", "learning", "review")}


@click.command("answer")
@click.argument("card_id", type=int)
@click.argument(
    "rating",
    type=click.Choice(["again", "hard", "good", "easy", "1", "2", "3", "4"], case_sensitive=False),
)
@click.option(
    "--duration", "duration_ms", type=click.IntRange(min=0), default=0, help="Time taken, in ms."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def answer(card_id: int, rating: str, duration_ms: int, as_json: bool) -> None:
    """Record an answer for CARD_ID and print when it is due next.

    \b
    Example:
      tokendeck answer 12 good
    """
    col, now = state().collection(), state().now()
    result = col.answer(card_id, Rating.parse(rating), now=now, duration_ms=duration_ms)
    if as_json:
        echo_json(
            {
                "card_id": card_id,
                "rating": result.review.rating,
                "state": result.card.state.label,
                "due": iso(result.card.due),
                "leech": result.leech,
                "review_id": result.review.id,
            }
        )
        return
    click.echo(
        f"Card {card_id}: {Rating(result.review.rating).label} -> {result.card.state.label}, "
        f"due {iso(result.card.due)} (in {_in(now, result.card.due)})."
    )
    if result.leech:
        click.echo(
            "This card is a leech (forgotten many times): it was tagged 'leech' and suspended. "
            "Rewrite it, then `tokendeck unsuspend " + str(card_id) + "`."
        )


@click.command("undo")
@click.option("--json", "as_json", is_flag=True, help="Print the restored card as JSON.")
def undo(as_json: bool) -> None:
    """Take back the last answer (repeat to go further back).

    \b
    Example:
      tokendeck undo
    """
    col, now = state().collection(), state().now()
    card = col.undo(now)
    if as_json:
        echo_json({"card_id": card.id, "state": card.state.label, "due": iso(card.due)})
        return
    click.echo(
        f"Undid the last answer of card {card.id}: "
        f"it is {card.state.label} again, due {iso(card.due)}."
    )
