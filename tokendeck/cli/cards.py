"""Managing cards and decks: ``decks``, ``cards``, ``show``, ``add``, ``edit``, ``delete``,
``suspend``, ``unsuspend``, ``bury``, ``reset``."""

from __future__ import annotations

from collections.abc import Callable

import click

from tokendeck.cli.output import card_dict, echo_json, iso, review_dict, shorten, table
from tokendeck.cli.state import state


@click.command("decks")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def decks(as_json: bool) -> None:
    """List decks as a tree with new / learning / due-today / total counts (a deck's
    counts include its subdecks'). Manage them with `tokendeck deck`.

    \b
    Example:
      tokendeck decks
    """
    col, now = state().collection(), state().now()
    nodes = [node for top in col.deck_tree(now) for node in top.walk()]
    if as_json:
        echo_json(
            [
                {
                    "id": n.deck.id,
                    "name": n.deck.name,
                    "parent": n.deck.parent_name,
                    "new": n.counts.new,
                    "learning": n.counts.learning,
                    "due": n.counts.due,
                    "total": n.counts.total,
                }
                for n in nodes
            ]
        )
        return
    rows = [
        ("  " * n.deck.depth + n.deck.basename, n.counts.new, n.counts.learning, n.counts.due,
         n.counts.total)
        for n in nodes
    ]  # fmt: skip
    click.echo(table(("Deck", "New", "Learning", "Due", "Total"), rows))


@click.command("cards")
@click.option("--deck", help="Only this deck (and its subdecks).")
@click.option(
    "--search", "query", default="", help='Search text, e.g. "transformer tag:model is:due".'
)
@click.option("--tag", help="Only cards with this tag.")
@click.option("--due", is_flag=True, help="Only cards due today.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N cards (default: all).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option(
    "--render",
    is_flag=True,
    help="With --json: add note_guid, ord, question_html and answer_html (as the study page "
    "shows them).",
)
def cards(
    deck: str | None,
    query: str,
    tag: str | None,
    due: bool,
    limit: int | None,
    as_json: bool,
    render: bool,
) -> None:
    """List every card that matches (no silent cap; use --limit to cut).

    \b
    Examples:
      tokendeck cards --search diffusion --tag model
      tokendeck cards --deck Geography --json --render
    """
    if render and not as_json:
        raise click.UsageError("--render adds HTML to the JSON rows: add --json")
    col, now = state().collection(), state().now()
    found = col.find_cards(query, now=now, deck=deck, tag=tag, due=due, limit=limit)
    if as_json:
        echo_json([card_dict(v, rendered=render) for v in found])
        return
    rows = [
        (
            v.id,
            v.deck_name,
            v.card.state.label,
            v.card.due.date().isoformat(),
            shorten(v.front),
        )
        for v in found
    ]
    click.echo(table(("Card", "Deck", "State", "Due", "Front"), rows))
    click.echo(f"{len(found)} card(s)")


