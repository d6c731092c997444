"""``tokendeck evaluate``, ``optimize`` and ``simulate``: the memory model from the CLI."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tokendeck.cli.state import state
from tokendeck.domain.days import Calendar, zone
from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.collection import Collection
    from tokendeck.memory.revlogs import ReviewLog

_REVLOG = click.option(
    "--revlog",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A review-log CSV (FSRS CSV or Anki revlog export) instead of the collection's history.",
)
_TIMEZONE = click.option(
    "--timezone",
    "tz_name",
    metavar="ZONE",
    help="IANA zone for counting study days (default: the log's own UTC offset, "
    "or the collection's setting).",
)
_ROLLOVER = click.option(
    "--rollover-hour",
    type=click.IntRange(0, 23),
    default=None,
    help="Hour a new study day starts (default 4, or the collection's setting).",
)


def _load(revlog: Path | None) -> tuple[ReviewLog, Calendar | None]:
    """The review log to work on, and the collection's calendar when it came from there."""
    from tokendeck.memory import revlogs

    if revlog is not None:
        return revlogs.read(revlog), None
    col = state().collection()
    return revlogs.from_rows(col.review_rows()), col.calendar


def _calendar(
    log: ReviewLog, own: Calendar | None, tz_name: str | None, rollover: int | None
) -> Calendar:
    """Explicit options win, then the collection's settings, then the log's own offset."""
    fallback = own.tz if own else timezone(log.utc_offset or timedelta(0))
    tz = zone(tz_name) if tz_name else fallback
    hour = rollover if rollover is not None else (own.rollover_hour if own else 4)
    return Calendar(tz, hour)


@click.command("evaluate")
@_REVLOG
@_TIMEZONE
@_ROLLOVER
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
def evaluate_command(
    revlog: Path | None, tz_name: str | None, rollover_hour: int | None, as_json: bool
) -> None:
    """How well the memory model predicts your recall (log loss, RMSE(bins), AUC).

    Protocol of the open srs-benchmark: five time-series folds (fit on the
    past, predict the future), first review of a card per study day scored.
    Compares FSRS-6 defaults, FSRS-6 fitted to you, and our shrunk model.
    """
    from tokendeck.memory.evaluation import evaluate

    log, own = _load(revlog)
    result = evaluate(log, _calendar(log, own, tz_name, rollover_hour))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    data = result.to_dict()
    click.echo(
        f"{data['reviews']} reviews of {data['cards']} cards; "
        f"{data['scored_reviews']} scored over {data['folds']} time folds"
    )
    click.echo(f"{'model':<16}{'log loss':>10}{'RMSE(bins)':>12}{'AUC':>8}")
    for name, m in data["models"].items():
        auc = "-" if m["auc"] is None else f"{m['auc']:.4f}"
        click.echo(f"{name:<16}{m['log_loss']:>10.4f}{m['rmse_bins']:>12.4f}{auc:>8}")
    click.echo(f"recommended: {data['recommended']}")


@click.command("optimize")
@click.argument("deck", required=False)
@click.option("--all", "all_decks", is_flag=True, help="Fit one set of parameters for every deck.")
@click.option("--reschedule", is_flag=True, help="Recompute due dates of review cards afterwards.")
@_TIMEZONE
@_ROLLOVER
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def optimize_command(
    deck: str | None,
    all_decks: bool,
    reschedule: bool,
    tz_name: str | None,
    rollover_hour: int | None,
    as_json: bool,
) -> None:
    """Fit FSRS-6 parameters to your own review history and store them on the deck.

    DECK includes its subdecks; --all fits the whole collection. Needs at
    least 400 usable reviews; until then the default parameters are used.
    """
    from tokendeck.memory import optimizer, review_table, revlogs

    if bool(deck) == all_decks:
        raise ValidationError("name one deck or give --all", hint="e.g. tokendeck optimize Spanish")
    col, now = state().collection(), state().now()
    chosen = None if all_decks else deck
    calendar = _calendar(revlogs.ReviewLog(), col.calendar, tz_name, rollover_hour)
    table = review_table.from_packed_log(col.packed_review_log(chosen))
    fitted = optimizer.optimize(table, calendar, now=now)
    deck_ids = col.deck_ids(deck)
    for deck_id in deck_ids:
        col.update_deck(
            deck_id,
            now=now,
            fsrs_parameters=fitted.parameters,
            fsrs_fitted_at=now.isoformat(timespec="seconds"),
            fsrs_review_count=fitted.review_count,
        )
    moved = _reschedule(col, table, calendar, fitted.parameters, now) if reschedule else 0
    _report_fit(fitted, [col.deck(i).name for i in deck_ids], moved, as_json)


