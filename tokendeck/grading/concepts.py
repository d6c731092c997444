"""Key concepts of a reference answer, and how many of them an answer covers.

A concept is a content word, a number or a name. Rare concepts weigh more
than common ones: "EleutherAI" and "825" say more about the Pile than "data".
Rarity comes from the embedding tokenizer's vocabulary, whose whole-word
entries are ordered roughly by corpus frequency; a word the vocabulary has to
split into pieces is rare. No model has to run for this.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokendeck.grading.normalise import compact, normalise, surface_words
from tokendeck.grading.stopwords import STOPWORDS
from tokendeck.grading.typos import allowed_edits, edit_distance

TOKENIZER_FILE = Path(__file__).parent / "models" / "all-MiniLM-L6-v2.tokenizer.json"
#: The first whole word ("the") in that vocabulary; earlier ids are special.
_FIRST_WORD_ID = 1996
#: Coverage looks at this many of the heaviest concepts, so that a long back
#: is not graded as if the learner had to recite all of it.
MAX_CONCEPTS = 12
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    "eleven": "11", "twelve": "12", "twenty": "20", "hundred": "100",
}  # fmt: skip
_SUFFIXES = (
    "izations", "ization", "ations", "ation", "ements", "ement", "ments", "ment",
    "ities", "ity", "ness", "ings", "ing", "ions", "ion", "ies", "ied", "ers",
    "er", "ed", "es", "ly", "s",
)  # fmt: skip


@dataclass(frozen=True)
class Concept:
    """One thing the reference says that a good answer should mention."""

    text: str  # as written in the reference, for the explanation
    key: str  # normalised form used for matching
    kind: str  # "number", "name" or "word"
    weight: float


@dataclass(frozen=True)
class Coverage:
    """Which concepts an answer mentions, and their share of the total weight."""

    found: tuple[Concept, ...]
    missed: tuple[Concept, ...]

    @property
    def score(self) -> float:
        """Weighted share of concepts found, 0..1 (1 when there is nothing to find)."""
        total = sum(c.weight for c in self.found) + sum(c.weight for c in self.missed)
        return 1.0 if total == 0 else sum(c.weight for c in self.found) / total

    @property
    def missed_numbers_or_names(self) -> bool:
        """True when a number or a name of the reference is missing."""
        return any(c.kind in ("number", "name") for c in self.missed)


def stem(word: str) -> str:
    """A light suffix-stripping stem: "transformers" -> "transform"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


@functools.cache
def _vocabulary() -> dict[str, int]:
    """Whole-word vocabulary of the shipped tokenizer ({} if it cannot be read)."""
    try:
        data = json.loads(TOKENIZER_FILE.read_text(encoding="utf-8"))
        vocab: dict[str, int] = data["model"]["vocab"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return vocab


def known_word(word: str) -> bool:
    """True if the vocabulary has ``word`` (lower case) as a whole word.

    Without a readable vocabulary every word counts as known, so that
    nothing is "corrected" on a guess.
    """
    vocab = _vocabulary()
    return not vocab or vocab.get(word, -1) >= _FIRST_WORD_ID


def rarity_weight(word: str) -> float:
    """Weight 0.5 (very common) .. 3.0 (rare or unknown to the vocabulary)."""
    vocab = _vocabulary()
    if not vocab:  # no vocabulary: longer words tend to be rarer
        return min(3.0, max(0.5, len(word) / 3.0))
    rank = vocab.get(word) or vocab.get(stem(word))
    if rank is None or rank < _FIRST_WORD_ID:
        return 3.0
    return min(3.0, max(0.5, math.log10(rank - _FIRST_WORD_ID + 1) - 1.5))


@functools.lru_cache(maxsize=4096)  # references repeat: a deck is studied again and again
def extract_concepts(reference: str) -> tuple[Concept, ...]:
    """The key concepts of ``reference`` in text order, at most MAX_CONCEPTS (the heaviest)."""
    concepts: list[Concept] = []
    seen: set[str] = set()
    for index, word in enumerate(surface_words(reference)):
        concept = _concept_for(word, sentence_start=index == 0)
        if concept is not None and stem(concept.key) not in seen:
            seen.add(stem(concept.key))
            concepts.append(concept)
    ranked = sorted(concepts, key=lambda c: -c.weight)[:MAX_CONCEPTS]
    return tuple(c for c in concepts if c in ranked)


def _concept_for(word: str, *, sentence_start: bool) -> Concept | None:
    key = normalise(word).replace(" ", "")
    if not key or key in STOPWORDS:
        return None
    if any(ch.isdigit() for ch in key):
        kind = "number" if key.replace(".", "").isdigit() else "name"
        return Concept(word, key, kind, 3.0)
    if key in _NUMBER_WORDS:
        return Concept(word, _NUMBER_WORDS[key], "number", 3.0)
    if len(key) < 2:
        return None
    if _looks_like_name(word, sentence_start=sentence_start):
        return Concept(word, key, "name", max(2.0, rarity_weight(key)))
    return Concept(word, key, "word", rarity_weight(key))


def _looks_like_name(word: str, *, sentence_start: bool) -> bool:
    """Capitalised mid-sentence, or inner capitals anywhere ("OpenAI", "GPT")."""
    inner_capitals = any(ch.isupper() for ch in word[1:])
    return inner_capitals or (word[:1].isupper() and not sentence_start)


def measure_coverage(concepts: Sequence[Concept], answer: str) -> Coverage:
    """Split ``concepts`` into those ``answer`` mentions and those it misses."""
    answer_words = [_NUMBER_WORDS.get(w, w) for w in normalise(answer).split()]
    answer_compact = compact(answer)
    found: list[Concept] = []
    missed: list[Concept] = []
    for concept in concepts:
        hit = _mentions(concept, answer_words, answer_compact)
        (found if hit else missed).append(concept)
    return Coverage(tuple(found), tuple(missed))


def _mentions(concept: Concept, answer_words: Sequence[str], answer_compact: str) -> bool:
    if concept.kind == "number" or concept.key.isdigit():
        return concept.key in answer_words
    if len(concept.key) >= 5 and concept.key in answer_compact:
        return True  # "in painting" written as "inpainting", "GPT-3" as "gpt3"
    return any(words_match(concept.key, word) for word in answer_words)


@functools.lru_cache(maxsize=65536)  # pure, and the same word pairs come up all the time
def words_match(reference_word: str, answer_word: str) -> bool:
    """Same word up to inflection ("models"/"model") or a typo ("difusion")."""
    if reference_word == answer_word:
        return True
    a, b = stem(reference_word), stem(answer_word)
    if a == b:
        return True
    prefix = _common_prefix(a, b)
    if prefix >= 5 and prefix >= max(len(a), len(b)) - 3:
        return True  # "generate" / "generation", but not "general" / "generative"
    limit = allowed_edits(len(reference_word))
    return limit > 0 and edit_distance(reference_word, answer_word, limit) <= limit


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count
