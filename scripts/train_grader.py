"""Fit the answer judge's calibration and thresholds, and measure them by grouped folds.

Run after scripts/train_answer_model.py (which writes the out-of-fold logits
and the int8 model into --logits). Needs numpy only (TokenDeck's own
environment):

    python scripts/train_grader.py --data ../shared/data/grading/semeval2013-train.csv \
        --logits build/answer-model

It writes
* tokendeck/grading/models/answer-judge.json: the calibration (fitted on all
  answers, with the question-fold logits, i.e. logits the judge produced for
  questions it had not seen, as it will for a new card), the thresholds and
  the grouped-fold metrics for the model card;
* benchmarks/data/answer-judge-oof.json: the out-of-fold logits, so that
  benchmarks/bench_grading.py can rerun the grouped folds without retraining;
* tokendeck/grading/models/answer-judge.int8.onnx: copied from --logits.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tokendeck.grading.crossval import load_examples  # noqa: E402
from tokendeck.grading.embedder import file_sha256  # noqa: E402
from tokendeck.grading.validation import (  # noqa: E402
    feature_rows,
    fit_config,
    judged_folds,
    load_logits,
)

MODELS = REPO / "tokendeck" / "grading" / "models"
OOF_FILE = REPO / "benchmarks" / "data" / "answer-judge-oof.json"
#: Below this confidence the learner rates themself. 0.7 keeps about three in
#: four judged answers automatic on the training file's held-out folds.
CONFIDENT = 0.7
PARTLY = 0.3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="semeval2013-train.csv")
    parser.add_argument("--logits", type=Path, required=True, help="train_answer_model.py --out")
    args = parser.parse_args()
    examples = load_examples(args.data)
    truth = [e.correct for e in examples]
    logits = {k: load_logits(args.logits / f"oof-{k}.json", len(examples))
              for k in ("question", "domain")}  # fmt: skip
    metrics = {}
    for kind, values in logits.items():
        result = judged_folds(examples, values, kind)
        metrics[kind] = result.summary()
        print(json.dumps(metrics[kind]), file=sys.stderr)
    rows = feature_rows(examples, logits["question"])
    config = fit_config(rows, truth, partly=PARTLY, confident=CONFIDENT)
    model = args.logits / "answer-judge.int8.onnx"
    shutil.copyfile(model, MODELS / model.name)
    payload = {
        "about": "Calibration of the answer judge; see docs/answer-judge.md (model card).",
        "model": model.name,
        "model_sha256": file_sha256(MODELS / model.name),
        "calibration": config.calibration.to_json(),
        "thresholds": {
            "correct": config.correct,
            "partly": config.partly,
            "confident": config.confident,
        },
        "grouped_folds": metrics,
        "training_rows": len(examples),
    }
    (MODELS / "answer-judge.json").write_text(json.dumps(payload, indent=2) + "\n")
    OOF_FILE.parent.mkdir(parents=True, exist_ok=True)
    OOF_FILE.write_text(
        json.dumps({k: [round(v, 4) for v in values] for k, values in logits.items()}) + "\n"
    )
    print(f"wrote {MODELS / 'answer-judge.json'} and {OOF_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
