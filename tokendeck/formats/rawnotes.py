"""Raw notes: a term or question on one line, its definition on the lines below.

People paste study notes like this from documents and chat transcripts::

    Glossary of Sourdough
    Levain
    A levain is a portion of starter built up for one bake.
    Made the night before
    What is autolyse?
    Resting flour and water before adding salt and starter.

There are no delimiters, so the parser scores every line for how much it looks
like the start of a new entry (a heading) and then picks the most likely
split of the whole file (a small Viterbi pass over heading/definition states,
where a heading must be followed by at least one definition line). A title
line at the top becomes the deck name. Every entry carries its line number and
a confidence 0..1 so a ``--dry-run`` preview can show doubtful ones.

The text is kept as written: spelling is not corrected.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tokendeck.errors import ImportFormatError, TooLargeError
from tokendeck.formats.options import ReadOptions, decode_text
from tokendeck.transfer.package import DeckRecord, NoteRecord, Package

#: Bigger files are not notes somebody typed; refuse them early.
MAX_BYTES = 5_000_000

#: Log-odds offset for every line: most lines of notes are definition lines.
HEADING_BIAS = -0.5

#: Lines longer than this are prose: never a term or a question.
_PROSE_CHARS = 200

#: Deck used when the file has no title line and the caller names none.
DEFAULT_DECK = "Default"


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


#: Words that make a short line read as a sentence rather than a term.
_FINITE_VERBS = _vocabulary(
    "is are was were be been has have had can could will would should may might must "
    "does do did means include includes made makes uses refers became becomes"
)
_FUNCTION_WORDS = _vocabulary("a an the of in on at to for with by from and or but as into than")
_PRONOUNS = _vocabulary("it its this these those they he she we you there that")
_PREPOSITIONS = _vocabulary("in on at by with from for during since")
_TITLE_WORDS = _vocabulary(
    "notes flashcards flash cards vocabulary glossary terms cheat sheet revision"
)
_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s")
_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")
_WORD = re.compile(r"[\w’'-]+")
_SENTENCE_INSIDE = re.compile(r"[.!?;]\s+[A-Z“\"]")
_LABEL = re.compile(r"\w: \S")
_ARTICLE_AFTER_PREPOSITION = re.compile(r"\b(?:in|on|at|of|for|with|from|by) (?:the|a|an)\b", re.I)
_QUOTES = "“”\"'‘’"


@dataclass(frozen=True)
class Entry:
    """One detected entry: its front line and the definition lines below it."""

    front: str
    body: tuple[str, ...]
    #: 1-based line numbers of the front and of the entry's last line.
    line: int
    end_line: int
    #: How sure the parser is that ``front`` really starts an entry (0..1).
    confidence: float


@dataclass(frozen=True)
class Detection:
    """What the parser found in a raw-notes text."""

    entries: tuple[Entry, ...]
    title: str | None = None
    title_line: int | None = None
    #: Lines before the first entry that were not a title: (line number, text).
    preamble: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    after_blank: bool


def read(data: bytes | Path, *, source: str, options: ReadOptions | None = None) -> Package:
    """Parse raw notes into a :class:`Package` of basic notes.

    Each note's ``line`` and ``confidence`` come from :func:`detect`; its
    deck is ``options.deck``, else the file's title line, else "Default".
    """
    options = options or ReadOptions()
    found = detect(decode(data, source=source), source=source)
    deck = options.deck or found.title or DEFAULT_DECK
    seen: dict[str, int] = {}
    notes: list[NoteRecord] = []
    for entry in found.entries:
        # A front met again gets its own GUID, so both entries are kept.
        seen[entry.front] = seen.get(entry.front, 0) + 1
        notes.append(_note(entry, deck, source, options.tags, seen[entry.front]))
    return Package(
        notes=notes,
        decks=[DeckRecord(name=deck)],
        warnings=_warnings(found, source),
        source=source,
    )


def entries(data: bytes | Path, *, source: str) -> list[Entry]:
    """The entries a raw-notes file would import as, for a dry-run preview."""
    return list(detect(decode(data, source=source), source=source).entries)


def decode(data: bytes | Path, *, source: str) -> str:
    """Bytes (or a file) to text: UTF-8 with or without BOM, line ends normalised."""
    if isinstance(data, Path):
        data = data.read_bytes()
    if len(data) > MAX_BYTES:
        raise TooLargeError(
            f"{source}: {len(data)} bytes is too large for a raw-notes file",
            hint=f"split it into files under {MAX_BYTES // 1_000_000} MB",
        )
    text = decode_text(data, source=source)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def detect(text: str, *, source: str = "input") -> Detection:
    """Split raw-notes text into entries (see the module docstring).

    Raises :class:`ImportFormatError` if no entry (a line followed by at least
    one definition line) can be found.
    """
    lines = _lines(text)
    found = _assemble(lines, _scores(lines)) if len(lines) >= 2 else None
    if found is None or not found.entries:
        raise ImportFormatError(
            "found no entries: raw notes need a term or question line followed by "
            "at least one definition line",
            path=source,
            hint="put each term on its own line with its definition on the next lines",
        )
    return found


# --- reading the lines --------------------------------------------------------------


def _lines(text: str) -> list[_Line]:
    result: list[_Line] = []
    blank = True
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip().lstrip("\ufeff")
        if not stripped:
            blank = True
            continue
        result.append(_Line(number, stripped, blank))
        blank = False
    return result


def _words(text: str) -> list[str]:
    return [w.lower().strip("’'-") for w in _WORD.findall(text)]


# --- how much a line looks like a heading -----------------------------------------------


def heading_score(line: str, next_line: str | None, *, after_blank: bool = False) -> float:
    """Log-odds that ``line`` starts a new entry, given the line that follows it."""
    if next_line is None:
        return -10.0  # an entry needs a definition below it
    if len(line) > _PROSE_CHARS:
        return -10.0  # a paragraph, not a term or question (and skip the work)
    shape = _shape_score(line) + _context_score(line, next_line)
    return HEADING_BIAS + shape + (1.0 if after_blank else 0.0)


def _shape_score(line: str) -> float:
    words = _words(line)
    question = line.endswith("?")
    score = 3.0 if question else 0.0
    score += _length_score(len(words), question)
    score += _punctuation_score(line)
    if not question:
        score += _sentence_score(words)
    if line[0].islower():
        score -= 0.5
    if _is_title_case(line):
        score += 0.5
    return score


def _length_score(count: int, question: bool) -> float:
    if question:
        return 0.0 if count <= 15 else -4.0
    if count <= 3:
        return 1.5
    if count <= 6:
        return 0.0
    return -1.5 if count <= 10 else -4.0


def _punctuation_score(line: str) -> float:
    score = 0.0
    if line.endswith(":") and len(_words(line)) <= 4:
        score -= 0.5  # "Osmosis:" labels a term; longer lines ending ":" introduce lists
    elif line[-1] in ".!;:,…":
        score -= 3.0
    if line.startswith("(") or line.startswith("["):
        score -= 3.5  # an aside such as "(from the lecture)"
    if _BULLET.match(line):
        score -= 3.0
    if line[0] in _QUOTES:
        score -= 1.0
    if _SENTENCE_INSIDE.search(line):
        score -= 2.0
    if _LABEL.search(line):
        score -= 2.5  # "Typical range: 65-80%", "See also: ..."
    return score


def _sentence_score(words: list[str]) -> float:
    # Terms are noun phrases; a finite verb, a leading pronoun or a
    # "Released in 2020"-style participle phrase reads as part of a definition.
    score = 0.0
    if any(w in _FINITE_VERBS for w in words):
        score -= 2.5
    if words and words[0] in _PRONOUNS:
        score -= 2.5
    if len(words) > 1 and words[0].endswith("ed") and words[1] in _PREPOSITIONS:
        score -= 3.0
    if _YEAR.search(" ".join(words)):
        score -= 1.0
    if len(words) >= 3 and sum(w in _FUNCTION_WORDS for w in words) / len(words) > 0.3:
        score -= 1.0
    if _ARTICLE_AFTER_PREPOSITION.search(" ".join(words)):
        score -= 1.5  # "in the present tense" is a phrase, not a term
    return score


def _is_title_case(line: str) -> bool:
    content = [w for w in _WORD.findall(line) if w.lower() not in _FUNCTION_WORDS]
    return bool(content) and all(w[0].isupper() or w[0].isdigit() for w in content)


def _context_score(line: str, next_line: str) -> float:
    score = 0.0
    following = _words(next_line[:_PROSE_CHARS])
    score += 1.5 * _mentions(_words(line), following[:12])
    if len(following) >= 8 or next_line[-1] in ".!":
        score += 1.0
    if following and following[0] in _PRONOUNS:
        score -= 1.5  # "It ..." continues the previous definition
    return score


def _mentions(term: list[str], words: list[str]) -> float:
    """How much of the term ``words`` names (0..1), allowing plurals and dropped hyphens."""
    keys = {_stem(w) for w in term if w not in _FUNCTION_WORDS and len(w) > 1}
    said = {_stem(w) for w in words} | {_stem(w.replace("-", "")) for w in words}
    joined = _stem("".join(w.replace("-", "") for w in term if w not in _FUNCTION_WORDS))
    if not keys or (len(joined) > 3 and joined in said):
        return 1.0 if keys else 0.0
    return len(keys & said) / len(keys)


def _stem(word: str) -> str:
    word = word.lower().replace("’", "").replace("'", "")
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def title_score(line: str, next_score: float) -> float:
    """Log-odds that the first line is the file's title rather than an entry."""
    words = _words(line)
    score = -1.0 + 0.5 * next_score  # a title is followed by the first heading
    if line.endswith("?") or line[-1] in ".!;:,":
        score -= 5.0
    if len(words) > 12 or _SENTENCE_INSIDE.search(line):
        score -= 3.0  # prose, not a title
    if _is_title_case(line) and len(words) >= 2:
        score += 1.0
    if any(w in _TITLE_WORDS for w in words):
        score += 2.0
    return score


