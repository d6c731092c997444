"""The grading benchmark runs in its quick mode and reports every number.

Only the shape is checked, never the timings (they depend on the machine).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_grading.py"


@pytest.mark.slow
def test_quick_benchmark_reports_latency_and_agreement() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    report = json.loads(run.stdout)
    assert report["load"]["load_wall_ms"] > 0
    assert set(report["sets"]) == {"llm_vocabulary", "general", "heldout"}
    for data in report["sets"].values():
        assert data["latency"]["answers"] == 40
        assert data["latency"]["cpu_median_ms"] > 0
        for key in ("agreement", "agreement_lexical"):
            assert 0 <= data[key]["accuracy"] <= 1
            assert set(data[key]["confusion"]) == {"correct", "partly_correct", "incorrect"}
