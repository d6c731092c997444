"""Printable HTML: every card's question and answer as one self-contained web page.

Export only. Each card is rendered exactly as the study page shows it: a note
that came from Anki through its note type (:func:`tokendeck.rendering.render_card`,
its stylesheet confined to the card with :func:`scope_css`), a Markdown note
through its Markdown (:mod:`tokendeck.rendering.markdown`). Media files the
package carries are embedded as ``data:`` URLs, so the page needs nothing
beside it; maths stays as ``\\(…\\)`` text (readable, and typeset by any page
that loads KaTeX or MathJax).
"""

from __future__ import annotations

import base64
import html
import mimetypes
from collections.abc import Iterator

from tokendeck.domain.notes import card_ordinals as kind_ordinals
from tokendeck.domain.notes import render as kind_render
from tokendeck.formats.options import WriteOptions
from tokendeck.rendering import CardInfo, MediaAccess, card_ordinals, render_card, scope_css
from tokendeck.rendering.markdown import render_markdown
from tokendeck.rendering.media import relative_url
from tokendeck.transfer.package import NoteRecord, NoteTypeRecord, Package

_PAGE_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 50rem; padding: 0 1rem; }
article.card-pair { border: 1px solid #ccc; border-radius: 6px; margin: 0 0 1rem; padding: 0.5rem 1rem; }
article.card-pair h2 { font-size: 0.8rem; color: #666; font-weight: normal; margin: 0; }
.side { padding: 0.5rem 0; }
.side + .side { border-top: 1px dashed #ccc; }
img { max-width: 100%; }
"""  # noqa: E501


def write(package: Package, options: WriteOptions | None = None) -> bytes:
    """The page, as UTF-8 bytes."""
    data = {m.name: m.data for m in package.media}

    def url(name: str) -> str:
        found = data.get(name)
        if found is None:
            return relative_url(name)
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(found).decode('ascii')}"

    access = MediaAccess(exists=data.__contains__, url=url)
    types = {t.name: t for t in package.note_types}
    scoped = "".join(
        scope_css(t.css, f".nt-{index}") for index, t in enumerate(package.note_types) if t.css
    )
    classes = {t.name: f"nt-{index}" for index, t in enumerate(package.note_types)}
    articles = []
    for note in package.notes:
        note_type = types.get(note.note_type or "")
        for number, (question, answer) in enumerate(_cards(note, note_type, access), start=1):
            css_class = classes.get(note.note_type or "", "")
            articles.append(_article(note, number, question, answer, css_class))
    title = html.escape(package.decks[0].name if len(package.decks) == 1 else "Cards")
    page = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_PAGE_STYLE}\n{_safe_style(scoped)}</style>\n"
        f"</head>\n<body>\n<h1>{title}</h1>\n" + "\n".join(articles) + "\n</body>\n</html>\n"
    )
    return page.encode("utf-8")


def _cards(
    note: NoteRecord, note_type: NoteTypeRecord | None, access: MediaAccess
) -> Iterator[tuple[str, str]]:
    """(question HTML, answer HTML) of each card of a note, as the study page shows them."""
    if note.format == "html" and note_type is not None:
        ordinals = [c.ordinal for c in note.cards] or card_ordinals(
            note_type, note.fields, tags=note.tags
        )
        for ordinal in ordinals:
            info = CardInfo(tags=note.tags, deck=note.deck)
            rendered = render_card(note_type, note.fields, ordinal, info=info, access=access)
            yield rendered.question_html, rendered.answer_html
        return
    for ordinal in [c.ordinal for c in note.cards] or kind_ordinals(note.kind, note.front):
        question, answer = kind_render(note.kind, note.front, note.back, ordinal)
        yield render_markdown(question), render_markdown(answer)


def _article(note: NoteRecord, number: int, question: str, answer: str, css_class: str) -> str:
    label = html.escape(f"{note.deck} · card {number}")
    return (
        f'<article class="card-pair"><h2>{label}</h2>'
        f'<div class="side question {css_class}">{question}</div>'
        f'<div class="side answer {css_class}">{answer}</div></article>'
    )


def _safe_style(css: str) -> str:
    """CSS for a ``<style>`` element: it cannot close the element early."""
    return css.replace("</", "<\\/")