# --- choosing the split -------------------------------------------------------------------


def _log_sigmoid(x: float) -> float:
    return -math.log1p(math.exp(-x)) if x > -30 else x


def _best_labels(lines: list[_Line], scores: list[float]) -> list[str]:
    """Most likely label per line: "T" title, "H" heading, "D" definition, "P" preamble."""
    title = title_score(lines[0].text, scores[1])
    best = {
        "T": _log_sigmoid(title) + _log_sigmoid(-scores[0]),
        "H": _log_sigmoid(-title) + _log_sigmoid(scores[0]),
        "P": _log_sigmoid(-title) + _log_sigmoid(-scores[0]) + _PREAMBLE_COST,
    }
    # back[i][label] = label of line i-1 on the best path that gives line i that label
    back: list[dict[str, str]] = [{}]
    for score in scores[1:]:
        best, pointers = _step(best, score)
        back.append(pointers)
    # The last line closes an entry (D) or, if no entry was worth it, the preamble.
    label = max((end for end in "DP" if end in best), key=best.__getitem__)
    labels = [label]
    for pointers in reversed(back[1:]):
        label = pointers[label]
        labels.append(label)
    return labels[::-1]


#: A heading may follow a title, a definition or the preamble, never another
#: heading; a definition follows a heading or a definition.
_ALLOWED_BEFORE = {"H": "TDP", "D": "HD", "P": "P"}

