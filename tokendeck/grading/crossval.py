"""Real students' answers for training and judging the grader, split into grouped folds.

A labelled answer set is a CSV with the columns of the SemEval-2013 training
file (``dataset``, ``question_id``, ``question``, ``reference_answers`` joined
by `` || ``, ``student_answer``, ``label_2way``, ``label_3way``). Folds are
grouped: every answer to a question (or every answer of a domain) falls in the
same fold, so a fold's questions are never seen in training, which is how a
new card meets the grader. Pure Python: the metrics need no numpy.
"""

from __future__ import annotations

import csv
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokendeck.grading.batch import require_columns

COLUMNS = ("dataset", "question_id", "question", "reference_answers", "student_answer",
           "label_2way")  # fmt: skip
REFERENCE_SEPARATOR = " || "
QUESTION_FOLDS = 3
#: Domain of our own labelled answers ("own:general"): trained on in every
#: domain fold, tested only in the question folds (grouped by card).
OWN_PREFIX = "own:"


@dataclass(frozen=True)
class Example:
    """One labelled answer."""

    domain: str
    question_id: str
    question: str
    references: tuple[str, ...]
    answer: str
    correct: bool
    label_3way: str = ""

    @property
    def own(self) -> bool:
        """True for an answer of our own labelled sets (not a real student's)."""
        return self.domain.startswith(OWN_PREFIX)


def load_examples(path: Path) -> list[Example]:
    """Every row of a labelled answer file (ImportFormatError if a column is missing)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        require_columns(reader.fieldnames, COLUMNS, path=path,
                        hint="use the columns of semeval2013-train.csv")  # fmt: skip
        return [_example(record) for record in reader]


def _example(record: dict[str, str]) -> Example:
    references = tuple(
        r.strip() for r in record["reference_answers"].split(REFERENCE_SEPARATOR) if r.strip()
    )
    return Example(
        domain=record["dataset"],
        question_id=record["question_id"],
        question=record["question"],
        references=references,
        answer=record["student_answer"],
        correct=record["label_2way"].strip() == "correct",
        label_3way=(record.get("label_3way") or "").strip(),
    )


def grouped_folds(examples: Sequence[Example], kind: str) -> list[tuple[list[int], list[int]]]:
    """(train, test) index lists: ``question`` = 3 folds by question, ``domain`` = one per domain.

    Questions go to folds by a stable hash of their id, so the folds are the
    same in every run and in every script. Our own answers (``own:`` domains)
    are grouped by their card like questions, and in the domain folds they
    are always in the training part.
    """
    if kind == "question":
        keys = [str(zlib.crc32(e.question_id.encode()) % QUESTION_FOLDS) for e in examples]
        groups = [str(n) for n in range(QUESTION_FOLDS)]
    elif kind == "domain":
        keys = ["" if e.own else e.domain for e in examples]
        groups = sorted(set(keys) - {""})
    else:
        raise ValueError(f"unknown fold kind {kind!r}: use question or domain")
    folds = []
    for group in groups:
        test = [i for i, key in enumerate(keys) if key == group]
        train = [i for i, key in enumerate(keys) if key != group]
        folds.append((train, test))
    return folds


def macro_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean of the F1 of the "correct" and the "incorrect" class."""
    scores = []
    for positive in (True, False):
        tp = sum(
            1 for t, p in zip(truth, predicted, strict=True) if t == positive and p == positive
        )
        fp = sum(
            1 for t, p in zip(truth, predicted, strict=True) if t != positive and p == positive
        )
        fn = sum(
            1 for t, p in zip(truth, predicted, strict=True) if t == positive and p != positive
        )
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / 2


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation (0 when either side is constant)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy) if sxx and syy else 0.0
