"""Domain objects -> API response models (the public shapes)."""

from __future__ import annotations

from datetime import date, datetime

from tokendeck.domain.cards import CardView, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import Deck, DeckCounts, DeckNode
from tokendeck.domain.intervals import format_interval, until
from tokendeck.domain.notes import Note
from tokendeck.domain.reviews import Review
from tokendeck.web import schemas


def format_steps(steps: tuple[float, ...] | list[float]) -> str:
    """Learning steps in seconds as the learner writes them: ``(60, 600)`` -> ``"1m 10m"``."""
    units = ((86400, "d"), (3600, "h"), (60, "m"))
    out = []
    for step in steps:
        unit = next(((size, u) for size, u in units if step >= size and step % size == 0), None)
        out.append(f"{int(step // unit[0])}{unit[1]}" if unit else f"{step:g}s")
    return " ".join(out)


def deck_out(deck: Deck, counts: DeckCounts | None = None) -> schemas.DeckOut:
    """Public shape of a deck, with today's counts when known."""
    cfg = deck.config
    config = schemas.DeckConfigOut(
        new_per_day=cfg.new_per_day,
        reviews_per_day=cfg.reviews_per_day,
        desired_retention=cfg.desired_retention,
        learning_steps=list(cfg.learning_steps),
        relearning_steps=list(cfg.relearning_steps),
        maximum_interval=cfg.maximum_interval,
        leech_threshold=cfg.leech_threshold,
    )
    shown = None
    if counts is not None:
        shown = schemas.CountsOut(
            new=counts.new, learning=counts.learning, due=counts.due, total=counts.total
        )
    return schemas.DeckOut(
        id=deck.id,
        name=deck.name,
        description=deck.description,
        config=config,
        counts=shown,
        parent=deck.parent_name,
        inherited=list(deck.inherited()),
    )


def counts_out(counts: DeckCounts) -> schemas.CountsOut:
    """A deck's counts today (subdecks included)."""
    return schemas.CountsOut(
        new=counts.new, learning=counts.learning, due=counts.due, total=counts.total
    )


def deck_node_out(node: DeckNode) -> schemas.DeckNodeOut:
    """A deck of the tree with its subdecks."""
    deck = node.deck
    return schemas.DeckNodeOut(
        id=deck.id,
        name=deck.name,
        basename=deck.basename,
        depth=deck.depth,
        counts=counts_out(node.counts),
        children=[deck_node_out(c) for c in node.children],
    )


#: The class of the elements a card is shown in: its note type's stylesheet is scoped to it.
CARD_SCOPE = ".td-card"


def note_out(note: Note) -> schemas.NoteOut:
    """Public shape of a note."""
    return schemas.NoteOut(
        id=note.id,
        guid=note.guid,
        kind=note.kind,
        front=note.front,
        back=note.back,
        tags=list(note.tags),
        accepted=list(note.accepted),
        created_at=note.created_at,
        modified_at=note.modified_at,
        format=note.format,  # type: ignore[arg-type]
        note_type_id=note.note_type_id,
        fields=dict(note.fields) if note.note_type_id is not None else {},
    )


def card_out(view: CardView, today: date | None = None) -> schemas.CardOut:
    """Public shape of a card, with what it shows as safe HTML (the collection renders it)."""
    card, face = view.card, view.face
    return schemas.CardOut(
        id=card.id,
        note_id=card.note_id,
        deck=view.deck_name,
        ordinal=card.ordinal,
        state=card.state.label,  # type: ignore[arg-type]
        due=card.due,
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=card.last_review,
        reps=card.reps,
        lapses=card.lapses,
        suspended=card.suspended,
        buried=card.is_buried(today) if today else card.buried_until is not None,
        flag=card.flag,
        front=view.front,
        back=view.back,
        front_html=face.question_html,
        back_html=face.answer_html,
        tags=list(view.note.tags),
        note=note_out(view.note),
        format=face.format,  # type: ignore[arg-type]
        whole_answer=face.whole_answer,
        css=scoped_css(face.css),
        macros=dict(face.macros),
    )


def scoped_css(css: str) -> str:
    """A note type's stylesheet confined to the card's elements (safe inside ``<style>``)."""
    if not css.strip():
        return ""
    from tokendeck.rendering import scope_css

    return scope_css(css, CARD_SCOPE).replace("</", "<\\/")


def buttons_out(
    preview: dict[Rating, datetime], now: datetime, calendar: Calendar
) -> list[schemas.ButtonOut]:
    """The four answer buttons with the interval each would give.

    Labels come from :mod:`tokendeck.domain.intervals`, as in the CLI and the terminal,
    so a card due at tomorrow's day start reads "1d" everywhere, not "7h".
    """
    return [
        schemas.ButtonOut(
            rating=int(rating),
            name=rating.label,  # type: ignore[arg-type]
            due=due,
            interval=format_interval(until(now, due, calendar)),
        )
        for rating, due in sorted(preview.items())
    ]


def review_out(review: Review) -> schemas.ReviewOut:
    """Public shape of one review-log row."""
    return schemas.ReviewOut(
        id=review.id,
        card_id=review.card_id,
        reviewed_at=review.reviewed_at,
        rating=review.rating,
        duration_ms=review.duration_ms,
        kind=review.kind,
        state_before=review.state_before.label,
        state_after=review.state_after.label,
        scheduled_days=review.scheduled_days,
        elapsed_days=review.elapsed_days,
        stability=review.stability,
        difficulty=review.difficulty,
    )
