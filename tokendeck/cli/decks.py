"""Deck management and study extras: ``deck create|rename|delete|options``, ``move``, ``flag``,
``custom-study``."""

from __future__ import annotations

from typing import Any

import click

from tokendeck.cli.output import echo_json, table
from tokendeck.cli.state import state
from tokendeck.domain.decks import OPTION_NAMES, parse_steps


@click.group("deck")
def deck() -> None:
    """Create, rename, delete decks and set their options (``A::B`` is a subdeck of A).

    \b
    Examples:
      tokendeck deck create "Spanish::Verbs"
      tokendeck deck rename Spanish Languages::Spanish
      tokendeck deck options Spanish --new-per-day 10
      tokendeck deck delete Spanish
    """


@deck.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a deck (and its parents); it follows its parent's options."""
    col, now = state().collection(), state().now()
    made = col.create_deck(name, now=now)
    click.echo(f"Deck {made.name} is ready (id {made.id}).")


@deck.command("rename")
@click.argument("name")
@click.argument("new_name")
def rename(name: str, new_name: str) -> None:
    """Rename a deck; its subdecks move with it, cards and history stay."""
    col, now = state().collection(), state().now()
    old = col.deck(name).name
    renamed = col.rename_deck(name, new_name, now=now)
    click.echo(f"Renamed {old} to {renamed.name}.")


@deck.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(name: str, yes: bool) -> None:
    """Delete a deck, its subdecks and their cards (a snapshot is taken first)."""
    from tokendeck.backup.daily import backup_dir, timestamped_name

    col, now = state().collection(), state().now()
    found = col.deck(name)
    cards = sum(c.total for c in col.deck_counts(now, found.id) if c.deck.id == found.id)
    if not yes:
        click.confirm(
            f"Delete {found.name}, its subdecks and {cards} card(s)?", abort=True, err=True
        )
    snapshot = None
    if col.path is not None and cards:
        snapshot = backup_dir(col.path) / timestamped_name(now, "before-delete")
        col.write_snapshot(snapshot, now=now)
    gone = col.delete_deck(found.id)
    click.echo(f"Deleted {', '.join(gone.decks)}: {gone.cards} card(s), {gone.notes} note(s).")
    if snapshot is not None:
        click.echo(f"To undo it: tokendeck restore {snapshot}")


@deck.command("options")
@click.argument("name")
@click.option("--new-per-day", type=click.IntRange(0, 9999), help="New cards a day.")
@click.option("--reviews-per-day", type=click.IntRange(0, 99999), help="Reviews a day.")
@click.option("--retention", type=float, help="Desired retention, 0.70 to 0.99.")
@click.option("--steps", help='Learning steps, e.g. "1m 10m".')
@click.option("--relearning-steps", help='Relearning steps, e.g. "10m".')
@click.option("--maximum-interval", type=click.IntRange(min=1), help="Longest interval, days.")
@click.option("--leech-threshold", type=click.IntRange(min=1), help="Lapses that make a leech.")
@click.option(
    "--inherit",
    "inherit",
    multiple=True,
    type=click.Choice(OPTION_NAMES),
    help="Follow the parent deck for this option again (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the options as JSON.")
def options(name: str, inherit: tuple[str, ...], as_json: bool, **given: Any) -> None:
    """Show a deck's options (which come from its parent), or change them."""
    col, now = state().collection(), state().now()
    found = col.deck(name)
    changes = _changes(given)
    if changes or inherit:
        found = col.update_deck(found.id, now=now, inherit=inherit, **changes)
    config = found.config.to_dict()
    inherited = set(found.inherited())
    if as_json:
        echo_json({"deck": found.name, "options": config, "inherited": sorted(inherited)})
        return
    rows = [
        (option, config[option], "parent" if option in inherited else "this deck")
        for option in OPTION_NAMES
        if not option.startswith("fsrs_")
    ]
    click.echo(f"Options of {found.name}:")
    click.echo(table(("Option", "Value", "Set by"), rows))


def _changes(given: dict[str, Any]) -> dict[str, Any]:
    names = {
        "new_per_day": "new_per_day",
        "reviews_per_day": "reviews_per_day",
        "retention": "desired_retention",
        "steps": "learning_steps",
        "relearning_steps": "relearning_steps",
        "maximum_interval": "maximum_interval",
        "leech_threshold": "leech_threshold",
    }
    changes: dict[str, Any] = {}
    for option, value in given.items():
        if value is None:
            continue
        steps = option in ("steps", "relearning_steps")
        changes[names[option]] = parse_steps(value) if steps else value
    return changes


@click.command("move")
@click.argument("card_ids", type=int, nargs=-1, required=True)
@click.option("--to", "target", required=True, help="Deck to move the cards to (created if new).")
def move(card_ids: tuple[int, ...], target: str) -> None:
    """Move cards to another deck; their schedules and history stay.

    \b
    Example:
      tokendeck move 3 4 --to "Spanish::Verbs"
    """
    col, now = state().collection(), state().now()
    moved = col.move_cards(list(card_ids), target, now=now)
    click.echo(f"Moved card(s) {', '.join(map(str, card_ids))} to {moved.name}.")


@click.command("flag")
@click.argument("flag")
@click.argument("card_ids", type=int, nargs=-1, required=True)
def flag(flag: str, card_ids: tuple[int, ...]) -> None:
    """Flag cards: 1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple (or the
    colour's name); 0 or none clears. Find them with --search flag:N.

    \b
    Example:
      tokendeck flag red 3 4
      tokendeck cards --search flag:1
    """
    from tokendeck.domain.cards import FLAGS

    col, now = state().collection(), state().now()
    number = col.flag(list(card_ids), flag, now=now)
    what = f"Flagged {FLAGS[number]}" if number else "Cleared the flag of"
    click.echo(f"{what} card(s) {', '.join(map(str, card_ids))}.")


@click.command("custom-study")
@click.argument("deck_name", metavar="DECK")
@click.argument("kind", type=click.Choice(["new", "reviews", "ahead", "forgotten", "tag", "end"]))
@click.option("-n", "--amount", type=click.IntRange(1, 9999), help="Cards or days.")
@click.option("--tag", "tags", multiple=True, help="For 'tag': a tag (repeatable).")
@click.option(
    "--state",
    "card_state",
    type=click.Choice(["new", "due", "all"]),
    default="all",
    show_default=True,
    help="For 'tag': which cards.",
)
def custom_study(
    deck_name: str, kind: str, amount: int | None, tags: tuple[str, ...], card_state: str
) -> None:
    """Study more than today's limits, as Anki's custom study does.

    \b
    new N        N more new cards today        reviews N   N more reviews today
    ahead N      reviews due in the next N days
    forgotten N  cards answered Again in the last N days
    tag          cards with --tag (--state new|due|all, at most -n)
    end          forget the deck's custom session
    The last three make the deck's custom session: study it with
    `tokendeck study DECK --custom` or `tokendeck next DECK --custom`.
    """
    col, now = state().collection(), state().now()
    if kind == "end":
        col.end_custom_study(deck_name)
        click.echo(f"Ended the custom session of {col.deck(deck_name).name}.")
        return
    done = col.custom_study(deck_name, kind, now=now, amount=amount, tags=tags, state=card_state)
    click.echo(f"Custom study: {done.description}.")
    if done.session:
        click.echo(f'Study them with: tokendeck study "{done.deck}" --custom')
