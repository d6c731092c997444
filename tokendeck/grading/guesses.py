"""Answers with no specific content: guesses, non-answers and keyword stuffing.

Partial credit needs a specific correct concept. "model", "a neural
network", "I don't know", the question typed back, or every term of the deck
in a list say nothing about *this* card, however many of their words the
reference happens to share. They are caught here, before any model runs,
and graded incorrect. Written for this project.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tokendeck.grading.concepts import stem
from tokendeck.grading.definitions import definition_part
from tokendeck.grading.facts import is_short_fact
from tokendeck.grading.normalise import compact, normalise
from tokendeck.grading.stopwords import STOPWORDS

#: Whole answers that say "I do not know" (normalised; apostrophes removed).
#: "nothing", "none" and "x" are left out: they answer some questions.
NON_ANSWERS = frozenset(
    part.strip()
    for part in """
    i dont know|i do not know|dont know|do not know|idk|no idea|i have no idea|not sure|
    im not sure|no clue|i have no clue|dunno|pass|skip|i forgot|forgot|i dont remember|
    dont remember|cant remember|i cant remember|unknown|no answer|
    i dont know sorry|sorry i dont know|not a clue|clueless|unsure|no comment|blank|xx|xxx
    """.replace("\n", "").split("|")
) - {""}
#: Words that fit any definition in a deck about models, data or science:
#: alone they show no knowledge of a particular card.
GENERIC = frozenset(
    """
    model models modelling modeling data dataset datasets text texts thing things stuff
    system systems process processes method methods technique techniques tool tools
    program programs software algorithm algorithms network networks neural ai artificial
    intelligence machine machines learning learn learns learned computer computers
    information language languages technology technologies concept concepts idea ideas
    example examples something someone somebody word words answer answers question questions
    definition term terms deep training trained train trains computing science scientific
    research paper papers study studies company companies person people human humans
    approach approaches framework frameworks application applications app apps task tasks
    function functions output outputs input inputs result results value values number
    numbers set sets part parts piece pieces lot lots
    important useful general specific certain various many several
    ok okay hmm um uh
    """.split()  # noqa: SIM905
)
#: An answer naming this many other cards' terms is a list, not an answer.
STUFFED_TERMS = 3
#: Without a deck: a list of this many items, most not in the reference, is stuffing.
LIST_ITEMS = 8
_LIST_SPLIT = re.compile(r"\s*(?:[,;/|\n]|\band\b|\bor\b)\s*")


@dataclass(frozen=True)
class DeckVocabulary:
    """What the rest of the deck says, to tell a specific answer from a generic one.

    ``terms``: the names of the deck's other cards ("GPT-J", "the Pile");
    ``common``: stems of words used by many of the deck's answers;
    ``own``: the names of the card asked about (its term typed back is no answer
    to "what is it?").
    """

    terms: tuple[str, ...] = ()
    common: frozenset[str] = field(default_factory=frozenset)
    own: tuple[str, ...] = ()


def deck_vocabulary(
    other_terms: Iterable[str], definitions: Sequence[str], *, share: float = 0.25
) -> DeckVocabulary:
    """Build the vocabulary from the other cards' names and all of the deck's answers.

    A word is common when at least ``share`` of the answers (and at least
    three) use it: "model" in a deck about language models.
    """
    counts: Counter[str] = Counter()
    for text in definitions:
        counts.update({stem(w) for w in normalise(text).split() if w not in STOPWORDS})
    needed = max(3, share * len(definitions))
    common = frozenset(word for word, n in counts.items() if n >= needed)
    terms = tuple(dict.fromkeys(t.strip() for t in other_terms if compact(t)))
    return DeckVocabulary(terms, common)


@dataclass(frozen=True)
class Guess:
    """Why an answer shows no specific knowledge."""

    reason: str  # "non_answer", "generic", "question", "stuffing"
    explanation: str


def detect_guess(
    answer: str,
    *,
    references: Sequence[str],
    question: str = "",
    vocabulary: DeckVocabulary | None = None,
) -> Guess | None:
    """A :class:`Guess` if ``answer`` has no content specific to the references, else None.

    Call it after exact, alternative and typo matches: "Model" is a fine
    answer to "What does the M in LLM stand for?".
    """
    text = normalise(answer.replace("'", "").replace("\u2019", ""))
    if text in NON_ANSWERS:
        return Guess(
            "non_answer", "Incorrect: that says you do not know; no problem, learn it now."
        )
    words = [w for w in text.split() if w not in STOPWORDS]
    if not words:
        return Guess("generic", "Incorrect: the answer has no content words.")
    own = (question, *(vocabulary.own if vocabulary else ()))
    if compact(answer) in {compact(name) for name in own if name.strip()}:
        return Guess("question", "Incorrect: that is what was asked about, not the answer.")
    given = {stem(w) for w in normalise(question).split()}
    common = vocabulary.common if vocabulary else frozenset()
    if references and is_short_fact(definition_part(references[0])):
        common = frozenset()  # "diffusion" for "Diffusion model" is half a term, not a guess
    said = _reference_stems(references)
    if all(_generic(w, common) for w in words):
        return Guess("generic", "Incorrect: too general; name what is specific to this card.")
    if all(_generic(w, common) or (stem(w) in given and stem(w) not in said) for w in words):
        return Guess("question", "Incorrect: the answer only repeats the question.")
    if vocabulary is not None and _names_other_terms(answer, vocabulary, references, question):
        return Guess("stuffing", "Incorrect: a list of the deck's terms is not an answer.")
    if _is_unrelated_list(answer, references):
        return Guess("stuffing", "Incorrect: a list of keywords is not an answer.")
    return None


def _generic(word: str, common: frozenset[str]) -> bool:
    return word in GENERIC or stem(word) in common


def _reference_stems(references: Sequence[str]) -> set[str]:
    """Stems of what the references say, without the term they define ("X is ...")."""
    return {stem(w) for r in references for w in normalise(definition_part(r)).split()}


def _names_other_terms(
    answer: str, vocabulary: DeckVocabulary, references: Sequence[str], question: str
) -> bool:
    """True when the answer names STUFFED_TERMS or more terms of other cards.

    A term the card's own reference or question uses does not count: a
    definition of DALL-E 2 may well name CLIP.
    """
    own = compact(" ".join([*references, question]))
    said = compact(answer)
    named = {compact(t) for t in vocabulary.terms if len(compact(t)) >= 2 and compact(t) not in own}
    return sum(1 for t in named if _contains_term(said, answer, t)) >= STUFFED_TERMS


def _contains_term(said: str, answer: str, term: str) -> bool:
    if len(term) >= 5:
        return term in said
    return term in {compact(w) for w in normalise(answer).split()}  # short terms: whole words


def _is_unrelated_list(answer: str, references: Sequence[str]) -> bool:
    """A list of LIST_ITEMS or more short items, most of them absent from every reference."""
    items = [i for i in _LIST_SPLIT.split(normalise_keep_commas(answer)) if i.strip()]
    if len(items) < LIST_ITEMS or any(len(i.split()) > 3 for i in items):
        return False
    known = {stem(w) for r in references for w in normalise(r).split()}
    foreign = sum(1 for i in items if not any(stem(w) in known for w in normalise(i).split()))
    return foreign * 2 > len(items)


def normalise_keep_commas(text: str) -> str:
    """Lower-cased text with list separators kept (for splitting a list)."""
    return " , ".join(normalise(part) for part in re.split(r"[,;\n]", text))
