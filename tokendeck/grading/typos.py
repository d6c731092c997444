"""Typo tolerance: edit distance, with an allowance that grows with length.

A slip of one letter in "Komatsuzaki" is a typo; one letter in "cat" makes a
different word. Digits get no allowance at all: 1944 is not 1945.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d+(?:\.\d+)?")


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment distance (insert, delete, substitute, swap).

    With ``limit``, returns ``limit + 1`` as soon as the distance must exceed
    it, which keeps long comparisons cheap.
    """
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, previous2[j - 2] + 1)
            current[j] = best
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[len(b)]


def allowed_edits(length: int) -> int:
    """Edits tolerated in a word or phrase of ``length`` letters.

    Up to 4 letters: none (Iran is not Iraq); 5-10: one (Austria is not
    Australia); 11-20: two; longer: three at most, because more than that in
    a sentence can already change its meaning.
    """
    if length <= 4:
        return 0
    if length <= 10:
        return 1
    if length <= 20:
        return 2
    return 3


def numbers_in(text: str) -> list[str]:
    """The numbers written in ``text``, in order."""
    return _DIGITS.findall(text)


def is_typo_of(answer: str, reference: str) -> bool:
    """True when ``answer`` is ``reference`` with a few slips and the same numbers.

    Both arguments should already be normalised (or compacted) the same way.
    """
    if numbers_in(answer) != numbers_in(reference):
        return False
    letters = len(reference.replace(" ", ""))
    limit = allowed_edits(letters)
    if limit == 0:
        return answer == reference
    return edit_distance(answer, reference, limit) <= limit
