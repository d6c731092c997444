"""Fit the answer judge's calibration and thresholds, and measure them by grouped folds.

Needs TokenDeck's own environment only (numpy, onnxruntime, the pinned
embedding model); about five minutes on two cores:

    nice -n 10 .venv/bin/python scripts/train_grader.py \
        --data ../shared/data/grading/semeval2013-train.csv

It measures every answer once with the alignment judge
(tokendeck/grading/alignment.py), fits the calibration on all of them, picks
the "correct" threshold that maximises 2-way macro-F1, and writes
tokendeck/grading/models/answer-judge.json with the grouped-fold metrics
(unseen questions, unseen domains) that the model card reports. The fold
metrics refit the calibration without the held-out answers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.grading import Grader  # noqa: E402
from tokendeck.grading.alignment import FEATURES, AlignmentJudge  # noqa: E402
from tokendeck.grading.crossval import load_examples  # noqa: E402
from tokendeck.grading.validation import (  # noqa: E402
    EVIDENCE,
    feature_rows,
    fit_config,
    judged_folds,
    measure_all,
)

CONFIG = REPO / "tokendeck" / "grading" / "models" / "answer-judge.json"
#: Below this confidence the learner rates themself.
CONFIDENT = 0.7
PARTLY = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="semeval2013-train.csv")
    parser.add_argument("--out", type=Path, default=CONFIG, help="the JSON file to write")
    args = parser.parse_args()
    examples = load_examples(args.data)
    started = time.time()
    judge = AlignmentJudge(Grader(use_judge=False).embedder.encode)  # type: ignore[attr-defined]
    measured = measure_all(examples, judge)
    print(f"measured {len(examples)} answers in {time.time() - started:.0f} s", file=sys.stderr)
    rows = feature_rows(examples, measured)
    names = [*FEATURES, *EVIDENCE]
    metrics = {}
    for kind in ("question", "domain"):
        metrics[kind] = judged_folds(examples, measured, kind, names, rows).summary()
        print(json.dumps(metrics[kind]), file=sys.stderr)
    config = fit_config(rows, [e.correct for e in examples], names, partly=PARTLY,
                        confident=CONFIDENT)  # fmt: skip
    payload = {
        "about": "Calibration of the answer judge; model card: docs/answer-judge.md. "
        "Derived from the SemEval-2013 Task 7 training data (CC BY-SA 3.0).",
        "judge": "alignment",
        "calibration": config.calibration.to_json(),
        "thresholds": {
            "correct": config.correct,
            "partly": config.partly,
            "confident": config.confident,
        },
        "grouped_folds": metrics,
        "training_rows": len(examples),
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