#: Log-likelihood charged per line left before the first entry.
_PREAMBLE_COST = -3.0


def _step(best: dict[str, float], score: float) -> tuple[dict[str, float], dict[str, str]]:
    gains = {"H": _log_sigmoid(score), "D": _log_sigmoid(-score)}
    gains["P"] = gains["D"] + _PREAMBLE_COST
    totals: dict[str, float] = {}
    pointers: dict[str, str] = {}
    for label, allowed in _ALLOWED_BEFORE.items():
        previous = [p for p in allowed if p in best]
        if previous:
            pointers[label] = max(previous, key=best.__getitem__)
            totals[label] = best[pointers[label]] + gains[label]
    return totals, pointers


#: Formatting a writer may use to mark every term: a blank line before it, or
#: a colon after it ("Osmosis:").
_STYLE_MARKS: dict[str, Callable[[_Line], bool]] = {
    "blank": lambda line: line.after_blank,
    "colon": lambda line: line.text.endswith(":") and len(_words(line.text)) <= 4,
}


def _house_style(lines: list[_Line], labels: list[str], scores: list[float]) -> list[float]:
    """Rescore lines by the file's own way of marking terms, found on a first pass.

    A mark that (nearly) every first-pass heading has and (nearly) no
    definition line has is trusted: lines with it become likelier headings,
    lines without it less likely.
    """
    heads = [line for line, label in zip(lines, labels, strict=True) if label == "H"]
    bodies = [line for line, label in zip(lines, labels, strict=True) if label == "D"]
    if len(heads) < 3:
        return scores  # too few entries to tell a habit from chance
    adjusted = list(scores)
    for mark in _STYLE_MARKS.values():
        in_heads = sum(map(mark, heads)) / len(heads)
        in_bodies = sum(map(mark, bodies)) / max(len(bodies), 1)
        if in_heads >= 0.75 and in_bodies <= 0.1:
            adjusted = [
                a + (1.5 if mark(ln) else -1.5) for a, ln in zip(adjusted, lines, strict=True)
            ]
    return adjusted


