"""``/api/v1/study``: the next card of a session, answering, card actions, undo, custom study.

A session is a deck (with its subdecks; none: every deck) and a kind: ``study``
(today's cards) or ``custom`` (the deck's custom study session). Every call of a
session names both, and a session only ever shows and changes its own deck's
cards: answering or acting on a card of another deck is refused (409).
``POST /answer`` and ``POST /action`` also return the next card, so the study
page needs one round trip per card. On a PostgreSQL server these three requests
run in worker threads, each learner's in order (:mod:`tokendeck.web.lanes`).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status

from tokendeck.collection import AnswerResult, Collection
from tokendeck.domain.cards import Rating
from tokendeck.domain.decks import is_within
from tokendeck.errors import ConflictError
from tokendeck.web import schemas
from tokendeck.web.batching import AnswerBatcher
from tokendeck.web.deps import Col, Now, UserLane
from tokendeck.web.presenters import buttons_out, card_out
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/study", tags=["study"], route_class=StrictJsonRoute)


def next_card(
    col: Collection, now: datetime, deck: str | None, session: str = "study"
) -> schemas.StudyOut:
    """The card to show next, its buttons and today's remaining queue."""
    name = None if deck is None else col.deck(deck).name
    view = col.next_card(now, deck, session=session)
    counts = col.queue_counts(now, deck, session=session)
    queue = schemas.QueueOut(new=counts.new, learning=counts.learning, review=counts.review)
    kind: schemas.SessionName = "custom" if session == "custom" else "study"
    if view is None:
        waiting = col.next_due(now, deck, session=session)
        return schemas.StudyOut(
            card=None, buttons=[], queue=queue, next_due=waiting, deck=name, session=kind
        )
    buttons = buttons_out(col.preview(view.card.id, now), now, col.calendar)
    card = card_out(view, col.calendar.today(now))
    return schemas.StudyOut(
        card=card, buttons=buttons, queue=queue, next_due=None, deck=name, session=kind
    )


def _in_session(col: Collection, card_id: int, deck: str | None) -> None:
    """Refuse a card that is not in the session's deck (or its subdecks); an unknown card
    is refused where it is answered (404)."""
    if deck is None:
        return
    session_deck = col.deck(deck).name
    shown = col.card(card_id).deck_name
    if not is_within(shown, session_deck):
        raise ConflictError(
            f"card {card_id} is in {shown}, not in {session_deck}, the deck being studied",
            hint="study that deck, or reload the page to see this deck's next card",
        )


@router.get("/next", response_model=schemas.StudyOut)
async def get_next(
    lane: UserLane, now: Now, deck: str | None = None, session: schemas.SessionName = "study"
) -> schemas.StudyOut:
    """The next card to study in ``deck`` (all decks if omitted), or none left today."""
    return await lane.run(lambda col: next_card(col, now, deck, session))


@router.post("/answer", response_model=schemas.AnswerOut)
async def answer(
    request: Request, body: schemas.AnswerIn, lane: UserLane, now: Now
) -> schemas.AnswerOut:
    """Record an answer (1-4 or again/hard/good/easy) and return the session's next card."""
    rating = Rating.parse(body.rating)
    if lane.threaded:  # a PostgreSQL server: its own commit, which PostgreSQL groups with others'
        return await lane.run(lambda col: _answer_alone(col, body, rating, now))
    async with lane.in_place() as col:
        # an unknown deck or a card of another deck is refused before anything is recorded
        _in_session(col, body.card_id, body.deck)
        batcher: AnswerBatcher = request.app.state.answers
        result = await batcher.answer(
            col, body.card_id, rating, now=now, duration_ms=body.duration_ms
        )
        return _answered(col, body, result, now)


def _answer_alone(
    col: Collection, body: schemas.AnswerIn, rating: Rating, now: datetime
) -> schemas.AnswerOut:
    """Record one answer in a transaction of its own (a worker thread's request)."""
    _in_session(col, body.card_id, body.deck)
    result = col.answer(body.card_id, rating, now=now, duration_ms=body.duration_ms)
    return _answered(col, body, result, now)


def _answered(
    col: Collection, body: schemas.AnswerIn, result: AnswerResult, now: datetime
) -> schemas.AnswerOut:
    # the card as the answer left it (what was written): no second read of it
    answered = card_out(col.view(result.card), col.calendar.today(now))
    following = next_card(col, now, body.deck, body.session)
    return schemas.AnswerOut(card=answered, leech=result.leech, next=following)


@router.post("/action", response_model=schemas.CardActionOut)
async def card_action(
    body: schemas.CardActionIn, lane: UserLane, now: Now
) -> schemas.CardActionOut:
    """Suspend, bury (until tomorrow), flag or delete the card being studied; returns the
    session's next card. Undo a suspension or burial from Browse; a flag by flagging 0."""
    return await lane.run(lambda col: _act(col, body, now))


def _act(col: Collection, body: schemas.CardActionIn, now: datetime) -> schemas.CardActionOut:
    _in_session(col, body.card_id, body.deck)
    col.card(body.card_id)  # 404 for an unknown card, whatever the session
    if body.action == "suspend":
        col.suspend([body.card_id], now=now)
    elif body.action == "bury":
        col.bury([body.card_id], now=now)
    elif body.action == "flag":
        col.flag([body.card_id], body.flag, now=now)
    else:
        col.delete_card(body.card_id)
    following = next_card(col, now, body.deck, body.session)
    return schemas.CardActionOut(action=body.action, card_id=body.card_id, next=following)


@router.post("/undo", response_model=schemas.UndoOut)
async def undo(col: Col, now: Now) -> schemas.UndoOut:
    """Take back the last answer (409 ``nothing_to_undo`` if there is none)."""
    card = col.undo(now)
    return schemas.UndoOut(card=card_out(col.card(card.id)))


@router.post("/custom", response_model=schemas.CustomStudyOut, status_code=201)
async def custom_study(body: schemas.CustomStudyIn, col: Col, now: Now) -> schemas.CustomStudyOut:
    """Custom study of a deck, as Anki offers when it is done: more new cards or reviews
    today (study the deck again), or a custom session (study ``session=custom``)."""
    done = col.custom_study(
        body.deck, body.kind, now=now, amount=body.amount, tags=body.tags, state=body.state
    )
    return schemas.CustomStudyOut(
        kind=done.kind,
        deck=done.deck,
        cards=done.cards,
        session="custom" if done.session else "study",
        description=done.description,
    )


@router.delete("/custom", status_code=status.HTTP_204_NO_CONTENT)
async def end_custom_study(col: Col, deck: str) -> Response:
    """Forget a deck's custom session (its cards keep their schedules)."""
    col.end_custom_study(deck)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
