"""The core benchmark runs end to end in its small mode and prints every row.

Only the shape of the report is checked, never the timings: those depend on
the machine and its disk, and the benchmark exists to measure them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "bench_core.py"

EXPECTED_ROWS = (
    "cold start: next --json",
    "next card",
    "answer (durable)",
    'search "word"',
    "peak memory (review+search)",
)


@pytest.mark.slow
@pytest.mark.anki
def test_small_benchmark_prints_every_row(tmp_path: Path) -> None:
    command = [
        sys.executable,
        str(SCRIPT),
        "--small",
        "--out",
        str(tmp_path),
        "--pairs",
        "2",
        "--cold-pairs",
        "1",
        "--search-pairs",
        "2",
        "--quiet",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("TokenDeck vs Anki, 5,000 cards / 50,000 reviews")
    assert lines[1].split()[:4] == ["operation", "TokenDeck", "Anki", "ratio"]
    for name in EXPECTED_ROWS:
        row = next((line for line in lines if line.startswith(name + "  ")), None)
        assert row is not None, f"no row {name!r} in:\n{done.stdout}"
        assert re.search(r"\d[\d.,]*x\b", row), f"row {name!r} has no ratio: {row!r}"


@pytest.mark.slow
@pytest.mark.anki
def test_small_benchmark_builds_the_same_collection_for_both(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--cards", "600", "--reviews", "6000"]
    command += ["--out", str(tmp_path), "--pairs", "1", "--cold-pairs", "1"]
    command += ["--search-pairs", "1", "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "results-600.json").read_text())
    built = report["manifest"]
    assert built["tokendeck"]["due_today"] == built["anki"]["due_today"] > 0
    assert {row["operation"] for row in report["rows"]} >= set(EXPECTED_ROWS)
    search = next(r for r in report["rows"] if r["operation"] == 'search "word"')
    found = re.findall(r"\d+", search["note"])
    assert found[0] == found[1], search["note"]  # both found the same cards
