"""Typed-answer grader: latency per answer and agreement with the labelled sets.

    python benchmarks/bench_grading.py            # everything (about a minute)
    python benchmarks/bench_grading.py --quick    # 40 answers per set, for a smoke test
    python benchmarks/bench_grading.py --json     # machine-readable

Latency is measured with the reference embedding already cached (the study
situation: the card's answer is known before the learner types), one answer
at a time, as wall-clock time and as CPU time of this process. CPU time is
the fairer number on a busy shared machine; both are reported with the
median and the 95th percentile. The target is < 20 ms per answer.

Agreement is reported on the three labelled sets in tests/data/grading, with the
embedding model and without it (lexical stages only).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.grading import Grader  # noqa: E402
from tokendeck.grading.evaluation import (  # noqa: E402
    LabelledAnswer,
    evaluate,
    load_labelled,
    report,
)

DATA = REPO / "tests" / "data" / "grading"
SETS = ("llm_vocabulary", "general", "heldout")
TARGET_MS = 20.0


def measure_load() -> tuple[Grader, dict[str, float]]:
    """Load the model; time the import of the runtime and the session creation."""
    wall, cpu = time.perf_counter(), time.process_time()
    grader = Grader()
    assert grader.meaning_available, "the embedding model is not installed"
    return grader, {
        "load_wall_ms": (time.perf_counter() - wall) * 1000,
        "load_cpu_ms": (time.process_time() - cpu) * 1000,
    }


def measure_latency(grader: Grader, rows: list[LabelledAnswer], repeats: int) -> dict[str, Any]:
    """Per-answer latency with the reference cached (each reference graded once first)."""
    for row in rows:
        grader.grade(row.reference, row.answer)  # warm: reference embeddings cached
    walls: list[float] = []
    cpus: list[float] = []
    meaning_walls: list[float] = []
    meaning_cpus: list[float] = []
    for _ in range(repeats):
        for row in rows:
            wall, cpu = time.perf_counter(), time.process_time()
            result = grader.grade(row.reference, row.answer)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            if result.stage == "meaning":  # the answers that ran the model
                meaning_walls.append(walls[-1])
                meaning_cpus.append(cpus[-1])
    return {
        "answers": len(walls),
        "wall_median_ms": statistics.median(walls),
        "wall_p95_ms": _p95(walls),
        "cpu_median_ms": statistics.median(cpus),
        "cpu_p95_ms": _p95(cpus),
        "meaning_answers": len(meaning_walls),
        "meaning_wall_median_ms": statistics.median(meaning_walls) if meaning_walls else 0.0,
        "meaning_wall_p95_ms": _p95(meaning_walls) if meaning_walls else 0.0,
        "meaning_cpu_median_ms": statistics.median(meaning_cpus) if meaning_cpus else 0.0,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def agreement(grader: Grader, rows: list[LabelledAnswer], title: str) -> dict[str, Any]:
    """Accuracy, per-class recall and the confusion matrix, plus a text report."""
    result = evaluate(rows, grader)
    matrix = result.confusion()
    return {
        "accuracy": result.accuracy,
        "recall": {str(label): result.recall(label) for label in matrix},
        "precision": {str(label): result.precision(label) for label in matrix},
        "confusion": {str(k): {str(v): n for v, n in row.items()} for k, row in matrix.items()},
        "text": report(result, title),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 answers per set, 1 repeat")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    limit, repeats = (40, 1) if args.quick else (None, 3)
    grader, load = measure_load()
    lexical = Grader(use_embeddings=False)
    out: dict[str, Any] = {"load": load, "cpus": os.cpu_count(), "sets": {}}
    for name in SETS:
        rows = load_labelled(DATA / f"{name}.csv")[:limit]
        out["sets"][name] = {
            "latency": measure_latency(grader, rows, repeats),
            "agreement": agreement(grader, rows, f"{name} (with embeddings)"),
            "agreement_lexical": agreement(lexical, rows, f"{name} (lexical only)"),
        }
    if args.json:
        for data in out["sets"].values():
            data["agreement"].pop("text")
            data["agreement_lexical"].pop("text")
        print(json.dumps(out, indent=2))
        return
    print_text(out)


def print_text(out: dict[str, Any]) -> None:
    """The human-readable report."""
    load = out["load"]
    print(f"model load: {load['load_wall_ms']:.0f} ms wall, {load['load_cpu_ms']:.0f} ms CPU")
    for name, data in out["sets"].items():
        lat = data["latency"]
        print(
            f"{name}: {lat['answers']} answers, reference cached: "
            f"wall median {lat['wall_median_ms']:.1f} ms (p95 {lat['wall_p95_ms']:.1f}), "
            f"CPU median {lat['cpu_median_ms']:.1f} ms (p95 {lat['cpu_p95_ms']:.1f}); "
            f"answers that ran the model ({lat['meaning_answers']}): "
            f"wall median {lat['meaning_wall_median_ms']:.1f} ms, "
            f"p95 {lat['meaning_wall_p95_ms']:.1f} ms, "
            f"CPU median {lat['meaning_cpu_median_ms']:.1f} ms; target < {TARGET_MS:.0f} ms"
        )
        print(data["agreement"]["text"])
        print(data["agreement_lexical"]["text"])


if __name__ == "__main__":
    main()
