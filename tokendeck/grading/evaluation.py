"""Agreement of the grader with hand-labelled answers.

A labelled set is a CSV file with the columns ``reference_answer``,
``student_answer``, ``label`` (correct / partly_correct / incorrect) and
optionally ``category`` and ``card``. :func:`evaluate` grades every row and
reports accuracy, per-class precision and recall, and the confusion matrix.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tokendeck.errors import ImportFormatError
from tokendeck.grading.batch import require_columns
from tokendeck.grading.grader import Grader
from tokendeck.grading.result import GradeResult, Verdict

LABELS: tuple[Verdict, ...] = (Verdict.CORRECT, Verdict.PARTLY_CORRECT, Verdict.INCORRECT)


@dataclass(frozen=True)
class LabelledAnswer:
    """One row of a labelled set."""

    reference: str
    answer: str
    label: Verdict
    category: str = ""
    card: str = ""


@dataclass(frozen=True)
class Agreement:
    """How often the grader's verdict equals the label."""

    rows: tuple[tuple[LabelledAnswer, GradeResult], ...]

    @property
    def accuracy(self) -> float:
        """Share of rows where verdict == label."""
        hits = sum(1 for row, result in self.rows if result.verdict == row.label)
        return hits / len(self.rows) if self.rows else 0.0

    def confusion(self) -> dict[Verdict, dict[Verdict, int]]:
        """``confusion()[label][verdict]`` = number of rows."""
        matrix = {label: dict.fromkeys(LABELS, 0) for label in LABELS}
        for row, result in self.rows:
            matrix[row.label][result.verdict] += 1
        return matrix

    def recall(self, label: Verdict) -> float:
        """Of the rows labelled ``label``, the share graded so."""
        counts = self.confusion()[label]
        total = sum(counts.values())
        return counts[label] / total if total else 0.0

    def precision(self, label: Verdict) -> float:
        """Of the rows graded ``label``, the share labelled so."""
        graded = sum(self.confusion()[other][label] for other in LABELS)
        return self.confusion()[label][label] / graded if graded else 0.0

    def accuracy_by(self, field: str) -> dict[str, float]:
        """Accuracy per value of ``category`` or ``card``."""
        groups: dict[str, list[bool]] = {}
        for row, result in self.rows:
            groups.setdefault(getattr(row, field), []).append(result.verdict == row.label)
        return {key: sum(hits) / len(hits) for key, hits in sorted(groups.items())}

    def disagreements(self) -> list[tuple[LabelledAnswer, GradeResult]]:
        """Rows where the grader and the label differ."""
        return [(row, result) for row, result in self.rows if result.verdict != row.label]


def load_labelled(path: Path) -> list[LabelledAnswer]:
    """Read a labelled CSV (ImportFormatError naming the line if it is malformed)."""
    rows: list[LabelledAnswer] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        require_columns(
            reader.fieldnames,
            ("label", "reference_answer", "student_answer"),
            path=path,
            hint="the header must name reference_answer, student_answer and label",
        )
        for record in reader:
            rows.append(_labelled(record, path, reader.line_num))
    return rows


def _labelled(record: dict[str, str], path: Path, line: int) -> LabelledAnswer:
    try:
        label = Verdict(record["label"].strip())
    except ValueError:
        raise ImportFormatError(
            f"unknown label {record['label']!r}",
            path=str(path),
            line=line,
            hint="use correct, partly_correct or incorrect",
        ) from None
    return LabelledAnswer(
        record["reference_answer"],
        record["student_answer"],
        label,
        record.get("category") or "",
        record.get("card") or "",
    )


def evaluate(rows: Iterable[LabelledAnswer], grader: Grader) -> Agreement:
    """Grade every row with ``grader``."""
    return Agreement(tuple((row, grader.grade(row.reference, row.answer)) for row in rows))


def report(agreement: Agreement, title: str) -> str:
    """A plain-text report: accuracy, per-class scores, confusion matrix."""
    lines = [f"{title}: {len(agreement.rows)} answers, accuracy {agreement.accuracy:.1%}"]
    lines += [
        f"  {label:<15} precision {agreement.precision(label):.1%}  "
        f"recall {agreement.recall(label):.1%}"
        for label in LABELS
    ]
    lines.append("  confusion (rows = label, columns = grader): " + _header(LABELS))
    matrix = agreement.confusion()
    for label in LABELS:
        counts = "".join(f"{matrix[label][v]:>16}" for v in LABELS)
        lines.append(f"  {label:<15}{counts}")
    by_category = agreement.accuracy_by("category")
    lines.append("  by category: " + ", ".join(f"{k} {v:.0%}" for k, v in by_category.items()))
    return "\n".join(lines)


def _header(labels: Sequence[Verdict]) -> str:
    return "".join(f"{label:>16}" for label in labels)
