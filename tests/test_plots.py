"""``stats --plot``: the statistics charts written as an image with matplotlib."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tokendeck.cli.plots import write_stats_png
from tokendeck.collection import Collection

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_plot_file_is_a_png_with_the_charts(tmp_path: Path, location: str | Path) -> None:
    with Collection.open(location, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for i in range(5):
            col.add_note("Deck", f"q{i}", f"a{i}", now=NOW)
        when = NOW
        for _ in range(3):
            shown = col.next_card(when)
            assert shown is not None
            col.answer(shown.id, 3, now=when)
            when += timedelta(minutes=1)
        out = write_stats_png(col.stats(when, "Deck"), tmp_path / "stats.png")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 50_000  # twelve panels of charts, not an empty canvas
