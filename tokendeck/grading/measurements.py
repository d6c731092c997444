"""The judge's measurements of labelled answers, recorded once and kept on disk.

Measuring thousands of answers with the embedding model takes minutes on a
loaded machine, and the measurements do not depend on anything fitted, so
:class:`CachedJudge` keeps them in a JSON file between runs (stamped with a
hash of the code that computes them: a changed measurement is measured
again). :class:`RecordingJudge` notes which answers reach the judge at all,
and with which references and question (the pipeline may split
alternatives or use a definition's term as the question), so that folds can
replay exactly what the grader would ask. Used by
:mod:`tokendeck.grading.validation`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from tokendeck.grading.judge import Judge

Key = tuple[str, ...]
#: The modules whose code computes the measurements: a change to any measures again.
MEASURING_CODE = ("alignment.py", "embedder.py", "concepts.py", "normalise.py", "stopwords.py")


def answer_key(references: Sequence[str], question: str, answer: str) -> Key:
    """How an answer is looked up: question, answer and the references in order."""
    return (question, answer, *sorted(references))


def measuring_stamp() -> str:
    """A short hash of the measuring code (:data:`MEASURING_CODE`)."""
    digest = hashlib.sha256()
    for name in MEASURING_CODE:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


class CachedJudge:
    """A judge whose measurements are kept in a JSON file (``path`` None: in memory only)."""

    def __init__(self, judge: Judge, path: Path | None, stamp: str) -> None:
        """``stamp`` identifies the measuring code: a file with another stamp is ignored."""
        self._judge = judge
        self._path = path
        self._stamp = stamp
        self._store: dict[str, dict[str, float]] = {}
        if path is not None and path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("stamp") == stamp:
                self._store = data["measured"]
        self.computed = 0

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The stored measurements, or the judge's (then stored)."""
        key = json.dumps(answer_key(references, question, answer))
        if key not in self._store:
            self._store[key] = self._judge.features(references, question, answer)
            self.computed += 1
        return dict(self._store[key])

    def save(self) -> None:
        """Write the measurements to the file (nothing without a path or anything new)."""
        if self._path is None or not self.computed:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"stamp": self._stamp, "measured": self._store}
        self._path.write_text(json.dumps(payload), encoding="utf-8")


class RecordingJudge:
    """Passes measurements through and remembers the last question it was asked."""

    def __init__(self, judge: Judge) -> None:
        """Measure with ``judge``."""
        self._judge = judge
        self.last: tuple[tuple[str, ...], str, str] | None = None
        self.measured: dict[Key, dict[str, float]] = {}

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The judge's measurements (noted with their inputs)."""
        measured = self._judge.features(references, question, answer)
        self.last = (tuple(references), question, answer)
        self.measured[answer_key(references, question, answer)] = measured
        return measured


class ReplayJudge:
    """Answers with recorded measurements (KeyError for an answer never recorded)."""

    def __init__(self, measured: Mapping[Key, dict[str, float]]) -> None:
        """``measured`` as a :class:`RecordingJudge` gathered them."""
        self._measured = dict(measured)

    def features(self, references: Sequence[str], question: str, answer: str) -> dict[str, float]:
        """The recorded measurements."""
        return dict(self._measured[answer_key(references, question, answer)])
