"""The .apkg benchmark runs end to end on a tiny collection and prints every row.

Only the shape of the report is checked, never the timings.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "bench_anki.py"
ROWS = (".apkg import", "peak memory (import)", ".apkg export", "peak memory (export)")


@pytest.mark.slow
@pytest.mark.anki
def test_tiny_benchmark_prints_every_row(tmp_path: Path) -> None:
    pytest.importorskip("anki")
    command = [sys.executable, str(SCRIPT), "--notes", "300", "--pairs", "1", "--out",
               str(tmp_path), "--quiet"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert "300 notes / 3,000 reviews" in lines[0]
    for name in ROWS:
        row = next((line for line in lines if line.startswith(name + "  ")), None)
        assert row is not None, f"no row {name!r} in:\n{done.stdout}"
        assert re.search(r"\d[\d.,]*x\b", row), f"row {name!r} has no ratio: {row!r}"
    saved = json.loads((tmp_path / "bench-anki-300.json").read_text())
    pair = saved["raw"]["import"][0]
    assert pair["tokendeck"]["notes"] == pair["anki"]["notes"] == 300
    assert pair["tokendeck"]["reviews"] == pair["anki"]["reviews"] > 0
