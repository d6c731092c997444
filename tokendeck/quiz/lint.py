"""Lint: cards that will study badly, and why.

Checks (each a :class:`LintIssue` with a code, a message saying how to fix
it, and the card):

- ``long_answer``: the answer to recall (the back's first line) is longer
  than :data:`LONG_ANSWER_WORDS` words;
- ``several_facts``: the answer joins several facts (several sentences, a
  semicolon, or a front asking two things);
- ``noise``: leftovers such as "(Made with ChatGPT)", "TODO", HTML remnants
  and stray punctuation;
- ``duplicate``: another note has the same front or the same answer;
- ``near_duplicate``: another note's card says nearly the same thing
  (embedding or lexical similarity, see :mod:`tokendeck.quiz.similarity`);
- ``slip``: a word of the front that the deck spells another way everywhere
  else, one swapped or wrong letter away ("GTP" where the deck says "GPT",
  "Multi-model" where it says "multi-modal"): a likely typing slip.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from tokendeck.grading.normalise import compact
from tokendeck.quiz.items import Item, plain
from tokendeck.quiz.similarity import Similarities

LONG_ANSWER_WORDS = 30
#: Similarity at or above which two notes' cards are near-duplicates.
NEAR_DUPLICATE = {"embedding": 0.9, "lexical": 0.7}

_NOISE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\(?\s*(?:original\s+note\s+)?made\s+with\s+chat\s?g[pt]{2}\W*\)?", re.I),
     "a \"made with ChatGPT\" remark"),
    (re.compile(r"\b(?:TODO|FIXME|TBD|XXX)\b"), "a TODO marker"),
    (re.compile(r"</?(?:div|span|br|p|b|i|font)\b[^>]*>|&(?:nbsp|amp|lt|gt|quot);", re.I),
     "HTML remnants"),
    (re.compile(r"(?:[,;:]\s*[,;:.])|(?:\.\.(?!\.))|(?:\s[,;.:](?!\d))|(?:\(\s*\))"),
     "stray punctuation"),
)  # fmt: skip
_TWO_QUESTIONS = re.compile(r"\?.+\?|\b(?:and|or)\s+(?:what|why|how|when|who)\b", re.I)


@dataclass(frozen=True, slots=True)
class LintIssue:
    """One problem with one card."""

    card_id: int
    note_id: int
    code: str  # long_answer, several_facts, noise, duplicate, near_duplicate, slip
    message: str  # what is wrong and how to fix it
    other_card_id: int | None = None  # the duplicate's card, for duplicates


def lint(sims: Similarities) -> list[LintIssue]:
    """Every issue of every item, by card then code."""
    issues: list[LintIssue] = []
    for item in sims.items:
        issues += check_item(item)
    issues += duplicates(sims)
    issues += slips(sims.items)
    return sorted(issues, key=lambda i: (i.card_id, i.code, i.other_card_id or 0))


def check_item(item: Item) -> list[LintIssue]:
    """The checks that need only the card itself."""
    found: list[LintIssue] = []
    words = len(item.definition.split())
    if words > LONG_ANSWER_WORDS:
        found.append(_issue(item, "long_answer", f"the answer to recall has {words} words; "
                            "put a one-sentence answer on the back's first line"))  # fmt: skip
    facts = _several_facts(item)
    if facts:
        found.append(_issue(item, "several_facts", f"{facts}; split it into one card per fact"))
    for what in noise(f"{item.prompt}\n{item.answer}"):
        found.append(_issue(item, "noise", f"it contains {what}; edit the card to remove it"))
    return found


def noise(text: str) -> list[str]:
    """What kinds of leftover noise ``text`` contains."""
    return [what for pattern, what in _NOISE if pattern.search(text)]


def _several_facts(item: Item) -> str:
    if _TWO_QUESTIONS.search(item.prompt):
        return "the front asks more than one thing"
    answer = item.definition
    if ";" in answer:
        return "the answer joins facts with a semicolon"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", answer) if s.strip()]
    if len(sentences) > 1:
        return f"the answer has {len(sentences)} sentences"
    return ""


def duplicates(sims: Similarities) -> list[LintIssue]:
    """Cards of different notes with the same front or answer, or nearly the same meaning."""
    items = sims.items
    found: list[LintIssue] = []
    exact: set[tuple[int, int]] = set()
    for what, key in (("front", _front_key), ("answer", _answer_key)):
        groups: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            groups.setdefault(key(item), []).append(index)
        for members in groups.values():
            for a, b in _cross_note_pairs(items, members):
                if (a, b) not in exact:
                    exact.add((a, b))
                    why = f"it has the same {what} as card {{other}}"
                    found += _pair(items[a], items[b], "duplicate", why)
    for a, b in sims.pairs_at_least(NEAR_DUPLICATE[sims.method]):
        if (a, b) not in exact and items[a].note_id != items[b].note_id:
            why = f"it says nearly the same as card {{other}} ({sims.score(a, b):.2f} similar)"
            found += _pair(items[a], items[b], "near_duplicate", why)
    return found


#: A word: letters and digits, joined by hyphens ("GPT-J", "multi-modal").
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
#: A term-like word: an acronym or inner capital ("GTP", "ChatGPT"), a hyphenated
#: word ("Multi-model") or letters with digits ("GPT4"). Ordinary words ("power",
#: "Organisation") are left alone: their variants are words or spellings too.
_TERM_LIKE = re.compile(r"^.+[A-Z]|-|(?=.*\d)(?=.*[^\W\d_])")


def slips(items: tuple[Item, ...] | list[Item]) -> list[LintIssue]:
    """Fronts with a word the deck spells differently everywhere else (one letter swapped
    or wrong), such as "GTP" in a deck that says "GPT" on its other cards."""
    notes = {item.note_id: item for item in items}  # a reversed note's two cards: once
    spelled: dict[str, Counter[str]] = {}
    for item in notes.values():
        for word in _WORD.findall(f"{item.prompt}\n{item.answer}\n{' '.join(item.names)}"):
            spelled.setdefault(compact(word), Counter())[word] += 1
    found: list[LintIssue] = []
    for item in notes.values():
        own = Counter(compact(w) for w in _WORD.findall(item.prompt))
        for word in dict.fromkeys(_WORD.findall(item.prompt)):
            key = compact(word)
            if len(key) < 3 or not _TERM_LIKE.search(word):
                continue
            if sum(spelled[key].values()) > own[key]:
                continue  # the deck spells it this way elsewhere too
            likely = _likely_spelling(key, spelled)
            if likely is not None:
                term, times = likely
                found.append(_slip(items, item, word, term, times))
    return found


def _likely_spelling(key: str, spelled: dict[str, Counter[str]]) -> tuple[str, int] | None:
    """The deck's spelling one swapped or wrong letter away from ``key``, used at least
    twice, and the number of times it is used (the most used wins)."""
    best: tuple[str, int] | None = None
    for variant in _one_slip_away(key):
        forms = spelled.get(variant)
        if not forms:
            continue
        times = sum(forms.values())
        if times >= 2 and (best is None or times > best[1]):
            best = (forms.most_common(1)[0][0], times)
    return best


def _one_slip_away(key: str) -> set[str]:
    """Strings of the same length one adjacent swap or one substitution from ``key``."""
    letters = set("abcdefghijklmnopqrstuvwxyz") | {c for c in key if not c.isdigit()}
    found = {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
    found |= {
        key[:i] + c + key[i + 1 :] for i in range(len(key)) for c in letters if not key[i].isdigit()
    }
    found.discard(key)
    return found


def _slip(
    items: tuple[Item, ...] | list[Item], item: Item, word: str, term: str, times: int
) -> LintIssue:
    card = next(i for i in items if i.note_id == item.note_id)
    return LintIssue(
        card.card_id,
        card.note_id,
        "slip",
        f"the front says {word!r} where the deck says {term!r} ({times} times): a slip? "
        f"spell it {term!r} (the old spelling can stay an accepted answer)",
    )


def _front_key(item: Item) -> str:
    return compact(plain(item.prompt))


def _answer_key(item: Item) -> str:
    return compact(item.definition)


def _cross_note_pairs(items: tuple[Item, ...], members: list[int]) -> list[tuple[int, int]]:
    return [
        (a, b)
        for n, a in enumerate(members)
        for b in members[n + 1 :]
        if items[a].note_id != items[b].note_id
    ]


def _pair(a: Item, b: Item, code: str, why: str) -> list[LintIssue]:
    fix = "; delete one, or merge them"
    return [
        LintIssue(a.card_id, a.note_id, code, why.format(other=b.card_id) + fix, b.card_id),
        LintIssue(b.card_id, b.note_id, code, why.format(other=a.card_id) + fix, a.card_id),
    ]


def _issue(item: Item, code: str, message: str) -> LintIssue:
    return LintIssue(item.card_id, item.note_id, code, message)
