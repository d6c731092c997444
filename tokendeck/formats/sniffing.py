"""Telling text formats apart, and how sure the guess is.

Text files carry no signature, so a text file's format is a guess with a
confidence. What counts most is the difference between a file with *a
separator on every line* (Quizlet's export: term, separator, definition, one
card per line, the separator a tab, a comma or anything the user typed, such as
``/////``) and *free notes* (raw notes: a term line, then definition lines).
A separator-per-line file is found by the text that splits (nearly) every line
in two; a file where some separator splits only part of the lines could be
either, and the guess says so: front-ends then ask (the CLI refuses without
``--format``; the web import preview shows what each choice gives).

Nothing here reads a whole file: the first 64 KiB decide.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field

#: At or above this the guess is used without asking.
CONFIDENT = 0.75

_ANKI_HEADERS = ("#separator:", "#html:", "#columns:", "#notetype", "#deck", "#tags", "#guid")
#: Separators people type between term and definition that contain spaces.
_SPACED = (" - ", " – ", " — ", " = ", " -> ", " => ")
#: A run of two or more marks that might be a separator (letters, digits, spaces,
#: quotes and brackets are never part of one).
_MARKS = re.compile(r"[^\w\s\"'`()\[\]{}<>“”‘’«»]{2,}")
#: Sentence punctuation ("...", "?!", ".,") ends sentences, it does not separate terms.
_SENTENCE_MARKS = frozenset(".,;!?…")
#: Obsidian Spaced Repetition: its deck tag, a question::answer line, a ? or ?? line.
_OBSIDIAN_TAG = re.compile(r"(?:^|\s)#flashcards(?:/[\w/-]*)?(?=\s|$)", re.IGNORECASE)
_OBSIDIAN_INLINE = re.compile(r"^(?!.*\{\{c\d+::).+?:{2,3}.+$")
_OBSIDIAN_SPLIT = re.compile(r"^\?{1,2}$")
_CLOZE_MARKER = re.compile(r"^\s*C:", re.IGNORECASE)


@dataclass(frozen=True)
class Guess:
    """Which format a file seems to be, how sure that is, and what else it could be."""

    format: str
    confidence: float
    #: The separator that splits its lines (Quizlet text), when one was found.
    separator: str | None = None
    #: Other readings worth offering: (format, separator) pairs.
    alternatives: tuple[tuple[str, str | None], ...] = ()
    reason: str = ""

    @property
    def sure(self) -> bool:
        """Whether the guess is good enough to import without asking."""
        return self.confidence >= CONFIDENT


@dataclass
class _Lines:
    lines: list[str]
    suffix: str
    body: list[str] = field(default_factory=list)


def guess_text(text: str, suffix: str) -> Guess:
    """The likely format of a text file's start (``suffix``: its extension, lower-case)."""
    # Lines end in \n, \r\n or (old Mac files) a lone \r.
    lines = [ln for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n") if ln.strip()]
    if not lines:
        return Guess("csv" if suffix in (".csv", ".tsv") else "rawnotes", 0.5, reason="empty")
    if _looks_like_obsidian(lines, suffix):
        return Guess("obsidian", 0.95, reason="Obsidian Spaced Repetition cards")
    if suffix in (".md", ".markdown") or _looks_like_markdown(lines):
        return Guess("markdown", 0.9, reason="Markdown cards")
    if lines[0].lower().startswith(_ANKI_HEADERS):
        return Guess("csv", 1.0, reason="Anki text headers")
    if len(lines) == 1 and ";" in lines[0]:
        # Rows end at ';' (Quizlet's "between rows: semicolon"); the reader finds what
        # separates term and definition within the rows (a comma, a tab, " - ", ...).
        return Guess("quizlet", 0.8, reason="one line of term,definition; rows")
    return _by_separators(lines, suffix)


def _by_separators(lines: list[str], suffix: str) -> Guess:
    sample = [ln for ln in lines[:400] if not ln.startswith("#")] or lines[:400]
    separator, coverage = best_separator(sample)
    columns = _columns(sample)
    if columns and (separator is None or len(separator) == 1):
        return Guess("csv", 0.9, reason="the same columns on every line")
    if separator is not None and coverage == 1.0:
        return Guess(
            "quizlet",
            0.95,
            separator,
            alternatives=(("rawnotes", None),),
            reason=f"{separator!r} splits every line",
        )
    if suffix in (".csv", ".tsv") or columns:
        return Guess("csv", 0.9, reason="the same columns on every line")
    if separator is not None and coverage >= 0.3:
        # Quizlet text needs the separator on every line; free notes have none. Ask.
        return Guess(
            "rawnotes",
            0.5,
            alternatives=(("quizlet", separator),),
            reason=f"{separator!r} splits {coverage:.0%} of the lines, not all",
        )
    alternatives = (("quizlet", separator),) if separator is not None else ()
    return Guess("rawnotes", 0.8, alternatives=alternatives, reason="free notes")


def best_separator(lines: list[str]) -> tuple[str | None, float]:
    """The text that splits the most lines in two (once each, text on both sides), and
    the share of lines it splits. Tabs count; a lone comma or semicolon does not (that
    is CSV's business)."""
    if not lines:
        return None, 0.0
    counts: Counter[str] = Counter()
    for line in lines:
        found = set(_MARKS.findall(line)) | {s for s in (*_SPACED, "\t") if s in line}
        for candidate in found:
            if _splits(line, candidate):
                counts[candidate] += 1
    if not counts:
        return None, 0.0
    # Most lines split; a longer separator wins a tie ("/////" over "//").
    separator, _ = max(counts.items(), key=lambda item: (item[1], len(item[0])))
    # Quizlet splits a row at the first separator: a definition may hold another.
    readable = sum(
        1 for line in lines if line.partition(separator)[0].strip() and separator in line
    )
    return separator, readable / len(lines)


def _splits(line: str, separator: str) -> bool:
    if separator.startswith("://") or set(separator) <= _SENTENCE_MARKS:
        return False  # a web address, or the end of a sentence
    term, _, definition = line.partition(separator)
    return bool(term.strip() and definition.strip()) and line.count(separator) == 1


def _columns(lines: list[str]) -> bool:
    """Nearly every line splits into the same number (2+) of CSV columns."""
    for separator in ("\t", "|", ";", ","):
        try:
            widths = Counter(len(row) for row in csv.reader(lines[:200], delimiter=separator))
        except csv.Error:  # e.g. a NUL byte: not columns the csv reader can read
            continue
        width, hits = widths.most_common(1)[0] if widths else (0, 0)
        if width >= 2 and hits >= 0.95 * min(len(lines), 200):
            return True
    return False


def _looks_like_markdown(lines: list[str]) -> bool:
    terms = any(ln.startswith("## ") or ln == "##" for ln in lines)
    clozes = any(_CLOZE_MARKER.match(ln) and ("{{c" in ln or "[" in ln) for ln in lines)
    questions = any(ln[:2].upper() == "Q:" for ln in lines)
    answers = any(ln[:2].upper() == "A:" for ln in lines)
    # Our exports (and most hand-written files) open with a "deck:" or "tags:" line.
    settings = lines[0].lower().startswith(("deck:", "tags:", "kind:"))
    return terms or clozes or (questions and answers) or settings


def _looks_like_obsidian(lines: list[str], suffix: str) -> bool:
    """The plugin's deck tag, or (in a Markdown file) its card syntax."""
    if any(_OBSIDIAN_TAG.search(ln) for ln in lines):
        return True
    if suffix not in (".md", ".markdown") or _looks_like_markdown(lines):
        return False
    inline = sum(1 for ln in lines if _OBSIDIAN_INLINE.match(ln))
    split = sum(1 for ln in lines if _OBSIDIAN_SPLIT.match(ln.strip()))
    return inline + split > 0
