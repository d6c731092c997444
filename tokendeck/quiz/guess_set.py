"""Grading a set of guesses the way Learn mode would (for tests and the benchmark).

A guess set (tests/data/grading/guesses.csv, written by
scripts/make_guess_set.py) names a card by its front, a question format
(``typed`` or ``reverse``) and an answer that shows no knowledge of the card.
Each row is asked as Learn asks it: the question is built from the deck's
items (so it carries the deck vocabulary) and marked by the grader.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tokendeck.grading import Grader
from tokendeck.quiz.formats import Question, build
from tokendeck.quiz.items import Item
from tokendeck.quiz.marking import Mark, mark
from tokendeck.quiz.similarity import similarities


@dataclass(frozen=True)
class GuessRow:
    """One guess: which card, asked how, answered what."""

    card: str  # the card's front
    format: str  # typed or reverse
    answer: str
    category: str  # generic, non_answer, question, stuffing


def load_guesses(path: Path) -> list[GuessRow]:
    """The rows of a guess set CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            GuessRow(r["card"], r["format"], r["student_answer"], r["category"])
            for r in csv.DictReader(handle)
        ]


def grade_guesses(
    items: Sequence[Item], rows: Sequence[GuessRow], grader: Grader, *, with_deck: bool = True
) -> list[tuple[GuessRow, Mark]]:
    """Mark every guess; ``with_deck=False`` drops the deck vocabulary (the CLI's situation)."""
    sims = similarities(list(items), Grader(use_embeddings=False))  # TF-IDF: no model needed
    index = {item.prompt: n for n, item in enumerate(sims.items)}
    out = []
    for row in rows:
        question = build(row.format, sims, index[row.card], random.Random(0))
        if not with_deck:
            question = _without_vocabulary(question)
        out.append((row, mark(question, row.answer, grader=grader)[0]))
    return out


def _without_vocabulary(question: Question) -> Question:
    return replace(question, vocabulary=None)
