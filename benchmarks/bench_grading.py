"""Typed-answer grader: accuracy on real students' answers, guesses, and latency.

    python benchmarks/bench_grading.py            # everything (a few minutes)
    python benchmarks/bench_grading.py --quick    # a sample of each set, for a smoke test
    python benchmarks/bench_grading.py --json     # machine-readable

Three graders are compared in the same run:

* ``cosine``: plain MiniLM cosine similarity (best over the references), with
  a threshold chosen on each fold's training part;
* ``embedding grader``: the grader before the answer judge (embeddings, key
  concepts and lexical rules; ``Grader(use_judge=False)``), nothing fitted;
* ``calibrated judge``: the current grader (token alignment with the
  question discounted, lexical evidence, a logistic calibration); the
  calibration and thresholds are refitted on each fold's training part.

Accuracy on real answers: grouped folds on the SemEval-2013 training file
(--semeval; skipped if absent): 2-way macro-F1 on unseen questions (5 folds
by question) and unseen domains (Beetle <-> SciEntsBank), and the Pearson
correlation of the score with the 2-way label and with a 3-way ordinal proxy
(correct 1, incorrect 0.5, contradictory 0). Our own labelled sets in
tests/data/grading: 3-way accuracy. The guess set (tests/data/grading/guesses.csv):
how many guesses are graded better than incorrect, asked as Learn asks them
(with the deck vocabulary) and as the CLI would (without it).

Latency: one answer at a time, reference embeddings cached, wall and CPU
time, median and 95th percentile, on our labelled sets (sentences run the
judge); model load times. Targets: median <= 20 ms, load <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.grading import Grader  # noqa: E402
from tokendeck.grading.crossval import Example, load_examples  # noqa: E402
from tokendeck.grading.evaluation import LabelledAnswer, evaluate, load_labelled  # noqa: E402

DATA = REPO / "tests" / "data" / "grading"
SETS = ("llm_vocabulary", "general", "heldout")
SEMEVAL = REPO.parent.parent / "shared" / "data" / "grading" / "semeval2013-train.csv"
TARGET_MS = 20.0
TARGET_LOAD_MS = 1500.0
QUICK_EVERY = 12  # --quick keeps every 12th real answer (all questions, both domains)
#: Measurements are kept here between runs (as scripts/train_grader.py does).
CACHE = REPO / "artifacts" / "grader-measurements.json"


def timed(action: Any) -> tuple[Any, float, float]:
    """Run ``action()``; its result, wall ms and CPU ms."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure_load() -> tuple[Grader, dict[str, float]]:
    """Load the embedding model and the judge's calibration (what a first answer waits for)."""
    grader = Grader()
    ok, wall, cpu = timed(lambda: grader.judge_available)
    assert ok, "the answer judge (embedding model and calibration) is not installed"
    return grader, {"load_wall_ms": wall, "load_cpu_ms": cpu}


