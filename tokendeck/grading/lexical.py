"""Lexical checks: exact and typo-tolerant matches, contradictions.

These need no model and run first, because most typed answers to short
cards are settled here in microseconds.
"""

from __future__ import annotations

from tokendeck.grading.normalise import compact, normalise
from tokendeck.grading.opposites import swapped_opposites
from tokendeck.grading.stopwords import NEGATIONS
from tokendeck.grading.typos import is_typo_of, numbers_in

#: Answers of at most this many words get whole-answer typo tolerance;
#: longer ones are compared word by word in the concept stage instead.
TYPO_MAX_WORDS = 6
#: Below this many letters a typo is only forgiven word by word ("O(log n)").
COMPACT_TYPO_MIN_LETTERS = 8
#: Score multipliers for an answer that contradicts the reference.
NEGATION_PENALTY = 0.45
NUMBER_PENALTY = 0.7
OPPOSITE_PENALTY = 0.6


def is_exact(answer: str, form: str) -> bool:
    """Equal after normalisation, ignoring spaces and a leading article."""
    return compact(answer) == compact(form)


def is_typo(answer: str, form: str) -> bool:
    """Word by word within each word's allowance; or, for longer forms, as a whole.

    Numbers must be identical, and so must words of up to four letters.
    """
    answer_words, form_words = normalise(answer).split(), normalise(form).split()
    if len(form_words) > TYPO_MAX_WORDS or len(answer_words) > TYPO_MAX_WORDS:
        return False
    if numbers_in(normalise(answer)) != numbers_in(normalise(form)):
        return False
    if len(answer_words) == len(form_words):
        pairs = zip(answer_words, form_words, strict=True)
        return all(is_typo_of(a, f) for a, f in pairs)
    letters = compact(form)
    return len(letters) >= COMPACT_TYPO_MIN_LETTERS and is_typo_of(compact(answer), letters)


def contradiction_factor(reference: str, answer: str) -> float:
    """Penalty when one side negates and the other does not, numbers disagree,
    or the answer uses the opposite of a reference word ("fall" for "rise")."""
    factor = 1.0
    if swapped_opposites(reference, answer):
        factor *= OPPOSITE_PENALTY
    if negates(reference) != negates(answer):
        factor *= NEGATION_PENALTY
    ref_numbers = set(numbers_in(normalise(reference)))
    if ref_numbers and set(numbers_in(normalise(answer))) - ref_numbers:
        factor *= NUMBER_PENALTY
    return factor


def negates(text: str) -> bool:
    """True if ``text`` contains a negation ("not", "never", "isn't", ...)."""
    lowered = text.casefold().replace("\u2019", "'")
    return "n't" in lowered or bool(NEGATIONS & set(normalise(text).split()))
