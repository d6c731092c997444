"""``tokendeck stats --plot FILE.png``: the statistics page's charts as one image.

matplotlib is imported only here, inside :func:`write_stats_plot`, so the CLI's
other commands never pay for it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

RATINGS = ("Again", "Hard", "Good", "Easy")


def write_stats_png(data: dict[str, Any], path: str | Path) -> Path:
    """Draw every chart of ``col.stats(now, deck)`` into one image (PNG, or SVG/PDF by suffix)."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed
    import matplotlib.pyplot as plt

    deck = data.get("deck")
    figure, axes = plt.subplots(4, 3, figsize=(16, 16), layout="constrained")
    title = f"TokenDeck statistics - {deck or 'all decks'} - {data['today']}"
    figure.suptitle(title, fontsize=14)
    panels = (_forecast, _heatmap, _daily, _buttons, _states, _retention, _hourly)
    flat = list(axes.flat)
    for panel, ax in zip(panels, flat, strict=False):
        panel(ax, data)
    for ax, key in zip(
        flat[len(panels) :], ("interval", "stability", "difficulty", "retrievability"), strict=False
    ):
        _histogram(ax, data["histograms"][key], key)
    for ax in flat[len(panels) + 4 :]:
        ax.axis("off")
    path = Path(path)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _forecast(ax: Any, data: dict[str, Any]) -> None:
    counts = data["forecast"][:90]
    ax.bar(range(len(counts)), counts, color="#1f77b4")
    ax.axvline(29.5, color="grey", linestyle=":", linewidth=1)
    ax.set(
        title="Due forecast (90 days; dotted line at 30)", xlabel="days from today", ylabel="cards"
    )


def _heatmap(ax: Any, data: dict[str, Any]) -> None:
    dates = [date.fromisoformat(d) for d in data["daily"]["dates"]]
    totals = data["daily"]["total"]
    first = dates[0] - timedelta(days=dates[0].weekday())
    weeks = (dates[-1] - first).days // 7 + 1
    grid = [[float("nan")] * weeks for _ in range(7)]
    for day, count in zip(dates, totals, strict=True):
        offset = (day - first).days
        grid[offset % 7][offset // 7] = count
    ax.imshow(grid, aspect="auto", cmap="Greens", interpolation="nearest")
    ax.set(title="Reviews per day, last year", xlabel="week", yticks=range(7))
    ax.set_yticklabels(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])


def _daily(ax: Any, data: dict[str, Any]) -> None:
    kinds = data["daily"]["by_kind"]
    xs = range(-29, 1)
    bottom = [0] * 30
    for kind, colour in (("learn", "#1f77b4"), ("review", "#2ca02c"), ("relearn", "#d62728")):
        values = kinds[kind][-30:]
        ax.bar(xs, values, bottom=bottom, label=kind, color=colour)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set(title="Reviews per day by type (30 days)", xlabel="days ago", ylabel="answers")
    ax.legend()


def _buttons(ax: Any, data: dict[str, Any]) -> None:
    width = 0.27
    for i, group in enumerate(("learning", "young", "mature")):
        xs = [r + (i - 1) * width for r in range(4)]
        ax.bar(xs, data["buttons"][group], width, label=group)
    ax.set_xticks(range(4), RATINGS)
    ax.set(title="Answer buttons", ylabel="answers")
    ax.legend()


def _states(ax: Any, data: dict[str, Any]) -> None:
    names = list(data["states"])
    ax.bar(names, [data["states"][n] for n in names], color="#9467bd")
    ax.set(title="Card counts by state", ylabel="cards")
    ax.tick_params(axis="x", rotation=30)


def _retention(ax: Any, data: dict[str, Any]) -> None:
    def cell(c: dict[str, Any]) -> str:
        return "-" if c["rate"] is None else f"{c['rate'] * 100:.1f}% ({c['passed']}/{c['total']})"

    rows = [[r["period"], cell(r["young"]), cell(r["mature"])] for r in data["retention"]]
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=["period", "young", "mature"], loc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1, 1.6)
    ax.set_title("True retention")


def _hourly(ax: Any, data: dict[str, Any]) -> None:
    hourly = data["hourly"]
    ax.bar(hourly["hours"], hourly["count"], color="#1f77b4")
    twin = ax.twinx()
    twin.plot(hourly["hours"], [r * 100 for r in hourly["pass_rate"]], color="#ff7f0e")
    twin.set(ylim=(0, 100), ylabel="pass %")
    ax.set(title="Hourly breakdown", xlabel="hour", ylabel="answers")


def _histogram(ax: Any, hist: dict[str, list[float]], name: str) -> None:
    edges = hist["edges"]
    labels = [f"{e:g}" for e in edges[:-1]]
    ax.bar(range(len(hist["counts"])), hist["counts"], color="#17becf")
    ax.set_xticks(range(len(labels)), labels, rotation=45, fontsize=7)
    ax.set(title=f"{name.capitalize()} histogram", ylabel="cards")