def measure_latency(grader: Grader, rows: list[LabelledAnswer], repeats: int) -> dict[str, Any]:
    """Per-answer latency with the reference cached (each answer graded once first)."""
    for row in rows:
        grader.grade(row.reference, row.answer)
    walls: list[float] = []
    cpus: list[float] = []
    judged: list[float] = []
    for _ in range(repeats):
        for row in rows:
            result, wall, cpu = timed(lambda row=row: grader.grade(row.reference, row.answer))
            walls.append(wall)
            cpus.append(cpu)
            if result.stage == "meaning":
                judged.append(wall)
    return {
        "answers": len(walls),
        "wall_median_ms": statistics.median(walls),
        "wall_p95_ms": _p95(walls),
        "cpu_median_ms": statistics.median(cpus),
        "cpu_p95_ms": _p95(cpus),
        "judged_answers": len(judged),
        "judged_wall_median_ms": statistics.median(judged) if judged else 0.0,
        "judged_wall_p95_ms": _p95(judged) if judged else 0.0,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def own_sets(graders: dict[str, Grader], limit: int | None) -> dict[str, dict[str, float]]:
    """3-way accuracy of each grader on our labelled sets."""
    out: dict[str, dict[str, float]] = {}
    for name in SETS:
        rows = load_labelled(DATA / f"{name}.csv")[:limit]
        out[name] = {g: round(evaluate(rows, grader).accuracy, 4) for g, grader in graders.items()}
    return out


def real_answers(
    path: Path, embedding_grader: Grader, quick: bool, cache: Path | None
) -> dict[str, list[dict[str, Any]]]:
    """Grouped-fold figures of the three graders on the SemEval training file.

    The judge is refitted on each fold's training part with our own labelled
    sets (folded by card with the questions); its rows also give the 3-way
    accuracy on our sets' held-out cards.
    """
    from tokendeck.grading.alignment import FEATURES, AlignmentJudge
    from tokendeck.grading.measurements import CachedJudge, measuring_stamp
    from tokendeck.grading.validation import (
        EVIDENCE,
        fixed_grader,
        judge_inputs,
        judged_folds,
        own_examples,
        threshold_folds,
    )

    examples = load_examples(path)
    sample: list[Example] = examples[::QUICK_EVERY] if quick else examples
    encode = embedding_grader.embedder.encode  # type: ignore[attr-defined]
    judge = CachedJudge(AlignmentJudge(encode), cache, measuring_stamp())
    together = [*sample, *own_examples(DATA, SETS)]
    inputs = judge_inputs(together, judge)
    cosines = [judge.features(list(e.references), e.question, e.answer)["best_cosine"]
               for e in sample]  # fmt: skip
    judge.save()
    before = fixed_grader(sample, embedding_grader, "embedding grader (before)", "none")
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in ("question", "domain"):
        judged = judged_folds(together, inputs, kind, [*FEATURES, *EVIDENCE])
        cosine = threshold_folds(sample, cosines, kind, "cosine similarity")
        out[kind] = [cosine.summary(), {**before.summary(), "folds": kind}, judged.summary()]
    return out


def guess_set(graders: dict[str, Grader]) -> dict[str, dict[str, int]]:
    """Guesses graded better than incorrect, with and without the deck vocabulary."""
    from tokendeck.collection import Collection
    from tokendeck.quiz.guess_set import grade_guesses, load_guesses
    from tokendeck.quiz.items import item_from_view

    now = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        col = Collection.open(Path(folder) / "collection.db", now=now)
        views = col.find_cards(now=now, deck="LLM Vocabulary", order="created")
        items = [item_from_view(v) for v in views]
        col.close()
    rows = load_guesses(DATA / "guesses.csv")
    out: dict[str, dict[str, int]] = {}
    for name, grader in graders.items():
        out[name] = {"guesses": len(rows)}
        for label, with_deck in (("passed_in_learn", True), ("passed_without_deck", False)):
            marked = grade_guesses(items, rows, grader, with_deck=with_deck)
            out[name][label] = sum(1 for _, m in marked if m.verdict != "incorrect")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="samples of each set, 1 repeat")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--semeval", type=Path, default=SEMEVAL, help="semeval2013-train.csv")
    args = parser.parse_args()
    limit, repeats = (40, 1) if args.quick else (None, 3)
    grader, load = measure_load()
    before = Grader(use_judge=False)
    graders = {"calibrated judge": grader, "embedding grader (before)": before}
    out: dict[str, Any] = {"load": load, "cpus": os.cpu_count()}
    rows = [r for name in SETS for r in load_labelled(DATA / f"{name}.csv")[:limit]]
    out["latency"] = measure_latency(grader, rows, repeats)
    out["latency_before"] = measure_latency(before, rows, repeats)
    out["own_sets"] = own_sets({**graders, "lexical": Grader(use_embeddings=False)}, limit)
    out["guesses"] = guess_set(graders)
    if args.semeval.is_file():
        cache = None if args.quick else CACHE
        out["real_answers"] = real_answers(args.semeval, before, args.quick, cache)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print_text(out)


def print_text(out: dict[str, Any]) -> None:
    """The human-readable report."""
    load = out["load"]
    print(
        f"model load: {load['load_wall_ms']:.0f} ms wall ({load['load_cpu_ms']:.0f} ms CPU); "
        f"target <= {TARGET_LOAD_MS:.0f} ms"
    )
    for key in ("latency", "latency_before"):
        lat = out[key]
        print(
            f"{key}: {lat['answers']} gradings, wall median {lat['wall_median_ms']:.1f} ms "
            f"(p95 {lat['wall_p95_ms']:.1f}), CPU median {lat['cpu_median_ms']:.1f} ms "
            f"(p95 {lat['cpu_p95_ms']:.1f}); judged by meaning {lat['judged_answers']}: "
            f"median {lat['judged_wall_median_ms']:.1f} ms, p95 {lat['judged_wall_p95_ms']:.1f}"
            f" ms; target median <= {TARGET_MS:.0f} ms"
        )
    for kind, rows in out.get("real_answers", {}).items():
        print(f"real answers, unseen {kind}s (grouped folds):")
        for row in rows:
            own = "  ".join(f"{k} {v:.1%}" for k, v in row.items() if k.startswith("own_"))
            print(
                f"  {row['grader']:<28} macro-F1 {row['macro_f1']:.3f}  "
                f"r(2-way) {row['pearson_2way']:.3f}  r(3-way proxy) {row['pearson_3way']:.3f}"
                + (f"  held-out cards: {own}" if own else "")
            )
    print("own labelled sets, 3-way accuracy:")
    for name, scores in out["own_sets"].items():
        print(f"  {name:<16} " + "  ".join(f"{g} {v:.1%}" for g, v in scores.items()))
    print("guesses graded better than incorrect:")
    for name, counts in out["guesses"].items():
        print(
            f"  {name:<28} {counts['passed_in_learn']} of {counts['guesses']} in Learn, "
            f"{counts['passed_without_deck']} without the deck vocabulary"
        )


if __name__ == "__main__":
    main()
