"""What a card shows: its note rendered through its note type, or its Markdown.

Every front-end shows a card through the :class:`~tokendeck.domain.cards.CardView`
the collection builds here, so the web pages, the CLI, the terminal UI and
exports show the same thing. A note from Anki is rendered as Anki renders it
(:func:`tokendeck.rendering.render_card`: templates, clozes, maths and macros,
media, sanitised HTML) and read in a terminal as :func:`terminal_text`; a
Markdown note keeps the text of its kind (:func:`tokendeck.domain.notes.render`)
and its Markdown HTML. Rendering happens when a view's ``face`` (or, for an
Anki note, its ``front``/``back``) is first asked for, not when a search builds
a thousand views.

Media names point at the pages' media route (``/media/<name>``,
:data:`tokendeck.rendering.media.PAGE_MEDIA_ROUTE`), and a legacy LaTeX image
is used when the media folder has it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from pathlib import Path

from tokendeck.collection.core import Core
from tokendeck.domain.cards import Card, CardFace, CardView
from tokendeck.domain.notes import Note, render
from tokendeck.domain.notetypes import NoteType


class Faces:
    """Builds card views and renders what they show."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def note_type(self, note_type_id: int) -> NoteType | None:
        """A note type by id (every note type of the user is read once, then cached)."""
        types = self.core.caches.note_types
        if types is None:
            types = {t.id: t for t in self.core.store.note_types.all()}
            self.core.caches.note_types = types
        return types.get(note_type_id)

    def view(self, card: Card, note: Note, deck_name: str) -> CardView:
        """A card with its note; what it shows is rendered on first use."""
        if note.format == "html" and note.note_type_id is not None:
            note_type = self.note_type(note.note_type_id)
            if note_type is not None:
                media_dir = self.core.media_dir()
                return CardView(
                    card,
                    note,
                    deck_name,
                    render=lambda view: html_face(view, note_type, media_dir),
                )
        question, answer = render(note.kind, note.front, note.back, card.ordinal)
        return CardView(card, note, deck_name, question, answer, render=markdown_face)


def markdown_face(view: CardView) -> CardFace:
    """A Markdown note's card: its question and answer text as Markdown HTML."""
    from tokendeck.rendering.markdown import render_markdown

    return CardFace(
        question_html=render_markdown(view.front),
        answer_html=render_markdown(view.back),
        question_text=view.front,
        answer_text=view.back,
    )


#: Faces rendered lately, by everything that goes into them: the web app shows the same
#: cards again and again (a browse page, the card page, the study page), and an Anki
#: card takes a millisecond or two to render.
_RECENT: OrderedDict[Hashable, CardFace] = OrderedDict()
_RECENT_SIZE = 4096
_RECENT_LOCK = threading.Lock()


def html_face(view: CardView, note_type: NoteType, media_dir: Path) -> CardFace:
    """A note's card rendered through its note type, as Anki renders it (cached)."""
    note, card = view.note, view.card
    key = (
        str(media_dir),
        note_type,
        tuple(note.fields.items()),
        note.tags,
        card.id,
        card.ordinal,
        view.deck_name,
    )
    with _RECENT_LOCK:
        found = _RECENT.get(key)
        if found is not None:
            _RECENT.move_to_end(key)
            return found
    face = _render_html_face(view, note_type, media_dir)
    with _RECENT_LOCK:
        _RECENT[key] = face
        if len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    return face


def _render_html_face(view: CardView, note_type: NoteType, media_dir: Path) -> CardFace:
    from tokendeck.rendering import CardInfo, MediaAccess, render_card, terminal_text
    from tokendeck.rendering.media import page_url

    def exists(name: str) -> bool:
        return "/" not in name and "\\" not in name and (media_dir / name).is_file()

    info = CardInfo(tags=view.note.tags, deck=view.deck_name, card_id=view.card.id)
    rendered = render_card(
        note_type,
        view.note.fields,
        view.card.ordinal,
        info=info,
        access=MediaAccess(exists=exists, url=page_url),
    )
    question = terminal_text(rendered.question_html, rendered.macros)
    answer = terminal_text(rendered.answer_html, rendered.macros)
    if question and answer.startswith(question):
        answer = answer[len(question) :].lstrip("\n ─")  # the FrontSide it repeats, and the rule
    return CardFace(
        question_html=rendered.question_html,
        answer_html=rendered.answer_html,
        whole_answer=True,
        css=rendered.css,
        macros=dict(rendered.macros),
        format="html",
        media=rendered.media,
        error=rendered.error,
        question_text=question,
        answer_text=answer.strip() or answer,
    )
