"""Typed-answer grading: normalise, alternatives, typos, facts, then meaning.

The study front-ends call :func:`grade`; other features (multiple-choice
distractors, concept links) use :meth:`Grader.embed` and
:meth:`Grader.similarity`. Importing this package loads no heavy library:
numpy and onnxruntime come in only when a meaning check first needs them.
"""

from __future__ import annotations

from tokendeck.grading.grader import Grader, default_grader, grade
from tokendeck.grading.meaning import Thresholds
from tokendeck.grading.result import GradeResult, Stage, Verdict

__all__ = ["GradeResult", "Grader", "Stage", "Thresholds", "Verdict", "default_grader", "grade"]
