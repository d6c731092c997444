"""The grading benchmark runs in its quick mode and reports every number.

Only the shape is checked, never the timings (they depend on the machine);
the guess set, whose result does not, must pass completely.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_grading.py"


@pytest.mark.slow
def test_quick_benchmark_reports_accuracy_guesses_and_latency() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    report = json.loads(run.stdout)
    assert report["load"]["load_wall_ms"] > 0
    assert report["latency"]["answers"] == 120 and report["latency"]["cpu_median_ms"] > 0
    assert set(report["own_sets"]) == {"llm_vocabulary", "general", "heldout"}
    for scores in report["own_sets"].values():
        assert set(scores) == {"calibrated judge", "embedding grader (before)", "lexical"}
        assert all(0 <= v <= 1 for v in scores.values())
    judge = report["guesses"]["calibrated judge"]
    assert judge["guesses"] > 700 and judge["passed_in_learn"] == 0
    if "real_answers" in report:  # the SemEval file is beside the repository
        for kind in ("question", "domain"):
            graders = [row["grader"] for row in report["real_answers"][kind]]
            assert len(graders) == 3 and graders[0] == "cosine similarity"
            assert all(0 <= row["macro_f1"] <= 1 for row in report["real_answers"][kind])
