"""Markdown cards: a format meant to be written by hand (see docs/formats.md).

::

    # My deck                  a title: ignored
    deck: Languages::Spanish   notes below go to this deck
    tags: verbs a1             notes below get these tags ("tags:" alone clears them)
    kind: reversed             notes below are basic | reversed | type-in

    ## hablar                  a term; the lines below it are the definition
    to speak

    Q: a question, which may  Q:/A: blocks: both sides may span lines
    go on for lines
    A: the answer

    C: The {{c1::Pile}} is [825 GiB].   cloze; [...] means {{c1::...}}, {{c2::...}}, ...
    A: optional extra text for the back

A line that would read as one of these markers but is text is written with a
leading backslash (``\\## not a term``); a leading backslash is always removed.
Fields are trimmed and line ends become ``\\n``; everything else round-trips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tokendeck.domain.notes import MAX_CLOZE
from tokendeck.errors import ImportFormatError
from tokendeck.formats.options import ReadOptions, WriteOptions, decode_text
from tokendeck.transfer.package import NoteRecord, Package

#: Lines that mean structure, not text; text lines like these get a backslash.
_MARKER = re.compile(r"(#{1,2})(?:[ \t]+|$)|([qac]|deck|tags|kind):[ \t]?", re.IGNORECASE)
_CLOZE = re.compile(r"\{\{c\d+::")
_BRACKET = re.compile(r"\[([^\[\]\n]+)\](?!\()")
KINDS = {
    "basic": "basic",
    "reversed": "basic_reversed",
    "basic_reversed": "basic_reversed",
    "type-in": "type_in",
    "type_in": "type_in",
}
_KIND_NAMES = {"basic": "basic", "basic_reversed": "reversed", "type_in": "type-in"}


@dataclass
class _Draft:
    """A note being read: which marker opened it and the lines of each side."""

    marker: str  # "##", "q" or "c"
    line: int
    front: list[str]
    back: list[str] | None = None
    kind: str = "basic"
    deck: str = "Default"
    tags: list[str] = field(default_factory=list)


@dataclass
class _Reader:
    source: str
    options: ReadOptions
    deck: str = "Default"
    tags: list[str] = field(default_factory=list)
    kind: str = "basic"
    draft: _Draft | None = None
    package: Package = field(default_factory=Package)


def read(data: bytes, *, source: str, options: ReadOptions | None = None) -> Package:
    """Parse Markdown cards into a :class:`Package`."""
    options = options or ReadOptions()
    text = decode_text(data, source=source).replace("\r\n", "\n")
    state = _Reader(source, options, deck=options.deck or "Default")
    state.package.source = source
    for number, line in enumerate(text.split("\n"), start=1):
        _feed(state, number, line)
    _finish(state)
    if not state.package.notes:
        raise ImportFormatError(
            "no cards found" if text.strip() else "the file is empty",
            path=source,
            hint="write '## Term' with the definition below, or 'Q:' and 'A:' lines",
        )
    return state.package


def _feed(state: _Reader, number: int, line: str) -> None:
    match = _MARKER.match(line)
    if line.startswith("\\") or match is None:
        _text(state, number, line[1:] if line.startswith("\\") else line)
        return
    marker = (match.group(1) or match.group(2)).lower()
    rest = line[match.end() :]
    if marker == "a":
        _answer(state, number, rest)
        return
    _finish(state)
    if marker in ("##", "q", "c"):
        kind = "cloze" if marker == "c" else state.kind
        state.draft = _Draft(marker, number, [rest], None, kind, state.deck, list(state.tags))
    elif marker in ("deck", "tags", "kind"):
        _setting(state, number, marker, rest.strip())
    # "#": a title, ignored.


def _text(state: _Reader, number: int, line: str) -> None:
    draft = state.draft
    if draft is None:
        if line.strip():
            state.package.warnings.append(
                f"{state.source}, line {number}: text outside any card was ignored"
            )
        return
    target = draft.back if draft.back is not None else draft.front
    # Under "## Term" every line is definition: the term is the heading alone.
    if draft.marker == "##" and draft.back is None:
        draft.back = target = []
    target.append(line)


def _answer(state: _Reader, number: int, rest: str) -> None:
    draft = state.draft
    if draft is None or draft.marker == "##" or draft.back is not None:
        raise ImportFormatError(
            "'A:' without a 'Q:' or 'C:' above it",
            path=state.source,
            line=number,
            hint=r"start the card with 'Q:', or write '\A:' if it is part of the text",
        )
    draft.back = [rest]


def _setting(state: _Reader, number: int, key: str, value: str) -> None:
    if key == "deck":
        state.deck = value or state.options.deck or "Default"
    elif key == "tags":
        state.tags = value.split()
    else:
        kind = KINDS.get(value.lower())
        if kind is None:
            raise ImportFormatError(
                f"unknown card kind {value!r}",
                path=state.source,
                line=number,
                hint="write 'kind: basic', 'kind: reversed' or 'kind: type-in'",
            )
        state.kind = kind


def _finish(state: _Reader) -> None:
    """Turn the note being read into a NoteRecord, checking it is complete."""
    draft, state.draft = state.draft, None
    if draft is None:
        return
    front = "\n".join(draft.front).strip()
    back = "\n".join(draft.back).strip() if draft.back is not None else None
    _check(draft, front, back, state.source)
    if draft.marker == "c" and not _CLOZE.search(front):
        front = _brackets_to_cloze(front)
    note = NoteRecord(
        front=front,
        back=back or "",
        deck=draft.deck,
        kind=draft.kind,
        tags=list(dict.fromkeys([*draft.tags, *state.options.tags])),
        source=state.source,
        line=draft.line,
    )
    state.package.notes.append(note)


def _check(draft: _Draft, front: str, back: str | None, source: str) -> None:
    problem, hint = None, None
    if not front:
        problem, hint = "the card has no front", "write the term or question after the marker"
    elif draft.marker == "##" and not back:
        problem, hint = f"no definition below '## {front}'", "write it on the lines below"
    elif draft.marker == "q" and back is None:
        problem, hint = "'Q:' has no 'A:' answer", "add a line starting with 'A:'"
    elif draft.marker == "c" and not (_CLOZE.search(front) or _BRACKET.search(front)):
        problem, hint = "'C:' has no cloze", "mark the hidden part as {{c1::...}} or [...]"
    elif draft.marker == "c" and not _CLOZE.search(front) and _too_many_brackets(front):
        problem = f"more than {MAX_CLOZE} [...] clozes in one card"
        hint = "split the text into several cards"
    if problem:
        raise ImportFormatError(problem, path=source, line=draft.line, hint=hint)


def _too_many_brackets(text: str) -> bool:
    return any(n > MAX_CLOZE for n, _ in enumerate(_BRACKET.finditer(text), start=1))


def _brackets_to_cloze(text: str) -> str:
    counter = iter(range(1, MAX_CLOZE + 1))
    return _BRACKET.sub(lambda m: f"{{{{c{next(counter)}::{m.group(1)}}}}}", text)


# --- writing -----------------------------------------------------------------


def write(package: Package, options: WriteOptions | None = None) -> bytes:
    """Write notes as Markdown cards that :func:`read` gives back."""
    blocks: list[str] = []
    deck: str | None = None
    tags: list[str] = []
    kind = "basic"
    for note in package.notes:
        settings = []
        if note.deck != deck:
            deck = note.deck
            settings.append(f"deck: {deck}")
        if note.tags != tags:
            tags = list(note.tags)
            settings.append(f"tags: {' '.join(tags)}".rstrip())
        if note.kind != "cloze" and note.kind != kind:
            kind = note.kind
            settings.append(f"kind: {_KIND_NAMES.get(kind, 'basic')}")
        if settings:
            blocks.append("\n".join(settings))
        blocks.append(_note_text(note))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _note_text(note: NoteRecord) -> str:
    front = note.front.replace("\r\n", "\n").strip()
    back = note.back.replace("\r\n", "\n").strip()
    if note.kind == "cloze":
        text = "C: " + _escape(front, first_inline=True)
        return text + ("\nA: " + _escape(back, first_inline=True) if back else "")
    if "\n" not in front and back:
        return f"## {front}\n{_escape(back, first_inline=False)}"
    return f"Q: {_escape(front, first_inline=True)}\nA: {_escape(back, first_inline=True)}"


def _escape(text: str, *, first_inline: bool) -> str:
    """Backslash every line that would otherwise read as a marker."""
    lines = text.split("\n")
    start = 1 if first_inline else 0
    for index in range(start, len(lines)):
        if lines[index].startswith("\\") or _MARKER.match(lines[index]):
            lines[index] = "\\" + lines[index]
    return "\n".join(lines)
