"""One card of a note, rendered through its note type as Anki renders it.

:func:`render_card` fills the card's template (fields, special fields,
``{{FrontSide}}``, sections, filters), applies Anki's empty-card rules, turns
legacy LaTeX into its image (or maths), sounds into players and ``type:``
into an answer box, finds the MathJax maths and the macros it uses, and
sanitises the HTML. Nothing here reads a database or a file: media are known
through two functions the caller passes (does a file exist, what URL shows it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tokendeck.rendering import cloze, latex, macros, maths, media, sanitise, template
from tokendeck.rendering.filters import TYPE_MARKER, FilterContext, apply
from tokendeck.rendering.htmltext import field_is_empty, strip_html

_TOKEN = "\ue000MATH{}\ue001"
#: Special fields that make a template's front non-blank when cards are made.
_GENERATING_SPECIAL_FIELDS = ("Card", "CardFlag", "Deck", "Subdeck", "Tags", "Type", "CardID")
_TOKEN_RE = re.compile("\ue000MATH(\\d+)\ue001")


class TemplateLike(Protocol):
    """A card template (:class:`tokendeck.transfer.package.TemplateRecord` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...


class NoteTypeLike(Protocol):
    """A note type (:class:`tokendeck.transfer.package.NoteTypeRecord` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...  # "standard" or "cloze"
    @property
    def field_names(self) -> Sequence[str]: ...
    @property
    def templates(self) -> Sequence[TemplateLike]: ...
    @property
    def css(self) -> str: ...
    @property
    def latex_pre(self) -> str: ...
    @property
    def latex_svg(self) -> bool: ...


@dataclass(frozen=True)
class CardInfo:
    """What Anki's special fields (``{{Tags}}``, ``{{Deck}}``, ``{{CardID}}``…) show."""

    tags: Sequence[str] = ()
    deck: str = "Default"
    card_id: int = 0
    flag: int = 0


@dataclass(frozen=True)
class TypedAnswer:
    """A ``{{type:…}}`` box: which field, and the text the learner should type."""

    field: str
    expected: str
    cloze: bool = False
    #: ``{{type:nc:…}}``: compare ignoring accents (combining characters).
    ignore_accents: bool = False


@dataclass(frozen=True)
class RenderedCard:
    """Both sides of a card as safe HTML, with what a page needs to show them."""

    question_html: str
    answer_html: str
    #: The note type's stylesheet, media URLs rewritten (unsanitised: scope it).
    css: str = ""
    #: TeX macros the card's maths uses, for KaTeX's ``macros`` option.
    macros: Mapping[str, str] = field(default_factory=dict)
    #: Anki would not show this card: no cloze of its number, or a blank front.
    is_empty: bool = False
    #: The template error shown instead of the card, if any.
    error: str | None = None
    typed_answer: TypedAnswer | None = None
    #: Media files either side uses (images, sounds, LaTeX images), in order.
    media: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaAccess:
    """How the renderer learns about media: does a file exist, and its page URL."""

    exists: Callable[[str], bool] = lambda _name: False
    url: media.MediaUrl = media.relative_url


def field_map(note_type: NoteTypeLike, values: Mapping[str, str] | Sequence[str]) -> dict[str, str]:
    """A note's fields by name, whether given by name or in the note type's order."""
    if isinstance(values, Mapping):
        return {name: values.get(name, "") for name in note_type.field_names}
    padded = [*values, *[""] * len(note_type.field_names)]
    return dict(zip(note_type.field_names, padded, strict=False))


def card_ordinals(
    note_type: NoteTypeLike, values: Mapping[str, str] | Sequence[str], *, tags: Sequence[str] = ()
) -> list[int]:
    """The cards Anki makes for a note: one per cloze number (number - 1), or one per
    template whose front is not blank; at least card 0, as Anki ensures.

    Special fields count as filled (``{{Deck}}`` always shows something), and
    ``{{Tags}}`` when the note has tags, as in Anki's card generation.
    """
    fields = field_map(note_type, values)
    if note_type.kind == "cloze":
        return [min(n - 1, 499) for n in sorted(cloze.numbers(fields.values()))] or [0]
    nonempty = {k for k, v in fields.items() if not field_is_empty(v)}
    nonempty |= {
        name
        for name in _GENERATING_SPECIAL_FIELDS
        if name not in fields and (name != "Tags" or tags)
    }
    filled = frozenset(nonempty)
    ordinals = [
        i
        for i, card_template in enumerate(note_type.templates)
        if not template.is_empty(template.parse(card_template.question), filled)
    ]
    return ordinals or [0]


def render_card(
    note_type: NoteTypeLike,
    values: Mapping[str, str] | Sequence[str],
    ordinal: int,
    *,
    info: CardInfo | None = None,
    access: MediaAccess | None = None,
) -> RenderedCard:
    """Card ``ordinal`` (template index, or cloze number - 1) of a note, rendered."""
    info, access = info or CardInfo(), access or MediaAccess()
    fields = field_map(note_type, values)
    is_cloze = note_type.kind == "cloze"
    index = 0 if is_cloze else ordinal
    if not 0 <= index < len(note_type.templates):
        message = f"note type {note_type.name!r} has no card template {ordinal + 1}"
        return _error_card(message, note_type, access)
    card_template = note_type.templates[index]
    everything = _with_special_fields(fields, note_type, card_template.name, ordinal, info)
    nonempty = frozenset(k for k, v in everything.items() if not field_is_empty(v))
    try:
        question = _side(card_template.question, everything, nonempty, ordinal, None)
        empty = _empty_message(note_type, card_template.question, everything, nonempty, ordinal)
        if empty is not None:
            raw_question, raw_answer = question + empty, empty
        else:
            raw_question = question
            raw_answer = _side(card_template.answer, everything, nonempty, ordinal, question)
    except template.TemplateError as error:
        return _error_card(str(error), note_type, access)
    table = _macro_table(note_type, card_template, fields)
    typed = _typed_answer(raw_question + raw_answer, fields, ordinal)
    used = _media_used(raw_question + raw_answer, note_type)
    return RenderedCard(
        question_html=_finish(raw_question, note_type, table, access, typed, answer=False),
        answer_html=_finish(raw_answer, note_type, table, access, typed, answer=True),
        css=media.rewrite_css(note_type.css, access.url),
        macros=table,
        is_empty=empty is not None,
        typed_answer=typed,
        media=tuple(used),
    )


def _with_special_fields(
    fields: dict[str, str], note_type: NoteTypeLike, card_name: str, ordinal: int, info: CardInfo
) -> dict[str, str]:
    """The note's fields plus Anki's special fields (a real field of that name wins)."""
    special = {
        "Tags": " ".join(info.tags),
        "Type": note_type.name,
        "Deck": info.deck,
        "Subdeck": info.deck.rsplit("::", 1)[-1],
        "CardFlag": f"flag{info.flag}",
        "Card": card_name,
        "CardID": str(info.card_id),
        f"c{ordinal + 1}": "1",
    }
    return {**special, **fields}


def _side(
    source: str,
    fields: dict[str, str],
    nonempty: frozenset[str],
    ordinal: int,
    frontside: str | None,
) -> str:
    context = FilterContext(card_ord=ordinal, question=frontside is None)

    def run(text: str, filters: tuple[str, ...], name: str) -> str:
        return apply(text, filters, name, context)

    render_context = template.RenderContext(fields, nonempty, run, frontside=frontside)
    return template.render(template.parse(source), render_context)


def _empty_message(
    note_type: NoteTypeLike,
    question_template: str,
    fields: dict[str, str],
    nonempty: frozenset[str],
    ordinal: int,
) -> str | None:
    """Anki's explanation when it would not show this card, else None."""
    if note_type.kind == "cloze":
        if ordinal + 1 in cloze.numbers(fields.values()):
            return None
        text = f"No cloze {ordinal + 1} found on card."
    elif not template.is_empty(template.parse(question_template), nonempty):
        return None
    else:
        text = "The front of this card is blank."
    return f'<div class="empty-card">{text}</div>'


def _macro_table(
    note_type: NoteTypeLike, card_template: TemplateLike, fields: dict[str, str]
) -> dict[str, str]:
    """Macros from the LaTeX header, the card's templates and every field, in that order."""
    formulas = [note_type.latex_pre] if "\\" in note_type.latex_pre else []
    for text in (card_template.question, card_template.answer, *fields.values()):
        formulas.extend(f.tex for f in maths.find(text))
    return macros.collect(formulas)


def _typed_answer(raw: str, fields: dict[str, str], ordinal: int) -> TypedAnswer | None:
    match = TYPE_MARKER.search(raw)
    if match is None:
        return None
    mode, name = match.group(1), match.group(2)
    value = fields.get(name, "")
    if mode == "cloze":
        value = cloze.typing_answer(value, ordinal + 1)
    expected = strip_html(media.strip_sound_tags(value)).strip()
    return TypedAnswer(name, expected, cloze=mode == "cloze", ignore_accents=mode == "nc")


def _finish(
    raw: str,
    note_type: NoteTypeLike,
    table: dict[str, str],
    access: MediaAccess,
    typed: TypedAnswer | None,
    *,
    answer: bool,
) -> str:
    """One side's raw HTML to the page's: LaTeX, type boxes, sounds, maths, sanitising."""
    text = latex.replace(raw, access.exists, svg=note_type.latex_svg)
    text = _type_boxes(text, typed, answer=answer)
    text = media.sounds(text)
    formulas: list[str] = []
    pieces: list[str] = []
    pos = 0
    for found in maths.find(text):
        pieces.append(text[pos : found.start])
        tex = macros.without_definitions(found.tex) if table else found.tex
        if tex.strip():
            pieces.append(_TOKEN.format(len(formulas)))
            formulas.append(maths.wrap(tex, display=found.display))
        pos = found.end
    pieces.append(text[pos:])
    clean = sanitise.clean("".join(pieces), access.url)
    return _TOKEN_RE.sub(lambda m: formulas[int(m.group(1))], clean).strip()


def _type_boxes(text: str, typed: TypedAnswer | None, *, answer: bool) -> str:
    """``[[type:…]]`` markers as an answer box (question) or the expected text (answer)."""
    if typed is None:
        return text

    def box(match: re.Match[str]) -> str:
        name = html.escape(match.group(2), quote=True)
        if not answer:
            return f'<div class="type-answer" data-field="{name}"></div>'
        expected = html.escape(typed.expected, quote=False)
        return (
            f'<div class="type-answer" data-field="{name}">'
            f'<code class="type-expected">{expected}</code></div>'
        )

    return TYPE_MARKER.sub(box, text)


def _media_used(raw: str, note_type: NoteTypeLike) -> list[str]:
    names = media.references(raw)
    names += [f.file_name for f in latex.formulas(raw, svg=note_type.latex_svg)]
    names += media.css_references(note_type.css)
    return list(dict.fromkeys(names))


def _error_card(message: str, note_type: NoteTypeLike, access: MediaAccess) -> RenderedCard:
    shown = f'<div class="template-error">{html.escape(message)}</div>'
    return RenderedCard(
        question_html=shown,
        answer_html=shown,
        css=media.rewrite_css(note_type.css, access.url),
        error=message,
    )