def _scores(lines: list[_Line]) -> list[float]:
    return [
        heading_score(
            line.text,
            lines[i + 1].text if i + 1 < len(lines) else None,
            after_blank=line.after_blank and i > 0,
        )
        for i, line in enumerate(lines)
    ]


def _assemble(lines: list[_Line], scores: list[float]) -> Detection:
    labels = _best_labels(lines, scores)
    adjusted = _house_style(lines, labels, scores)
    if adjusted != scores:
        scores = adjusted
        labels = _best_labels(lines, scores)
    title = next((line for line, label in zip(lines, labels, strict=True) if label == "T"), None)
    preamble = tuple(
        (ln.number, ln.text) for ln, label in zip(lines, labels, strict=True) if label == "P"
    )
    starts = [i for i, label in enumerate(labels) if label == "H"]
    found = [
        _entry(lines[start:end], scores[start])
        # strict=False: with no heading there is nothing to pair.
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=False)
    ]
    return Detection(
        entries=tuple(found),
        title=title.text if title else None,
        title_line=title.number if title else None,
        preamble=preamble,
    )


def _entry(group: list[_Line], score: float) -> Entry:
    return Entry(
        front=group[0].text,
        body=tuple(line.text for line in group[1:]),
        line=group[0].number,
        end_line=group[-1].number,
        confidence=round(1.0 / (1.0 + math.exp(-score)), 3),
    )


# --- building the package -----------------------------------------------------------------


def _note(
    entry: Entry, deck: str, source: str, tags: tuple[str, ...], occurrence: int
) -> NoteRecord:
    # Each source line is a paragraph; a blank line keeps it one in Markdown.
    return NoteRecord(
        front=entry.front,
        back="\n\n".join(entry.body),
        deck=deck,
        kind="basic",
        guid=_guid(deck, entry.front, occurrence),
        tags=list(tags),
        source=f"{Path(source).name}#{entry.line}",
        line=entry.line,
        confidence=entry.confidence,
    )


def _guid(deck: str, front: str, occurrence: int) -> str:
    # Stable across re-imports of an edited file, so "update" mode refreshes
    # the definition instead of adding a duplicate note.
    key = f"{deck}\x1f{front}" + (f"\x1f{occurrence}" if occurrence > 1 else "")
    digest = hashlib.sha1(key.encode(), usedforsecurity=False)
    return "raw-" + digest.hexdigest()[:16]


def _warnings(found: Detection, source: str) -> list[str]:
    warnings: list[str] = []
    if found.title is not None:
        warnings.append(f"{source}, line {found.title_line}: {found.title!r} read as the title")
    for number, text in found.preamble:
        warnings.append(f"{source}, line {number}: {text!r} comes before the first entry; skipped")
    lines_by_front: dict[str, list[int]] = {}
    for entry in found.entries:
        lines_by_front.setdefault(entry.front, []).append(entry.line)
    for front, numbers in lines_by_front.items():
        if len(numbers) > 1:
            where = ", ".join(map(str, numbers))
            warnings.append(f"{source}: {front!r} appears {len(numbers)} times (lines {where})")
    for entry in found.entries:
        if entry.confidence < 0.5:
            warnings.append(
                f"{source}, line {entry.line}: {entry.front!r} is a guess "
                f"(confidence {entry.confidence:.2f}); check it in the preview"
            )
    return warnings
