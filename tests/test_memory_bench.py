"""bench_optimize.py runs end to end on a small collection and prints every row.

Only the shape of the report is checked, never the timings (they depend on
the machine; the benchmark exists to measure them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_optimize.py"


@pytest.mark.slow
@pytest.mark.anki
def test_small_optimize_benchmark_prints_every_row(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--cards", "400", "--pairs", "2", "--fit-alone", "1"]
    done = subprocess.run(
        [*command, "--out", str(tmp_path)], capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert out.startswith("TokenDeck vs Anki, FSRS-6 fit, 400 cards /")
    for row in (
        "optimize: collection -> parameters",
        "same, CPU time",
        "fit alone, identical items",
    ):
        assert row in out
    assert "Anki's parameters equal TokenDeck's optimize result" in out
    saved = json.loads((tmp_path / "optimize-400.json").read_text())
    assert len(saved["wall"]["a"]) == 2 and saved["manifest"]["cards"] == 400
    assert (tmp_path / "optimize-v1-400c-s1" / "tokendeck.db").exists()
