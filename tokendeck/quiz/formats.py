"""Question builders: one function per question format, all pure.

Each builder takes the card asked about (its position in a
:class:`~tokendeck.quiz.similarity.Similarities` of its deck, which gives
the neighbours used as distractors) and an injected ``random.Random``.
Formats whose question cannot be built for a card (too few other cards, no
defining sentence, not a cloze card) raise :class:`QuestionError`, which
says which format would work instead.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass, replace

from tokendeck.errors import ValidationError
from tokendeck.grading.guesses import DeckVocabulary, deck_vocabulary
from tokendeck.quiz.items import Item, first_sentence, mask_names
from tokendeck.quiz.similarity import CONFUSABLE, Similarities, content_words, is_synonym

#: Every format a question can have. "discrimination" is multiple choice
#: between confusable cards and is logged as a multiple-choice attempt.
FORMATS = (
    "flip",
    "typed",
    "reverse",
    "multiple_choice",
    "true_false",
    "matching",
    "cloze",
    "discrimination",
)
CHOICES = 4  # options of a multiple-choice question
SPARE_DISTRACTORS = 6  # extra candidates, in case some read alike once names are hidden
MATCHING_PAIRS = 6  # pairs of a matching round (at least 3)
MATCHING_SECONDS = 60.0  # time limit of a matching round
BLANK = "_____"
REVERSE_MIN_WORDS = 3  # content words a definition must keep once its names are hidden


class QuestionError(ValidationError):
    """A format cannot be built for this card; the hint names one that can."""


@dataclass(frozen=True, slots=True)
class Choice:
    """An option on screen and the card it belongs to."""

    text: str
    card_id: int


@dataclass(frozen=True, slots=True)
class Question:
    """One question, ready to show.

    ``choices`` are the options of multiple choice and discrimination (the
    right one at ``correct``) or the definitions of a matching round;
    ``terms`` are a matching round's terms; ``statement``/``truth`` belong to
    true / false; ``accepted`` are typed alternatives of ``answer``;
    ``vocabulary`` describes the rest of the deck for typed answers, so the
    grader can tell a list of the deck's terms or words from an answer.
    """

    format: str
    card_id: int
    prompt: str
    answer: str
    choices: tuple[Choice, ...] = ()
    correct: int | None = None
    statement: str = ""
    truth: bool | None = None
    terms: tuple[Choice, ...] = ()
    accepted: tuple[str, ...] = ()
    time_limit_s: float | None = None
    vocabulary: DeckVocabulary | None = None

    @property
    def self_rated(self) -> bool:
        """True when the learner rates themself (flip)."""
        return self.format == "flip"

    @property
    def typed(self) -> bool:
        """True when the learner types the answer (graded by the grader)."""
        return self.format in ("typed", "reverse", "cloze")

    @property
    def card_ids(self) -> tuple[int, ...]:
        """Every card the question rates (several for matching)."""
        return tuple(t.card_id for t in self.terms) or (self.card_id,)


def build(fmt: str, sims: Similarities, index: int, rng: random.Random) -> Question:
    """Build a question of format ``fmt`` about the item at ``index``."""
    builders = {
        "flip": lambda: flip(sims.items[index]),
        "typed": lambda: typed(sims.items[index]),
        "reverse": lambda: reverse(sims.items[index]),
        "cloze": lambda: cloze(sims.items[index]),
        "multiple_choice": lambda: multiple_choice(sims, index, rng),
        "true_false": lambda: true_false(sims, index, rng),
        "matching": lambda: matching(sims, index, rng),
        "discrimination": lambda: discrimination(sims, index, rng),
    }
    if fmt not in builders:
        raise ValidationError(f"unknown question format {fmt!r}", hint=f"use one of {FORMATS}")
    question = builders[fmt]()
    if not question.typed:
        return question
    others = tuple(name for i, item in enumerate(sims.items) if i != index for name in item.names)
    common = _common_words(tuple(i.definition for i in sims.items))
    vocabulary = DeckVocabulary(others, common, own=(*sims.items[index].names, question.prompt))
    return replace(question, vocabulary=vocabulary)


@functools.lru_cache(maxsize=16)  # a deck's answers change rarely; Learn asks about it often
def _common_words(definitions: tuple[str, ...]) -> frozenset[str]:
    return deck_vocabulary((), definitions).common


def flip(item: Item) -> Question:
    """Show the front, reveal the back, the learner rates (recall, self-rated)."""
    return Question("flip", item.card_id, item.prompt, item.answer)


def typed(item: Item) -> Question:
    """Type the answer; graded by meaning against the back's defining line.

    A cloze card's typed answer is its gap, so it is asked as a cloze question.
    """
    if item.kind == "cloze":
        return cloze(item)
    expected = item.expected or item.definition
    return Question("typed", item.card_id, item.prompt, expected, accepted=item.accepted)


def reverse(item: Item) -> Question:
    """Definition to term: the term and its names are hidden in the definition."""
    if not item.is_term:
        raise QuestionError(
            f"card {item.card_id} asks a question, not a term: it has no reverse",
            hint="use typed or flip for it",
        )
    prompt = mask_names(item.definition, item.names, BLANK)
    if len(content_words(prompt.replace(BLANK, " "))) < REVERSE_MIN_WORDS:
        raise QuestionError(
            f"card {item.card_id}'s definition is little more than its names",
            hint="use typed or multiple_choice",
        )  # "GPT stands for Generative Pre-trained Transformer."
    return Question("reverse", item.card_id, prompt, item.term, accepted=item.names[1:])


def cloze(item: Item) -> Question:
    """Fill the gap of a cloze card (typed)."""
    if item.kind != "cloze":
        raise QuestionError(
            f"card {item.card_id} is not a cloze card",
            hint="accept a cloze suggestion on the card's page to make one",
            cli_hint="accept a suggestion from `tokendeck cloze suggest` to make one",
        )
    return Question("cloze", item.card_id, item.prompt, item.term)


def distractors(sims: Similarities, index: int, count: int) -> list[int]:
    """The ``count`` nearest other items that are neither synonyms nor duplicates."""
    chosen: list[int] = []
    seen = {_text_key(sims.items[index].definition)}
    for other in sims.nearest(index):
        key = _text_key(sims.items[other].definition)
        if key in seen or sims.items[other].kind == "cloze" or is_synonym(sims, index, other):
            continue
        seen.add(key)
        chosen.append(other)
        if len(chosen) == count:
            break
    return chosen


def multiple_choice(sims: Similarities, index: int, rng: random.Random) -> Question:
    """Pick the right back among the nearest other cards' backs.

    Every option reads differently from every other once names are hidden (two
    options that read alike would make two right answers, or none); with fewer
    than three such options there is no question.
    """
    item = sims.items[index]
    if item.kind == "cloze":
        raise QuestionError(f"card {item.card_id} is a cloze card", hint="use cloze")
    pool = distractors(sims, index, CHOICES - 1 + SPARE_DISTRACTORS)
    names = tuple(n for i in (index, *pool) for n in sims.items[i].names if sims.items[i].is_term)
    choices = distinct_choices(sims, index, pool, names, CHOICES)
    if len(choices) < 3:
        raise QuestionError(
            f"the deck of card {item.card_id} has too few distinct cards for multiple choice",
            hint="use true_false, typed or flip",
        )
    rng.shuffle(choices)
    correct = next(k for k, c in enumerate(choices) if c.card_id == item.card_id)
    return Question(
        "multiple_choice", item.card_id, item.prompt, item.definition, tuple(choices), correct
    )


def distinct_choices(
    sims: Similarities, index: int, pool: list[int], names: tuple[str, ...], count: int
) -> list[Choice]:
    """The right option (the item's definition, names hidden) and the first options of
    ``pool`` that read differently from it and from each other, ``count`` in all (fewer
    when the pool runs out). Empty the list if the right option itself says nothing."""
    own = sims.items[index]
    right = Choice(mask_names(own.definition, names), own.card_id)
    seen = {_option_key(right.text)}
    if not _says_something(right.text):
        return []
    chosen = [right]
    for other in pool:
        if len(chosen) == count:
            break
        text = mask_names(sims.items[other].definition, names)
        key = _option_key(text)
        if key in seen or not _says_something(text):
            continue
        seen.add(key)
        chosen.append(Choice(text, sims.items[other].card_id))
    return chosen


def _option_key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def _says_something(text: str) -> bool:
    """Whether an option has words left once names are hidden (not just blanks)."""
    return bool(re.sub(r"[\W_]+", "", text.replace(BLANK, "")))


def true_false(sims: Similarities, index: int, rng: random.Random) -> Question:
    """A term with its own defining sentence, or a close neighbour's (names swapped in)."""
    item = sims.items[index]
    own = first_sentence(item.definition)
    if not item.is_term or not own:
        raise QuestionError(
            f"card {item.card_id} has no term and defining sentence for true / false",
            hint="use multiple_choice, typed or flip",
        )
    others = [i for i in distractors(sims, index, 5) if sims.items[i].is_term][:3]
    truth = not others or rng.random() < 0.5
    source = item if truth else sims.items[rng.choice(others)]
    sentence = first_sentence(source.definition)
    if not truth:  # the neighbour's own names would give the game away
        sentence = swap_names(sentence, source.names, item.term)
    statement = sentence if _mentions(sentence, item) else f"{item.term}: {sentence}"
    prompt = f"True or false? {statement}"
    answer = "True" if truth else f"False: {own}"
    return Question("true_false", item.card_id, prompt, answer, statement=statement, truth=truth)


def matching(sims: Similarities, index: int, rng: random.Random) -> Question:
    """A timed round: match up to six terms (this card and its neighbours) to definitions."""
    item = sims.items[index]
    pool = [
        i
        for i in distractors(sims, index, MATCHING_PAIRS - 1 + SPARE_DISTRACTORS)
        if sims.items[i].is_term
    ]
    names = tuple(n for i in (index, *pool) for n in sims.items[i].names)
    definitions = distinct_choices(sims, index, pool, names, MATCHING_PAIRS)
    if len(definitions) < 3 or not item.is_term:
        raise QuestionError(
            f"card {item.card_id} needs a term and at least two distinct neighbours for matching",
            hint="use multiple_choice or typed",
        )
    terms = [Choice(sims.items[sims.position(d.card_id)].term, d.card_id) for d in definitions]
    rng.shuffle(terms)
    rng.shuffle(definitions)
    prompt = "Match each term to its definition."
    return Question(
        "matching",
        item.card_id,
        prompt,
        "; ".join(f"{t.text} = {sims.items[sims.position(t.card_id)].definition}" for t in terms),
        tuple(definitions),
        terms=tuple(terms),
        time_limit_s=MATCHING_SECONDS,
    )


def discrimination(sims: Similarities, index: int, rng: random.Random) -> Question:
    """ "Which of these is CLIP, not GLIDE?": the definitions of a confusable pair."""
    item = sims.items[index]
    limit = CONFUSABLE[sims.method]
    candidates = [i for i in distractors(sims, index, 6) if sims.items[i].is_term]
    others = [i for i in candidates if sims.score(index, i) >= limit][:2]
    if not others or not item.is_term:
        raise QuestionError(
            f"card {item.card_id} has no confusable term to tell it apart from",
            hint="use reverse, multiple_choice or typed",
        )
    rival = sims.items[others[0]]
    names = tuple(n for i in (index, *others) for n in sims.items[i].names)
    choices = distinct_choices(sims, index, others, names, len(others) + 1)
    if len(choices) < 2:
        raise QuestionError(
            f"card {item.card_id} reads like its confusable term once names are hidden",
            hint="use reverse, multiple_choice or typed",
        )
    rng.shuffle(choices)
    correct = next(k for k, c in enumerate(choices) if c.card_id == item.card_id)
    prompt = f"Which of these is {item.term}, not {rival.term}?"
    return Question(
        "discrimination", item.card_id, prompt, item.definition, tuple(choices), correct
    )


def swap_names(sentence: str, names: tuple[str, ...], term: str) -> str:
    """Put ``term`` in place of every name, tidying what that leaves behind.

    "ViT (Vision Transformer) is ..." becomes "GPT is ...", not "GPT (GPT) is ...";
    "A diffusion model is ..." becomes "Inpainting is ...", not "A Inpainting is ...".
    """
    swapped = mask_names(sentence, names, term)
    quoted = re.escape(term)
    swapped = re.sub(rf"{quoted}\s*\(\s*[“\"]?{quoted}[”\"]?\s*\)", term, swapped)
    swapped = re.sub(rf"^(?:A|An|The)\s+(?={quoted})", "", swapped)
    return swapped[:1].upper() + swapped[1:]


def _mentions(sentence: str, item: Item) -> bool:
    lowered = sentence.casefold()
    return any(n.casefold() in lowered for n in item.names if len(n) > 1)


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())
