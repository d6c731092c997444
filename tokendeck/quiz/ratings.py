"""From (format, outcome, time taken) to the FSRS rating the answer records.

Recognising the right answer among a few is easier than recalling it, so a
correct recognition answer is worth less than a correct typed one and never
Easy. The table (also in docs/question-formats.md):

================  =====================  ==========================  =========
format            correct, quick         correct, slow / partly      wrong
================  =====================  ==========================  =========
flip              the learner's rating   the learner's rating        Again
typed, reverse,   Easy (exact / typo)    Good (correct by meaning);  Again
cloze             else Good              Hard (partly correct)
multiple choice,  Good                   Hard                        Again
discrimination
matching (pair)   Good                   Hard (round over time)      Again
true / false      Hard                   Hard                        Again
================  =====================  ==========================  =========

"Quick" means within :data:`QUICK_SECONDS` of the format (for typed answers
plus :data:`SECONDS_PER_CHAR` per character of the expected answer). A true /
false answer is a coin flip for someone who does not know, so it is never
worth more than Hard.
"""

from __future__ import annotations

from tokendeck.domain.cards import Rating

#: Answers at most this fast (seconds) count as quick.
QUICK_SECONDS: dict[str, float] = {
    "typed": 6.0,
    "reverse": 6.0,
    "cloze": 6.0,
    "multiple_choice": 10.0,
    "discrimination": 10.0,
    "matching": 60.0,  # the whole round: the round's time limit
    "true_false": 6.0,
}
SECONDS_PER_CHAR = 0.15
#: A typed answer scoring at least this (exact, alternative or typo) may be Easy.
EASY_SCORE = 0.95

_RECOGNITION_CAP = {"true_false": Rating.HARD}


def is_quick(fmt: str, elapsed_s: float | None, expected: str = "") -> bool:
    """Whether an answer came within the format's quick time (unknown time: not quick)."""
    if elapsed_s is None or fmt not in QUICK_SECONDS:
        return False
    allowance = QUICK_SECONDS[fmt]
    if fmt in ("typed", "reverse", "cloze"):
        allowance += SECONDS_PER_CHAR * len(expected)
    return elapsed_s <= allowance


def typed_rating(verdict: str, score: float, *, quick: bool) -> Rating:
    """Rating of a graded typed answer (typed recall, reverse, cloze)."""
    if verdict == "incorrect":
        return Rating.AGAIN
    if verdict == "partly_correct":
        return Rating.HARD
    return Rating.EASY if quick and score >= EASY_SCORE else Rating.GOOD


def recognition_rating(fmt: str, correct: bool, *, quick: bool) -> Rating:
    """Rating of a multiple-choice, discrimination, matching or true / false answer."""
    if not correct:
        return Rating.AGAIN
    rating = Rating.GOOD if quick else Rating.HARD
    return min(rating, _RECOGNITION_CAP.get(fmt, Rating.GOOD))


def rating_for(
    fmt: str, *, correct: bool, verdict: str = "", score: float = 0.0, quick: bool = False
) -> Rating:
    """The documented table in one call (``verdict``/``score`` for typed formats)."""
    if fmt in ("typed", "reverse", "cloze"):
        return typed_rating(verdict or ("correct" if correct else "incorrect"), score, quick=quick)
    if fmt == "flip":
        raise ValueError("flip answers are rated by the learner")
    return recognition_rating(fmt, correct, quick=quick)