@click.command("show")
@click.argument("card_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def show(card_id: int, as_json: bool) -> None:
    """Show a card: text, deck, state, due, memory state and review history.

    \b
    Example:
      tokendeck show 3 --json
    """
    col, now = state().collection(), state().now()
    view = col.card(card_id)
    history = col.history(card_id)
    recall = col.retrievability(view.card, now)
    if as_json:
        data = card_dict(view)
        data["retrievability"] = recall
        data["history"] = [review_dict(r) for r in history]
        echo_json(data)
        return
    c = view.card
    click.echo(f"Card {c.id} (note {view.note.id}) in {view.deck_name}")
    click.echo(f"\nFront:\n{view.front}\n\nBack:\n{view.back}\n")
    if view.note.tags:
        click.echo(f"Tags: {' '.join(view.note.tags)}")
    click.echo(f"State: {c.state.label}{' (suspended)' if c.suspended else ''}, due {iso(c.due)}")
    if c.stability is not None:
        recall_text = f", recall now {recall:.0%}" if recall is not None else ""
        click.echo(
            f"Memory: stability {c.stability:.2f} d, difficulty {c.difficulty:.2f}{recall_text}"
        )
    click.echo(f"Reviews: {c.reps}, lapses: {c.lapses}")
    if history:
        rows = [(iso(r.reviewed_at), r.kind, r.rating, f"{r.scheduled_days:.2f}") for r in history]
        click.echo("\n" + table(("When", "Kind", "Rating", "Interval (d)"), rows))
    if view.note.source_note:
        click.echo(f"\nSource note: {view.note.source_note}")


@click.command("add")
@click.option("--deck", required=True, help="Deck to add to (created if missing).")
@click.option("--front", required=True, help="Question or term.")
@click.option("--back", required=True, help="Answer.")
@click.option("--reverse", is_flag=True, help="Also make a back -> front card.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@click.option(
    "--accept", "accepted", multiple=True, help="Another accepted typed answer (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the new cards as JSON.")
def add(
    deck: str,
    front: str,
    back: str,
    reverse: bool,
    tags: tuple[str, ...],
    accepted: tuple[str, ...],
    as_json: bool,
) -> None:
    """Add a note (one card, or two with --reverse).

    \b
    Example:
      tokendeck add --deck Spanish --front perro --back dog --reverse --tag animals
    """
    col, now = state().collection(), state().now()
    note = col.add_note(deck, front, back, now=now, reverse=reverse, tags=tags, accepted=accepted)
    views = [col.view(c) for c in col.cards_of_note(note.id)]
    if as_json:
        echo_json([card_dict(v) for v in views])
        return
    ids = ", ".join(str(v.id) for v in views)
    click.echo(f"Added note {note.id} with card(s) {ids} to {views[0].deck_name}.")


@click.command("edit")
@click.argument("card_id", type=int)
@click.option("--front", help="New front.")
@click.option("--back", help="New back.")
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable).")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="NAME=VALUE",
    help="A note from Anki: set one of its fields (repeatable).",
)
@click.option("--deck", help="Move the card to this deck.")
def edit(
    card_id: int,
    front: str | None,
    back: str | None,
    tags: tuple[str, ...],
    fields: tuple[str, ...],
    deck: str | None,
) -> None:
    """Edit a card's note (front, back, tags, or a note from Anki's fields) or move it;
    its schedule is kept.

    \b
    Examples:
      tokendeck edit 3 --back "A better answer." --tag model
      tokendeck edit 12 --field "Problem=Natural numbers"
    """
    col, now = state().collection(), state().now()
    view = col.card(card_id)
    if front is None and back is None and not tags and not fields and deck is None:
        raise click.UsageError("nothing to change: give --front, --back, --tag, --field or --deck")
    changes = {}
    for item in fields:
        name, found, value = item.partition("=")
        if not found or not name.strip():
            raise click.UsageError(f"--field {item!r}: write it as NAME=VALUE")
        changes[name.strip()] = value
    if front is not None or back is not None or tags or changes:
        col.edit_note(
            view.note.id,
            now=now,
            front=front,
            back=back,
            tags=tags or None,
            fields=changes or None,
        )
    if deck is not None:
        col.move_cards([card_id], deck, now=now)
    click.echo(f"Updated card {card_id}.")


@click.command("delete")
@click.argument("card_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(card_id: int, yes: bool) -> None:
    """Delete a card (and its note when it was the last card); history is kept.

    \b
    Example:
      tokendeck delete 3 --yes
    """
    col = state().collection()
    view = col.card(card_id)
    if not yes:
        click.confirm(f"Delete card {card_id} ({shorten(view.front, 40)})?", abort=True)
    col.delete_card(card_id)
    click.echo(f"Deleted card {card_id}.")


def _bulk(name: str, verb: str, action: Callable[..., None], doc: str) -> click.Command:
    @click.command(name, help=doc)
    @click.argument("card_ids", type=int, nargs=-1, required=True)
    def command(card_ids: tuple[int, ...]) -> None:
        col, now = state().collection(), state().now()
        action(col, list(card_ids), now=now)
        click.echo(f"{verb} card(s) {', '.join(map(str, card_ids))}.")

    return command


suspend = _bulk(
    "suspend",
    "Suspended",
    lambda c, i, now: c.suspend(i, now=now),
    "Suspend cards: they are not studied until unsuspended.\n\nExample: tokendeck suspend 3 4",
)
unsuspend = _bulk(
    "unsuspend",
    "Unsuspended",
    lambda c, i, now: c.unsuspend(i, now=now),
    "Return suspended cards to study.\n\nExample: tokendeck unsuspend 3",
)
bury = _bulk(
    "bury",
    "Buried",
    lambda c, i, now: c.bury(i, now=now),
    "Hide cards until tomorrow's study day.\n\nExample: tokendeck bury 3",
)
reset = _bulk(
    "reset",
    "Reset",
    lambda c, i, now: c.reset(i, now=now),
    "Make cards new again (their history is kept).\n\nExample: tokendeck reset 3",
)
