"""Cloze suggestions: key facts of a long back, proposed as fill-in-the-gap cards.

From each sentence of a long back (its defining line and its bullet points)
the facts worth a gap are found with simple, explainable rules: numbers with
their unit, years and dates, names (capitalised words and initialisms that do
not start the sentence), and quoted titles. The term itself is never hidden:
it is the context that makes the gap answerable.

Accepting a suggestion makes a new ``cloze`` note in the same deck whose
``source`` is ``cloze-of:<source note guid>`` (a note has one kind, so the
gaps cannot be added as cards of the basic source note); the source note's
front becomes the cloze note's back, as context shown after answering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tokendeck.domain.notes import Note
from tokendeck.quiz.items import plain

#: Backs shorter than this many words are already short enough to recall.
LONG_BACK_WORDS = 25
MAX_GAPS = 3  # per suggestion
MAX_SUGGESTIONS = 6  # per note
SOURCE_PREFIX = "cloze-of:"

_UNITS = (
    r"(?:%|GiB|GB|MB|TB|KB|k|K|M|B|million|billion|trillion|thousand|hundred|parameters"
    r"|tokens|percent|years?|days?|hours?|layers?|languages?|datasets?|images?)"
)
_NUMBER = re.compile(rf"(?<![\w-])\d[\d,.]*(?:\s?{_UNITS})?\b(?!-)")
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
_DATE = re.compile(rf"\b(?:{_MONTH}\s)?(?:1[89]|20)\d\d\b")
_QUOTED = re.compile(r"[“\"]([^”\"]{3,80})[”\"]")
_NAME = re.compile(r"(?<![\w-])[A-Z][\w’'-]*(?:\s(?:[A-Z][\w’'-]*|\d+\b))*")
_POSSESSIVE = re.compile(r"[’']s$")
_INNER_CAPITAL = re.compile(r"\w[A-Z0-9]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")
_COMMON_CAPITALS = {"It", "Its", "The", "This", "These", "In", "At", "As", "For", "A", "An", "And"}


@dataclass(frozen=True, slots=True)
class ClozeSuggestion:
    """A proposed cloze text, the facts it hides, and the note it came from."""

    note_id: int
    text: str  # with {{c1::...}} gaps, ready to store as a cloze note's front
    gaps: tuple[str, ...]
    sentence: str  # the source sentence, unchanged

    def edited(self, text: str) -> ClozeSuggestion:
        """The suggestion with the learner's own cloze text."""
        return ClozeSuggestion(self.note_id, text, self.gaps, self.sentence)


def suggest(note: Note, term_names: tuple[str, ...] = ()) -> list[ClozeSuggestion]:
    """Cloze suggestions for a note with a long back (none for short backs)."""
    text = plain(note.back)
    if len(text.split()) < LONG_BACK_WORDS:
        return []
    names = (*term_names, *note.accepted)
    suggestions = []
    for sentence in sentences(note.back):
        gaps = key_facts(sentence, names)
        if gaps:
            suggestions.append(ClozeSuggestion(note.id, clozed(sentence, gaps), gaps, sentence))
    suggestions.sort(key=lambda s: -len(s.gaps))
    return suggestions[:MAX_SUGGESTIONS]


def sentences(back: str) -> list[str]:
    """The back's sentences: each line (bullet) split at sentence ends, markup removed."""
    found = []
    for line in back.splitlines():
        cleaned = plain(line)
        if cleaned.startswith("(") or len(cleaned.split()) < 5:
            continue  # asides like "(Original note made with ChatGPT.)"
        parts = (s.strip() for s in _SENTENCE.split(cleaned))
        found += [s for s in parts if len(s.split()) >= 5 and s[-1] not in "?:"]
    return found


def key_facts(sentence: str, names: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The facts of a sentence worth a gap, in order of appearance, at most MAX_GAPS.

    Preference: quoted titles, dates, numbers, coined names (EleutherAI), other names.
    The term's own ``names`` are never gaps: they are the context.
    """
    taken = _name_spans(sentence, names)
    found: list[tuple[int, int, int]] = []  # (preference, start, end)
    for preference, pattern in enumerate((_QUOTED, _DATE, _NUMBER, _NAME)):
        for match in pattern.finditer(sentence):
            start, end = match.span(1) if pattern is _QUOTED else match.span()
            fact = _POSSESSIVE.sub("", sentence[start:end]).rstrip(" ,.’'")
            end = start + len(fact)
            if _worth_a_gap(fact, start, pattern is _QUOTED) and not _overlaps(taken, start, end):
                rank = preference * 2 + (pattern is _NAME and not _INNER_CAPITAL.search(fact))
                found.append((rank, start, end))
                taken.append((start, end))
    chosen = sorted(found)[:MAX_GAPS]
    return tuple(sentence[a:b] for _, a, b in sorted(chosen, key=lambda f: f[1]))


def _name_spans(sentence: str, names: tuple[str, ...]) -> list[tuple[int, int]]:
    spans = []
    for name in names:
        if len(name.strip()) > 1:
            pattern = re.escape(name.strip())
            spans += [m.span() for m in re.finditer(pattern, sentence, re.IGNORECASE)]
    return spans


def _worth_a_gap(fact: str, start: int, quoted: bool) -> bool:
    if not fact or fact in _COMMON_CAPITALS:
        return False
    if quoted:  # titles, not quoted speech or examples
        words = fact.split()
        return len(words) <= 14 and sum(w[:1].isupper() for w in words) * 2 >= len(words)
    return start > 0 or any(ch.isdigit() for ch in fact)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < b and a < end for a, b in spans)


def clozed(sentence: str, gaps: tuple[str, ...]) -> str:
    """``sentence`` with each gap wrapped as ``{{cN::gap}}``, numbered in order."""
    result, position = [], 0
    for number, gap in enumerate(gaps, 1):
        found = sentence.find(gap, position)
        if found < 0:
            continue
        result += [sentence[position:found], f"{{{{c{number}::{gap}}}}}"]
        position = found + len(gap)
    return "".join(result) + sentence[position:]


def source_of(guid: str) -> str:
    """The ``source`` a cloze note made from note ``guid`` records."""
    return f"{SOURCE_PREFIX}{guid}"
