"""``/api/v1/study``: the next card with its answer buttons, answering, and undo.

``POST /answer`` also returns the next card, so the study page needs one round
trip per card.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request

from tokendeck.collection import Collection
from tokendeck.domain.cards import Rating
from tokendeck.web import schemas
from tokendeck.web.batching import AnswerBatcher
from tokendeck.web.deps import Col, Now
from tokendeck.web.presenters import buttons_out, card_out
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/study", tags=["study"], route_class=StrictJsonRoute)


def next_card(col: Collection, now: datetime, deck: str | None) -> schemas.StudyOut:
    """The card to show next, its buttons and today's remaining queue."""
    view = col.next_card(now, deck)
    counts = col.queue_counts(now, deck)
    queue = schemas.QueueOut(new=counts.new, learning=counts.learning, review=counts.review)
    if view is None:
        return schemas.StudyOut(
            card=None, buttons=[], queue=queue, next_due=col.next_due(now, deck)
        )
    buttons = buttons_out(col.preview(view.card.id, now), now, col.calendar)
    return schemas.StudyOut(card=card_out(view), buttons=buttons, queue=queue, next_due=None)


@router.get("/next", response_model=schemas.StudyOut)
async def get_next(col: Col, now: Now, deck: str | None = None) -> schemas.StudyOut:
    """The next card to study in ``deck`` (all decks if omitted), or none left today."""
    return next_card(col, now, deck)


@router.post("/answer", response_model=schemas.AnswerOut)
async def answer(request: Request, body: schemas.AnswerIn, col: Col, now: Now) -> schemas.AnswerOut:
    """Record an answer (1-4 or again/hard/good/easy) and return the next card."""
    rating = Rating.parse(body.rating)
    if body.deck is not None:
        col.deck(body.deck)  # an unknown deck is refused before anything is recorded
    batcher: AnswerBatcher = request.app.state.answers
    result = await batcher.answer(col, body.card_id, rating, now=now, duration_ms=body.duration_ms)
    answered = card_out(col.card(result.card.id))
    return schemas.AnswerOut(card=answered, leech=result.leech, next=next_card(col, now, body.deck))


@router.post("/undo", response_model=schemas.UndoOut)
async def undo(col: Col, now: Now) -> schemas.UndoOut:
    """Take back the last answer (409 ``nothing_to_undo`` if there is none)."""
    card = col.undo(now)
    return schemas.UndoOut(card=card_out(col.card(card.id)))
