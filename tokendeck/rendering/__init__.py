"""Rendering cards as Anki does: templates, clozes, HTML, maths, media, terminal text.

A pure package: no database, no collection, no files. Give it a note type
(anything shaped like :class:`tokendeck.transfer.package.NoteTypeRecord`), a note's
field values and a card ordinal, and :func:`render_card` returns both sides as
safe HTML (:class:`RenderedCard`), with the macros its maths needs, the media it
uses and its ``type:`` answer. :func:`terminal_text` turns that HTML into
readable text with maths in Unicode.

Modules: ``template`` (the template language), ``filters``, ``cloze``,
``latex`` (legacy ``[$]`` LaTeX), ``maths`` (finding MathJax maths), ``macros``,
``media``, ``sanitise`` (nh3), ``css`` (confining a note type's stylesheet to
the card), ``card`` (putting them together) and ``terminal``.
"""

from tokendeck.rendering.card import (
    CardInfo,
    MediaAccess,
    NoteTypeLike,
    RenderedCard,
    TemplateLike,
    TypedAnswer,
    card_ordinals,
    render_card,
)
from tokendeck.rendering.css import scope_css
from tokendeck.rendering.terminal import terminal_text

__all__ = [
    "CardInfo",
    "MediaAccess",
    "NoteTypeLike",
    "RenderedCard",
    "TemplateLike",
    "TypedAnswer",
    "card_ordinals",
    "render_card",
    "scope_css",
    "terminal_text",
]
