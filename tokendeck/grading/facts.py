"""Short factual answers: a name, a year, a number, a single term.

For these, closeness in meaning is worthless ("Canberra" and "Sydney" embed
close together) so only exact or typo-tolerant matches count.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokendeck.grading.concepts import Concept, Coverage, extract_concepts, measure_coverage
from tokendeck.grading.normalise import surface_words
from tokendeck.grading.stopwords import STOPWORDS

#: A reference longer than this is a description, not a fact, even with a number.
MAX_FACT_WORDS = 6


def is_short_fact(reference: str) -> bool:
    """True for "Canberra", "1945", "825 GiB", "Ben Wang and Aran Komatsuzaki"."""
    words = surface_words(reference)
    content = [w for w in words if w.casefold() not in STOPWORDS]
    if not content or len(words) > MAX_FACT_WORDS:
        return False
    if len(content) == 1:
        return True
    if any(c.kind == "number" for c in extract_concepts(reference)) and len(content) <= 4:
        return True
    return _capitalised(content)


def _capitalised(content: Sequence[str]) -> bool:
    """Every content word starts with a capital or a digit (a proper name)."""
    return all(w[:1].isupper() or w[:1].isdigit() for w in content)


def fact_coverage(reference: str, answer: str) -> Coverage:
    """Coverage of a short fact, judged on its numbers and names when it has any.

    "Released in 2020" is answered by "2020": the year is the fact, the
    verb is packaging.
    """
    concepts = extract_concepts(reference)
    decisive: list[Concept] = [c for c in concepts if c.kind in ("number", "name")]
    return measure_coverage(decisive or concepts, answer)


def extra_numbers(reference: str, answer: str) -> bool:
    """True when the answer states a number the reference does not (a wrong year)."""
    ref_numbers = {c.key for c in extract_concepts(reference) if c.kind == "number"}
    answer_numbers = {c.key for c in extract_concepts(answer) if c.kind == "number"}
    return bool(ref_numbers) and bool(answer_numbers - ref_numbers)
