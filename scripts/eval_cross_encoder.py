"""Grouped-fold figures of the fine-tuned cross-encoder, alone and as a calibration feature.

Reads the held-out logits that ``scripts/train_cross_encoder.py folds`` wrote
(``oof.json``: per fold kind, example index -> logit of the model that did
not see that example's question, or its domain) and compares, on the same
folds as scripts/train_grader.py and benchmarks/bench_grading.py:

* the current calibrated judge (its measurements and lexical evidence);
* the cross-encoder alone: P(correct) = sigmoid(logit), "correct" at 0.5
  and at the threshold that maximises macro-F1 on the fold's training part
  (using those answers' own held-out logits);
* the calibrated judge with the logit as one more feature (the whole
  pipeline: guesses, facts, key concepts, partly model), refitted per fold.

For the stacked model the training part's logits are held-out logits too:
in the question folds each comes from the model that did not see its own
question (so the calibration is fitted on the logits it would meet on a new
question), in the domain folds the training domain's answers keep their
question-fold logits. Needs TokenDeck's environment only:

    nice -n 19 .venv/bin/python scripts/eval_cross_encoder.py \
        --data ../shared/data/grading/semeval2013-train.csv --oof artifacts/cross-encoder/oof.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from train_grader import CACHE, CROSS_ENCODER, all_examples, fold_logits, measure, with_logits  # noqa: E402

from tokendeck.grading.alignment import FEATURES  # noqa: E402
from tokendeck.grading.crossval import Example, grouped_folds, macro_f1, pearson  # noqa: E402
from tokendeck.grading.validation import (  # noqa: E402
    EVIDENCE,
    JudgeInputs,
    judged_folds,
)

GRID = tuple(round(0.05 * i, 2) for i in range(1, 20))


def sigmoid(x: float) -> float:
    """Logistic function."""
    return 1.0 / (1.0 + math.exp(-x))


def by_index(examples: list[Example], kind: str, predicted: tuple[bool, ...]) -> dict[int, bool]:
    """A fold result's predictions by example index (its order: held-out indices, sorted)."""
    held_out = sorted(i for _, test in grouped_folds(examples, kind) for i in test)
    return dict(zip(held_out, predicted, strict=True))


def per_fold(
    examples: list[Example], kind: str, truth: list[bool], predicted: dict[int, bool] | list[bool]
) -> list[float]:
    """Macro-F1 of each held-out fold on real answers."""
    out = []
    for _, test in grouped_folds(examples, kind):
        real = [i for i in test if not examples[i].own]
        out.append(round(macro_f1([truth[i] for i in real], [predicted[i] for i in real]), 4))
    return out


def alone(examples: list[Example], logits: dict[int, float], kind: str) -> dict[str, object]:
    """The cross-encoder by itself, at 0.5 and at a threshold chosen on the training part."""
    truth = [e.correct for e in examples]
    p = {i: sigmoid(x) for i, x in logits.items()}
    at_half = [p.get(i, 0.0) >= 0.5 for i in range(len(examples))]
    tuned = list(at_half)
    for train, test in grouped_folds(examples, kind):
        known = [i for i in train if i in p and not examples[i].own]
        best = max(GRID, key=lambda t: macro_f1([truth[i] for i in known],
                                                [p[i] >= t for i in known]))  # fmt: skip
        for i in test:
            tuned[i] = p[i] >= best
    real = [i for i in range(len(examples)) if not examples[i].own and i in p]
    return {
        "macro_f1_at_0.5": round(macro_f1([truth[i] for i in real], [at_half[i] for i in real]), 4),
        "macro_f1_tuned": round(macro_f1([truth[i] for i in real], [tuned[i] for i in real]), 4),
        "per_fold_tuned": per_fold(examples, kind, truth, tuned),
        "pearson_2way": round(pearson([p[i] for i in real], [float(truth[i]) for i in real]), 4),
    }


def single_fold(
    examples: list[Example],
    base: JudgeInputs,
    logits: dict[int, float],
    test: list[int],
    judge_predicted: dict[int, bool],
) -> dict[str, object]:
    """One held-out fold: the cross-encoder alone against the judge on the same answers,
    and the calibration with and without its logit, cross-validated inside the fold.

    Inside the fold the calibration is refitted on 3 folds by question of the
    fold's own answers (the question ids rehashed), with and without the
    logit: both arms see the same answers, and the cross-encoder saw none of
    them in training.
    """
    real = [i for i in test if not examples[i].own]
    truth = [examples[i].correct for i in real]
    p = [sigmoid(logits[i]) for i in real]
    inner = [replace(examples[i], question_id=f"inner:{examples[i].question_id}") for i in test]
    inner_base = JudgeInputs(tuple(base.rows[i] for i in test), base.judge)
    inner_logits = {j: logits[i] for j, i in enumerate(test)}
    names = [*FEATURES, *EVIDENCE]
    without = judged_folds(inner, inner_base, "question", names)
    stacked = with_logits(inner, inner_base, inner_logits)
    with_ce = judged_folds(inner, stacked, "question", [*names, CROSS_ENCODER])
    return {
        "answers": len(real),
        "judge_macro_f1": round(macro_f1(truth, [judge_predicted[i] for i in real]), 4),
        "cross_encoder_macro_f1_at_0.5": round(macro_f1(truth, [x >= 0.5 for x in p]), 4),
        "cross_encoder_pearson_2way": round(pearson(p, [float(t) for t in truth]), 4),
        "inside_fold_judge": without.summary(),
        "inside_fold_judge_plus_cross_encoder": with_ce.summary(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="semeval2013-train.csv")
    parser.add_argument("--oof", type=Path, nargs="+", required=True, help="oof.json files")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    examples = all_examples(args.data)
    base = measure(examples, CACHE)
    names = [*FEATURES, *EVIDENCE]
    truth = [e.correct for e in examples]
    report: dict[str, object] = {}
    for path in args.oof:
        loaded = json.loads(path.read_text())
        for kind in ("question", "domain"):
            folds = grouped_folds(examples, kind)
            done = [n for n in range(len(folds)) if f"{kind}:{n}" in loaded.get("done", [])]
            if not done:
                continue
            logits = fold_logits(path, kind)
            judged = judged_folds(examples, base, kind, names)
            before = by_index(examples, kind, judged.predicted)
            for n in done:
                report[f"{kind}:{n}"] = single_fold(examples, base, logits, folds[n][1], before)
                print(json.dumps({f"{kind}:{n}": report[f"{kind}:{n}"]}, indent=1),
                      file=sys.stderr)  # fmt: skip
            if len(done) < len(folds):
                continue
            stacked_inputs = with_logits(examples, base, logits)
            stacked = judged_folds(examples, stacked_inputs, kind, [*names, CROSS_ENCODER])
            after = by_index(examples, kind, stacked.predicted)
            report[kind] = {
                "calibrated_judge": {**judged.summary(),
                                     "per_fold": per_fold(examples, kind, truth, before)},
                "cross_encoder_alone": alone(examples, {i: logits[i] for i in range(len(examples))
                                                        if i in logits}, kind),
                "judge_plus_cross_encoder": {**stacked.summary(),
                                             "per_fold": per_fold(examples, kind, truth, after)},
            }  # fmt: skip
            print(json.dumps({kind: report[kind]}, indent=1), file=sys.stderr)
    if args.out:
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