def _reschedule(
    col: Collection, table: Any, calendar: Calendar, params: tuple[float, ...], now: datetime
) -> int:
    """New memory states and due dates for review cards; returns how many moved."""
    from tokendeck.collection.study import MemoryState
    from tokendeck.domain.cards import CardState
    from tokendeck.memory import optimizer

    configs = {d.id: d.config for d in col.decks()}
    cards = {card.id: card for card in col.cards()}  # one query, not one per card
    states: dict[int, MemoryState] = {}
    for memory in optimizer.card_memories(table, calendar, params, now=now):
        card = cards.get(memory.card_id)  # None: a deleted card's reviews are still in the log
        if card is None or card.state != CardState.REVIEW:
            continue
        config = configs[card.deck_id]
        due = optimizer.next_due(
            memory, params, config.desired_retention, calendar, config.maximum_interval
        )
        states[memory.card_id] = MemoryState(memory.stability, memory.difficulty, due)
    # one transaction: all cards move or none do (and one durable commit, not 1,000)
    col.set_memory_states(states, now=now)
    return len(states)


def _report_fit(fitted: Any, deck_names: list[str], moved: int, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "parameters": [round(w, 4) for w in fitted.parameters],
                    "review_count": fitted.review_count,
                    "fitted_at": fitted.fitted_at.isoformat(timespec="seconds"),
                    "decks": deck_names,
                    "rescheduled": moved,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"Fitted FSRS-6 on {fitted.review_count} reviews; stored on: {', '.join(deck_names)}"
    )
    click.echo("parameters: " + ", ".join(f"{w:.4f}" for w in fitted.parameters))
    if moved:
        click.echo(f"Rescheduled {moved} review cards.")


@click.command("simulate")
@click.argument("deck", required=False)
@_REVLOG
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
@click.option(
    "--new-per-day",
    type=click.IntRange(1, 9999),
    default=None,
    help="New cards a day (default: the deck's limit).",
)
@click.option(
    "--deck-size",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Cards to learn (default: cards in the deck or log).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Simulator random seed.")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a PNG chart here.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def simulate_command(
    deck: str | None,
    revlog: Path | None,
    days: int,
    new_per_day: int | None,
    deck_size: int | None,
    seed: int,
    plot_path: Path | None,
    as_json: bool,
) -> None:
    """Workload and retention over the next DAYS for desired retention 0.70-0.95.

    Recommends the retention with the least study time per remembered card.
    """
    from dataclasses import replace

    from tokendeck.memory import simulation, workload

    given = (
        _file_inputs(revlog)
        if revlog
        else state().collection().workload_inputs(deck, now=state().now())
    )
    given = replace(
        given,
        deck_size=deck_size or given.deck_size,
        new_per_day=new_per_day or given.new_per_day,
    )
    result = workload.simulate(given, days=days, rng=random.Random(seed))
    if plot_path:
        simulation.plot(result, plot_path)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(f"{result.deck_size} cards, {result.new_per_day} new a day, {days} days")
    click.echo(f"{'retention':>9}{'hours':>9}{'reviews':>9}{'remembered':>12}{'s/remembered':>14}")
    for o in result.outcomes[::5]:
        click.echo(
            f"{o.desired_retention:>9.2f}{o.minutes / 60:>9.1f}{o.reviews:>9}"
            f"{o.remembered:>12.0f}{o.seconds_per_remembered:>14.1f}"
        )
    click.echo(f"recommended desired retention: {result.recommended.desired_retention:.2f}")


def _file_inputs(revlog: Path) -> Any:
    """Simulator inputs from a review-log file: parameters fitted to it when it allows."""
    from tokendeck.memory import fsrs6, optimizer, review_table, revlogs, simulation, workload

    log = revlogs.read(revlog)
    calendar = _calendar(log, None, None, None)
    try:
        fitted = optimizer.optimize(log, calendar, now=state().now())
        params, count = fitted.parameters, fitted.review_count
    except ValidationError:
        params, count = fsrs6.DEFAULT_PARAMETERS, 0
    return workload.Inputs(
        parameters=params,
        fitted=count > 0,
        fitted_at="",
        review_count=count,
        deck_size=max(log.card_count, 1),
        new_per_day=20,
        desired_retention=0.9,
        habits=simulation.habits_from_table(review_table.from_log(log), calendar),
    )
