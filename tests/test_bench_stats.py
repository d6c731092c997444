"""The statistics benchmark runs end to end on a small collection and prints every row.

Only the report's shape is checked, never the timings (they depend on the
machine; the benchmark exists to measure them). That the two sides count the
same cards is checked by the benchmark itself, which stops otherwise.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "bench_stats.py"


@pytest.mark.slow
@pytest.mark.anki
def test_small_statistics_benchmark_prints_every_row(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_stats import ROW_NAMES

    command = [sys.executable, str(SCRIPT), "--cards", "600", "--reviews", "6000"]
    command += ["--out", str(tmp_path), "--pairs", "1", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("TokenDeck vs Anki, statistics at 600 cards / 6,000 reviews")
    for name in ROW_NAMES:
        row = next((line for line in lines if line.startswith(name + "  ")), None)
        assert row is not None, f"no row {name!r} in:\n{done.stdout}"
        assert re.search(r"\d[\d.,]*x\b", row), f"row {name!r} has no ratio: {row!r}"
    saved = json.loads((tmp_path / "bench-stats-600.json").read_text())
    assert {row["operation"] for row in saved["rows"]} == set(ROW_NAMES)
