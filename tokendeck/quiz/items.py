"""Items: what the quiz modules need of a card (its term, names and definition).

A card's *term* is what it asks about: the front of a short "term" card
("GPT-J"), the subject of a "What is X?" question ("the Pile"), or the
deleted text of a cloze card. Its *names* are the term plus accepted
alternatives that name the same thing. When the back is a sentence-long
definition every accepted form names the term (the built-in deck lists names
there); when the back is short ("Canberra"), accepted forms that do not look
like the term (sharing a word, or abbreviated by it) stay typed-answer
alternatives of the back.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from tokendeck.domain.cards import CardView
from tokendeck.domain.notes import first_line
from tokendeck.grading.normalise import compact, normalise
from tokendeck.grading.typos import edit_distance

#: Fronts of at most this many words that are not questions are terms.
TERM_MAX_WORDS = 6
_QUESTION = re.compile(
    r"^(?:what|who)\s+(?:is|are|was|were)\s+(?P<x>.+?)\s*\?*$"
    r"|^what\s+does\s+(?P<y>.+?)\s+(?:stand for|mean)\s*\?*$",
    re.IGNORECASE,
)
_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::.*?)?\}\}", re.DOTALL)
_MARKUP = re.compile(r"[*_`]+|^#+\s*|^\s*[-+]\s+", re.MULTILINE)
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


@dataclass(frozen=True, slots=True)
class Item:
    """One card as the quiz sees it."""

    card_id: int
    note_id: int
    deck: str
    prompt: str  # the card's front as studied
    answer: str  # the card's whole back
    term: str  # what the card asks about
    names: tuple[str, ...]  # the term and its alternative names
    definition: str  # the first line of the note's back, markup removed
    expected: str = ""  # the first line of this card's back (the typed answer)
    accepted: tuple[str, ...] = ()  # typed alternatives of the back
    tags: tuple[str, ...] = ()
    stability: float | None = None  # FSRS stability in days (None for new cards)
    reps: int = 0
    is_term: bool = True  # False for free questions ("Why is the Pile good?")
    kind: str = "basic"


def item_from_view(view: CardView) -> Item:
    """Build the quiz's view of a card."""
    note = view.note
    term, is_term = _term(view)
    definition = _definition(view)
    if is_term and len(definition.split()) > TERM_MAX_WORDS:
        # A sentence-long definition has no one-word alternatives: accepted forms name the term.
        names = tuple(dict.fromkeys((term, *note.accepted)))
    else:
        names = _names(term, note.accepted, is_term)
    alternatives = tuple(a for a in note.accepted if a not in names)
    if note.kind == "basic_reversed" and view.card.ordinal == 1:
        alternatives = note.accepted  # this card asks for the term: all its names count
    return Item(
        card_id=view.card.id,
        note_id=note.id,
        deck=view.deck_name,
        prompt=plain(view.front),
        answer=view.back,
        term=term,
        names=names,
        definition=definition,
        expected=plain(first_line(view.back)),
        accepted=alternatives,
        tags=note.tags,
        stability=view.card.stability,
        reps=view.card.reps,
        is_term=is_term,
        kind=note.kind,
    )


def _definition(view: CardView) -> str:
    # A reversed card shares its note's term and definition; only its prompt differs.
    back = view.back if view.note.kind == "cloze" else view.note.back
    return plain(first_line(back))


def _term(view: CardView) -> tuple[str, bool]:
    note = view.note
    if note.kind == "cloze":  # its "term" is the gap: no term questions or links
        number = str(view.card.ordinal + 1)
        deleted = [text for n, text in _CLOZE.findall(note.front) if n == number]
        return (plain(deleted[0]) if deleted else plain(view.front)), False
    front = plain(first_line(note.front))
    match = _QUESTION.match(front)
    if match:
        subject = match.group("x") or match.group("y") or front
        named = [a for a in note.accepted if compact(a) and compact(a) in compact(subject)]
        return (max(named, key=len) if named else _corrected(subject, note.accepted)), True
    short = len(front.split()) <= TERM_MAX_WORDS and not front.endswith("?")
    return (_corrected(front, note.accepted) if short else front), short


def _corrected(term: str, accepted: tuple[str, ...]) -> str:
    """The accepted spelling of a term the front slipped on ("GTP" -> "GPT"), else the term.

    The learner's front keeps their own spelling; when no accepted name is
    that spelling (hyphens, spaces and case aside) but one is a single slip
    away (two letters swapped, or one letter wrong), the quiz asks about that
    name. A letter more or less is not a slip: "Colour" / "Colours" are both words.
    """
    key = compact(term)
    alternatives = [compact(a) for a in accepted]
    if key in alternatives:
        return term
    for alt, alt_key in zip(accepted, alternatives, strict=True):
        if len(alt_key) == len(key) and edit_distance(alt_key, key, limit=1) == 1:
            return alt
    return term


def _names(term: str, accepted: tuple[str, ...], is_term: bool) -> tuple[str, ...]:
    """The term plus accepted forms that name it (share a word with the term)."""
    names = [term]
    if is_term:
        own = set(normalise(term).split()) | {compact(term)}
        for alt in accepted:
            words = set(normalise(alt).split()) | {compact(alt)}
            nested = compact(alt) in compact(term) or compact(term) in compact(alt)
            if own & words or nested or _is_expansion(term, alt):
                names.append(alt)
    return tuple(dict.fromkeys(n for n in names if n.strip()))


def _is_expansion(term: str, alt: str) -> bool:
    """True if ``term`` abbreviates ``alt`` (GPT, ViT, GLIDE for their long names).

    The term's letters must appear in order in ``alt``, starting with its first letter.
    """
    letters, long_form = compact(term), compact(alt)
    if not (2 <= len(letters) <= 6 and letters.isalnum()) or len(long_form) <= len(letters):
        return False
    if long_form[0] != letters[0]:
        return False
    rest = iter(long_form)
    return all(ch in rest for ch in letters)


def plain(text: str) -> str:
    """Text without Markdown emphasis, HTML tags or list bullets."""
    text = html.unescape(_TAG.sub(" ", text))
    return re.sub(r"\s+", " ", _MARKUP.sub("", text)).strip()


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (the defining sentence of a good back)."""
    parts = _SENTENCE_END.split(plain(text), maxsplit=1)
    return parts[0].strip() if parts else ""


def mask_names(text: str, names: tuple[str, ...], blank: str = "_____") -> str:
    """Hide every name of the term in ``text`` (for definition -> term questions)."""
    masked = text
    for name in sorted(names, key=len, reverse=True):
        if len(name.strip()) < 2:
            continue
        pattern = re.escape(name.strip()).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")
        masked = re.sub(rf"(?<!\w){pattern}(?:e?s)?(?!\w)", blank, masked, flags=re.IGNORECASE)
    return masked
