"""Obsidian Spaced Repetition notes: the plugin's flashcard syntax inside Markdown notes.

::

    #flashcards/biology                 deck tag: cards below go to "flashcards::biology"

    Osmosis::water moving across a membrane          one line, front::back
    ATP:::adenosine triphosphate                     one line, both directions

    What does the mitochondrion do?                  several lines: the question,
    ?                                                a line with only "?" (or "??"
    It makes most of the cell's ATP.                 for both directions), the answer;
                                                     a blank line ends the card
    The ==nucleus== holds the {{DNA}}.               clozes: ==highlight== and {{curly}}

Cards are Markdown notes, as if written in TokenDeck's own Markdown format.
A paragraph with clozes is one cloze note (each deletion its own card).
Headings, other text, code blocks, front matter and the plugin's scheduling
comments (``<!--SR:…-->``) are not cards. A deck tag (``#flashcards``, or
``#flashcards/sub/deck``) sends the cards below it (and, for the first tag,
the cards above it) to that deck; ``--deck`` overrides. Mistakes are reported
with their line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tokendeck.errors import ImportFormatError
from tokendeck.formats.options import ReadOptions, decode_text
from tokendeck.transfer.package import DeckRecord, NoteRecord, Package

_DECK_TAG = re.compile(r"(?:^|\s)#(flashcards(?:/[\w/-]*)?)(?=\s|$)", re.IGNORECASE)
_SCHEDULE = re.compile(r"<!--SR:.*?-->", re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^#{1,6}\s")
_HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
_CURLY = re.compile(r"(?<!\{)\{\{(?!c\d+::)([^{}]+?)\}\}(?!\})")
_FRONT_MATTER_TAG = re.compile(r"^\s*(?:tags:\s*\[?.*\bflashcards\b|-\s*flashcards\b)", re.I)


@dataclass
class _Block:
    """A run of non-blank lines (a paragraph), with the number of its first line."""

    line: int
    lines: list[str] = field(default_factory=list)
    deck: str = ""


def read(data: bytes, *, source: str, options: ReadOptions | None = None) -> Package:
    """Parse an Obsidian note's flashcards into a :class:`Package` of Markdown notes."""
    options = options or ReadOptions()
    text = _SCHEDULE.sub("", decode_text(data, source=source).replace("\r\n", "\n"))
    blocks, first_deck = _blocks(text.split("\n"))
    default = options.deck or first_deck or "Default"
    package = Package(source=source)
    for block in blocks:
        deck = options.deck or block.deck or default
        package.notes.extend(_cards(block, deck, list(options.tags), source))
    if not package.notes:
        raise ImportFormatError(
            "found no flashcards",
            path=source,
            hint="write cards as 'question::answer', or question, a '?' line, answer "
            "(see docs/formats.md)",
        )
    package.decks = [DeckRecord(name) for name in package.deck_names()]
    return package


def _blocks(lines: list[str]) -> tuple[list[_Block], str]:
    """Paragraphs outside code and front matter, each with the deck tag in force."""
    blocks: list[_Block] = []
    current: _Block | None = None
    deck, first_deck, fenced = "", "", False
    start = _front_matter_end(lines)
    if start and any(_FRONT_MATTER_TAG.match(ln) for ln in lines[:start]):
        deck = first_deck = "flashcards"
    for number, line in enumerate(lines[start:], start=start + 1):
        if _FENCE.match(line):
            fenced = not fenced
            current = None
            continue
        tagged = _DECK_TAG.findall(_CODE_SPAN.sub("", line))
        if tagged and not fenced:
            deck = tagged[-1].replace("/", "::").strip(":")
            first_deck = first_deck or deck
            line = _DECK_TAG.sub(" ", line)
        if fenced or not line.strip() or _HEADING.match(line):
            current = None
            continue
        if current is None:
            current = _Block(number, deck=deck)
            blocks.append(current)
        current.lines.append(line.rstrip())
    return blocks, first_deck


def _front_matter_end(lines: list[str]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return index + 1
    return 0


def _cards(block: _Block, deck: str, tags: list[str], source: str) -> list[NoteRecord]:
    """The cards of one paragraph: a multi-line card, one-line cards, or a cloze."""
    marks = [i for i, ln in enumerate(block.lines) if ln.strip() in ("?", "??")]
    if marks:
        return [_multi_line(block, marks, deck, tags, source)]
    notes: list[NoteRecord] = []
    prose: list[tuple[int, str]] = []  # lines between one-line cards: maybe a cloze

    def flush() -> None:
        cloze = _cloze("\n".join(text for _, text in prose))
        if cloze is not None:  # otherwise prose, not a card
            notes.append(_note(cloze, "", "cloze", deck, tags, source, prose[0][0]))
        prose.clear()

    for offset, line in enumerate(block.lines):
        inline = _inline(line, deck, tags, source, block.line + offset)
        if inline is None:
            prose.append((block.line + offset, line))
            continue
        if prose:
            flush()
        notes.append(inline)
    if prose:
        flush()
    return notes


def _multi_line(
    block: _Block, marks: list[int], deck: str, tags: list[str], source: str
) -> NoteRecord:
    mark = marks[0]
    where = block.line + mark
    if len(marks) > 1:
        raise ImportFormatError(
            "a card has two '?' lines",
            path=source,
            line=block.line + marks[1],
            hint="end a card with a blank line before the next one",
        )
    question = "\n".join(block.lines[:mark]).strip()
    answer = "\n".join(block.lines[mark + 1 :]).strip()
    if not question or not answer:
        side = "question above" if not question else "answer below"
        raise ImportFormatError(
            f"the '{block.lines[mark].strip()}' line has no {side} it",
            path=source,
            line=where,
            hint="a card is its question, a line with only '?' (or '??'), then its answer",
        )
    kind = "basic_reversed" if block.lines[mark].strip() == "??" else "basic"
    return _note(question, answer, kind, deck, tags, source, block.line)


def _inline(line: str, deck: str, tags: list[str], source: str, number: int) -> NoteRecord | None:
    """``front::back`` or ``front:::back`` (outside inline code), else None."""
    plain = _CODE_SPAN.sub(lambda m: "\0" * len(m.group(0)), line)
    at = plain.find("::")
    if at < 0 or "{{c" in line:
        return None
    reverse = plain.startswith(":::", at)
    width = 3 if reverse else 2
    front, back = line[:at].strip(), line[at + width :].strip()
    if not front or not back:
        raise ImportFormatError(
            f"'{':::' if reverse else '::'}' needs text on both sides",
            path=source,
            line=number,
            hint="write a one-line card as question::answer",
        )
    kind = "basic_reversed" if reverse else "basic"
    return _note(front, back, kind, deck, tags, source, number)


def _cloze(text: str) -> str | None:
    """The paragraph with its ==highlights== and {{curly}} deletions as c1, c2, ..."""
    number = 0

    def deletion(match: re.Match[str]) -> str:
        nonlocal number
        number += 1
        return f"{{{{c{number}::{match.group(1)}}}}}"

    converted = _CURLY.sub(deletion, _HIGHLIGHT.sub(deletion, text))
    return converted if number else None


def _note(
    front: str, back: str, kind: str, deck: str, tags: list[str], source: str, line: int
) -> NoteRecord:
    return NoteRecord(
        front=front, back=back, deck=deck, kind=kind, tags=list(tags), source=source, line=line
    )
