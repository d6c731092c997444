"""``tokendeck stats``: today's work, the last 30 days, retention, states, forecast."""

from __future__ import annotations

from typing import Any

import click

from tokendeck.cli.output import echo_json, table
from tokendeck.cli.state import state


@click.command("stats")
@click.argument("deck", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print every statistic as JSON.")
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False),
    help="Also write the charts to this PNG.",
)
def stats(deck: str | None, as_json: bool, plot_path: str | None) -> None:
    """Statistics from the review log (DECK defaults to all decks).

    \b
    Example:
      tokendeck stats
      tokendeck stats "LLM Vocabulary" --plot stats.png
    """
    col, now = state().collection(), state().now()
    data = col.stats(now, deck)
    if plot_path:
        from tokendeck.cli.plots import write_stats_png

        write_stats_png(data, plot_path)
    if as_json:
        echo_json(data)
        return
    click.echo(_report(data))
    if plot_path:
        click.echo(f"\nCharts written to {plot_path}.")


def _report(data: dict[str, Any]) -> str:
    daily = data["daily"]
    streak = data["streak"]
    today_seconds = daily["seconds"][-1] if daily["seconds"] else 0.0
    parts = [
        f"Today: {streak['reviews_today']} reviews in {today_seconds / 60:.1f} min; "
        f"streak {streak['streak_days']} day(s).",
        "",
        "Cards by state\n" + table(("State", "Cards"), sorted(data["states"].items())),
        "",
        "Reviews per day, last 30 days\n" + _daily_table(daily),
        "",
        "True retention (review answers that were not Again)\n"
        + _retention_table(data["retention"]),
        "",
        "Due forecast, next 30 days\n" + _forecast_table(data["forecast"][:30], data["today"]),
    ]
    return "\n".join(parts)


def _daily_table(daily: dict[str, Any]) -> str:
    rows = []
    for index in range(max(0, len(daily["dates"]) - 30), len(daily["dates"])):
        kinds = {k: v[index] for k, v in daily["by_kind"].items()}
        if daily["total"][index]:
            rows.append(
                (
                    daily["dates"][index],
                    daily["total"][index],
                    kinds.get("learn", 0),
                    kinds.get("review", 0),
                    kinds.get("relearn", 0),
                )
            )
    if not rows:
        return "(no reviews yet)"
    return table(("Day", "Total", "Learn", "Review", "Relearn"), rows)


def _retention_table(rows: list[dict[str, Any]]) -> str:
    def cell(group: dict[str, Any]) -> str:
        return "-" if group["rate"] is None else f"{group['rate']:.0%} of {group['total']}"

    return table(
        ("Period", "Young", "Mature"),
        [(r["period"], cell(r["young"]), cell(r["mature"])) for r in rows],
    )


def _forecast_table(counts: list[int], today: str) -> str:
    from datetime import date, timedelta

    start = date.fromisoformat(today)
    rows = [((start + timedelta(days=i)).isoformat(), n) for i, n in enumerate(counts) if n]
    return table(("Day", "Due"), rows) if rows else "(nothing due in the next 30 days)"
