"""Short factual answers: a name, a year, a number, a term of a few words.

For these, closeness in meaning is worthless ("Canberra" and "Sydney" embed
close together, so do 1944 and 1945) so only lexical matches count: the
fact written out in the answer, its numbers, or (for partial credit) some
of its words and none that contradict it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from tokendeck.grading.concepts import Concept, Coverage, words_match
from tokendeck.grading.normalise import normalise, surface_words
from tokendeck.grading.stopwords import STOPWORDS
from tokendeck.grading.typos import numbers_in

#: A reference with more words than this is a description, not a fact.
MAX_FACT_WORDS = 6
#: ... and so is one with more content words than this.
MAX_FACT_CONTENT_WORDS = 4


@dataclass(frozen=True)
class FactMatch:
    """How an answer relates to a short fact."""

    coverage: Coverage
    contained: bool  # the fact appears word for word (typos allowed) in the answer
    numbers_agree: bool | None  # None when the fact or the answer has no numbers
    extras: int  # content words of the answer that are not in the fact
    surplus: int  # of those, repeats of the fact's words and numbers ("O(n log n)")
    surname: bool  # "Washington" for "George Washington"
    hedged: bool = False  # "Sydney or Canberra": the fact among other guesses

    @property
    def complete(self) -> bool:
        """Everything in the fact is in the answer."""
        return not self.coverage.missed


def is_short_fact(reference: str) -> bool:
    """True for "Canberra", "1945", "825 GiB", "Ben Wang and Aran Komatsuzaki".

    A short phrase is a fact when exact words matter: it holds a number or a
    name, or it is a term ("Generative Pre-trained Transformer", "a
    protein"). A short statement with a verb ("evaporated, leaving the salt",
    "the terminals are connected") is judged by meaning instead.
    """
    words = normalise(reference).split()
    content = [w for w in words if w not in STOPWORDS]
    if not 0 < len(content) <= MAX_FACT_CONTENT_WORDS or len(words) > MAX_FACT_WORDS:
        return False
    if any(ch.isdigit() for ch in reference) or _has_name(reference):
        return True
    verb_like = len(content) >= 3 and any(w.endswith(("ed", "ing")) for w in content)
    if verb_like or _STATEMENT.intersection(words):
        return False
    return len(content) <= 2 or len(content) == len(words)


#: Verbs and negations that make a short phrase a statement rather than a term.
_STATEMENT = frozenset(
    """is are was were be been being has have had do does did will would can could should
    may might must not never cannot""".split()  # noqa: SIM905
)


def _has_name(reference: str) -> bool:
    """A capital after the first letter: "the Pile", "GPT", "Ben Wang"."""
    surface = surface_words(reference)
    inner = any(ch.isupper() for ch in surface[0][1:]) if surface else False
    return inner or any(word[:1].isupper() for word in surface[1:])


def content_units(text: str) -> list[str]:
    """Normalised words of ``text`` that carry content (numbers included)."""
    return [w for w in normalise(text).split() if w not in STOPWORDS]


def match_fact(fact: str, answer: str) -> FactMatch:
    """Compare ``answer`` with one written form of a short fact."""
    fact_words, answer_words = normalise(fact).split(), normalise(answer).split()
    units, answer_units = content_units(fact), content_units(answer)
    found, missed = _split_units(units, answer_units, _surface_forms(fact))
    fact_numbers = set(numbers_in(" ".join(fact_words)))
    answer_numbers = set(numbers_in(" ".join(answer_words)))
    numbers_agree = None
    if fact_numbers and answer_numbers:
        numbers_agree = answer_numbers == fact_numbers
    extras, surplus = _count_extras(units, answer_units)
    return FactMatch(
        coverage=Coverage(tuple(found), tuple(missed)),
        contained=_contains(answer_words, fact_words),
        numbers_agree=numbers_agree,
        extras=extras,
        surplus=surplus,
        surname=extras == 0 and _is_surname(fact, answer_units),
        hedged=extras > 0 and ("or" in answer_words or "/" in answer),
    )


#: Lower-case particles inside names ("Guido van Rossum", "Leonardo da Vinci").
_NAME_PARTICLES = frozenset("van von de da del der di du la le bin ibn al".split())  # noqa: SIM905


def _is_surname(fact: str, answer_units: Sequence[str]) -> bool:
    """A name answered by its last word(s): "Washington", "van Rossum", "Everest"."""
    surface = surface_words(fact)
    if not 2 <= len(surface) <= 4 or "," in fact or not answer_units:
        return False
    for word in surface:
        if not (word[:1].isupper() or word in _NAME_PARTICLES):
            return False  # "Generative Pre-trained Transformer" is not a name
    tail = [normalise(w) for w in surface[-len(answer_units) :]]
    return len(answer_units) < len(surface) and all(
        _same(t, a) for t, a in zip(tail, answer_units, strict=True)
    )


def _surface_forms(fact: str) -> dict[str, str]:
    """Normalised word -> the word as written, for explanations ("Canberra")."""
    return {normalise(w): w for w in surface_words(fact)}


def _split_units(
    units: Sequence[str], answer_units: Sequence[str], surface: dict[str, str]
) -> tuple[list[Concept], list[Concept]]:
    found: list[Concept] = []
    missed: list[Concept] = []
    for unit in dict.fromkeys(units):  # each unit once, in order
        kind = "number" if unit[:1].isdigit() else "word"
        concept = Concept(surface.get(unit, unit), unit, kind, _weight(unit))
        hit = any(_same(unit, other) for other in answer_units)
        (found if hit else missed).append(concept)
    return found, missed


def _weight(unit: str) -> float:
    """Every part of a fact counts the same ("Ben Wang" is half of the two
    authors), except single letters, which are mostly notation."""
    return 0.25 if len(unit) == 1 and not unit.isdigit() else 1.0


def _same(fact_word: str, answer_word: str) -> bool:
    if fact_word[:1].isdigit() or answer_word[:1].isdigit() or len(fact_word) <= 3:
        return fact_word == answer_word  # "GPT-3" is not "GPT-4", "T5" not "T4"
    return words_match(fact_word, answer_word)


def _contains(answer_words: Sequence[str], fact_words: Sequence[str]) -> bool:
    """The fact's words appear in a row in the answer (each may have a typo)."""
    size = len(fact_words)
    for start in range(len(answer_words) - size + 1):
        window = answer_words[start : start + size]
        if all(_same(f, a) for f, a in zip(fact_words, window, strict=True)):
            return True
    return False


def _count_extras(units: Sequence[str], answer_units: Sequence[str]) -> tuple[int, int]:
    """Answer words with no counterpart in the fact, and how many of them repeat
    a fact word or state a number (those change a fact rather than pad it)."""
    available = Counter(units)
    extras = surplus = 0
    for word in answer_units:
        twin = next((u for u in available if available[u] and _same(u, word)), None)
        if twin is not None:
            available[twin] -= 1
            continue
        extras += 1
        if word[:1].isdigit() or any(_same(u, word) for u in units):
            surplus += 1
    return extras, surplus
