"""Fit the answer judge's calibration and thresholds, and measure them by grouped folds.

Needs TokenDeck's own environment only (numpy, onnxruntime, the pinned
embedding model); about five minutes on two cores the first time, seconds
afterwards (the measurements are kept in --cache):

    nice -n 10 .venv/bin/python scripts/train_grader.py \
        --data ../shared/data/grading/semeval2013-train.csv

It runs every answer of the training file and of our own labelled sets
(tests/data/grading: llm_vocabulary, general, heldout) through the grading
pipeline once, measuring those that reach the judge with the alignment judge
(tokendeck/grading/alignment.py). It fits the calibration on all of them
(our own answers weighted, see validation.OWN_WEIGHT), picks the "correct"
threshold that maximises 2-way macro-F1, fits the partly model on our own
partly-correct and incorrect answers, and writes
tokendeck/grading/models/answer-judge.json with the grouped-fold metrics
(unseen questions with our own sets folded by card, unseen domains) that the
model card reports. The fold metrics refit everything without the held-out
answers. Deterministic: the same data and code give the same file.
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
from tokendeck.grading.calibration import Calibration  # noqa: E402
from tokendeck.grading.crossval import Example, load_examples  # noqa: E402
from tokendeck.grading.judge import JudgeConfig  # noqa: E402
from tokendeck.grading.measurements import (  # noqa: E402
    CachedJudge,
    RecordingJudge,
    ReplayJudge,
    answer_key,
    measuring_stamp,
)
from tokendeck.grading.validation import (  # noqa: E402
    EVIDENCE,
    OWN_WEIGHT,
    JudgeInputs,
    fit_on,
    grade_example,
    judge_inputs,
    judged_folds,
    own_examples,
)

GRADING = REPO / "tokendeck" / "grading"
CONFIG = GRADING / "models" / "answer-judge.json"
OWN_DATA = REPO / "tests" / "data" / "grading"
OWN_SETS = ("llm_vocabulary", "general", "heldout")
CACHE = REPO / "artifacts" / "grader-measurements.json"
#: The calibration's name for a cross-encoder's logit (see --cross-encoder).
CROSS_ENCODER = "cross_encoder"


def all_examples(data: Path) -> list[Example]:
    """The training file's answers, then our own sets' (grouped by card)."""
    return [*load_examples(data), *own_examples(OWN_DATA, OWN_SETS)]


def measure(examples: list[Example], cache: Path | None) -> JudgeInputs:
    """What the judge sees of every example, measured once (kept in ``cache``)."""
    started = time.time()
    encode = Grader(use_judge=False).embedder.encode  # type: ignore[attr-defined]
    cached = CachedJudge(AlignmentJudge(encode), cache, measuring_stamp())
    inputs = judge_inputs(examples, cached)
    cached.save()
    print(f"{len(examples)} answers, {cached.computed} measured in {time.time() - started:.0f} s",
          file=sys.stderr)  # fmt: skip
    return inputs


def with_logits(
    examples: list[Example], base: JudgeInputs, logits: dict[int, float]
) -> JudgeInputs:
    """The judge's inputs with the cross-encoder's held-out logit of each answer added.

    The logit goes into the calibration rows and into the replayed
    measurements, under the key of what actually reached the judge.
    """
    recorder = RecordingJudge(base.judge)
    grader = Grader(judge=recorder, judge_config=JudgeConfig(Calibration((), (), (), (), 0.0)))
    measured: dict[tuple[str, ...], dict[str, float]] = {}
    rows: list[dict[str, float] | None] = []
    for i, example in enumerate(examples):
        recorder.last = None
        grade_example(grader, example)
        row = base.rows[i]
        if recorder.last is None or row is None:
            rows.append(None)
            continue
        key = answer_key(*recorder.last)
        measured[key] = {**recorder.measured[key], CROSS_ENCODER: logits[i]}
        rows.append({**row, CROSS_ENCODER: logits[i]})
    return JudgeInputs(tuple(rows), ReplayJudge(measured))


def fold_logits(path: Path, kind: str) -> dict[int, float]:
    """Held-out cross-encoder logits for a fold kind (question-fold ones fill the gaps)."""
    loaded = json.loads(path.read_text(encoding="utf-8"))
    logits = {int(i): float(x) for i, x in loaded.get("question", {}).items()}
    logits.update({int(i): float(x) for i, x in loaded.get(kind, {}).items()})
    return logits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="semeval2013-train.csv")
    parser.add_argument("--out", type=Path, default=CONFIG, help="the JSON file to write")
    parser.add_argument("--cache", type=Path, default=CACHE, help="measurements kept here")
    parser.add_argument(
        "--cross-encoder", type=Path, metavar="OOF_JSON",
        help="add the cross-encoder's logit: held-out logits from scripts/train_cross_encoder.py",
    )  # fmt: skip
    args = parser.parse_args()
    examples = all_examples(args.data)
    base = measure(examples, args.cache)
    names = [*FEATURES, *EVIDENCE]
    inputs = {"question": base, "domain": base}
    if args.cross_encoder is not None:
        names.append(CROSS_ENCODER)
        inputs = {k: with_logits(examples, base, fold_logits(args.cross_encoder, k))
                  for k in inputs}  # fmt: skip
    metrics = {}
    for kind in ("question", "domain"):
        metrics[kind] = judged_folds(examples, inputs[kind], kind, names).summary()
        print(json.dumps(metrics[kind]), file=sys.stderr)
    # Fitted on held-out logits: what the calibration will meet on a new question.
    config = fit_on(examples, inputs["question"], names, range(len(examples)))
    assert config.partly_model is not None, "our own sets have partly-correct answers"
    payload = {
        "about": "Calibration of the answer judge; model card: docs/answer-judge.md. "
        "Derived from the SemEval-2013 Task 7 training data (CC BY-SA 3.0) "
        "and TokenDeck's own labelled answers (tests/data/grading).",
        "judge": "alignment+cross-encoder" if args.cross_encoder else "alignment",
        "calibration": config.calibration.to_json(),
        "partly_calibration": config.partly_model.to_json(),
        "thresholds": {
            "correct": config.correct,
            "partly": config.partly,
            "confident": config.confident,
            "correct_without_concept": config.correct_without_concept,
        },
        "grouped_folds": metrics,
        "training_rows": {
            "real": sum(1 for e in examples if not e.own),
            "own": sum(1 for e in examples if e.own),
            "reaching_the_judge": sum(1 for r in base.rows if r is not None),
            "own_weight": OWN_WEIGHT,
        },
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
