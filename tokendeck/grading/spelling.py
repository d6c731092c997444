"""Correcting an answer's misspellings towards the reference's own words.

Sentence embeddings suffer from typos ("imgae" is split into meaningless word
pieces), so before the meaning check each answer word that the vocabulary
does not know, and that is within the typo allowance of a reference word, is
replaced by that word. Real words are left alone: "general" never becomes
"generative", and a wrong answer is not made right.
"""

from __future__ import annotations

import re

from tokendeck.grading.concepts import known_word
from tokendeck.grading.normalise import normalise
from tokendeck.grading.typos import allowed_edits, edit_distance

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
#: Shorter words are left alone: too many real words lie one edit apart.
MIN_LETTERS = 5


def correct_towards(answer: str, reference: str) -> str:
    """``answer`` with unknown words replaced by the reference word they misspell."""
    candidates = {w for w in normalise(reference).split() if len(w) >= MIN_LETTERS}
    if not candidates:
        return answer

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        lowered = word.casefold()
        if len(lowered) < MIN_LETTERS or lowered in candidates or known_word(lowered):
            return word
        return _closest(lowered, candidates) or word

    return _WORD.sub(fix, answer)


def _closest(word: str, candidates: set[str]) -> str | None:
    best: tuple[int, str] | None = None
    for candidate in sorted(candidates):
        limit = allowed_edits(len(candidate))
        distance = edit_distance(word, candidate, limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return None if best is None else best[1]
