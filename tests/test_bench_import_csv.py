"""The CSV import benchmark runs end to end on a small file and prints its table.

Only the shape of the report is checked, never the timings (they depend on the
machine; the benchmark exists to measure them).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "bench_import_csv.py"


@pytest.mark.slow
@pytest.mark.anki
def test_small_csv_import_benchmark_prints_both_importers() -> None:
    command = [sys.executable, str(SCRIPT), "--notes", "300", "--rounds", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("300 notes,")
    for side in ("tokendeck", "anki"):
        assert re.search(rf"\| {side} +\| +[0-9.]+ s +\| +[0-9]+ MiB \|", out), out
    assert re.search(r"median ratio tokendeck/anki: [0-9.]+ \(target <= 0.33\)", out), out
