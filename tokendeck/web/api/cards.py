"""``/api/v1/cards``: search, read, delete, card info, and bulk actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from tokendeck.collection import Collection
from tokendeck.errors import ValidationError
from tokendeck.stats.charts import forgetting_curve
from tokendeck.web import schemas
from tokendeck.web.deps import Col, Now
from tokendeck.web.presenters import card_out, review_out
from tokendeck.web.schemas import DbInt
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/cards", tags=["cards"], route_class=StrictJsonRoute)

#: Sort keys the browse table offers -> the facade's ``order`` names.
ORDERS = ("due", "created", "deck", "front", "interval", "lapses")


@router.get("", response_model=schemas.CardList)
async def search_cards(
    col: Col,
    now: Now,
    q: Annotated[str, Query(description="search: words, tag:T, deck:D, is:due ...")] = "",
    deck: str | None = None,
    tag: str | None = None,
    state: Annotated[str | None, Query(pattern="^(new|learning|review|relearning)$")] = None,
    due: bool = False,
    order: Annotated[str, Query(pattern="^(" + "|".join(ORDERS) + ")$")] = "due",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    offset: Annotated[int, Query(ge=0, le=schemas.MAX_DB_INT)] = 0,
) -> schemas.CardList:
    """Search across decks (full text, tag, deck, state, due), sorted, one page at a time."""
    found = col.find_cards(
        q,
        now=now,
        deck=deck,
        tag=tag,
        due=due,
        state=state,
        order=order,
        limit=limit,
        offset=offset,
    )
    total = col.count_cards(q, now=now, deck=deck, tag=tag, due=due, state=state)
    today = col.calendar.today(now)
    return schemas.CardList(
        cards=[card_out(v, today) for v in found], total=total, limit=limit, offset=offset
    )


@router.get("/{card_id}", response_model=schemas.CardOut)
async def get_card(card_id: DbInt, col: Col, now: Now) -> schemas.CardOut:
    """One card with its note and rendered text."""
    return card_out(col.card(card_id), col.calendar.today(now))


@router.get("/{card_id}/info", response_model=schemas.CardInfoOut)
async def card_info(card_id: DbInt, col: Col, now: Now) -> schemas.CardInfoOut:
    """A card, its review history, its recall probability now and its forgetting curve."""
    view = col.card(card_id)
    history = col.history(card_id)
    return schemas.CardInfoOut(
        card=card_out(view, col.calendar.today(now)),
        history=[review_out(r) for r in history],
        retrievability=col.retrievability(view.card, now),
        forgetting_curve=forgetting_curve(history, now),
    )


@router.delete("/{card_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_card(card_id: DbInt, col: Col) -> Response:
    """Delete one card (its note stays if it has other cards)."""
    col.delete_card(card_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/bulk", response_model=schemas.BulkResult)
async def bulk(body: schemas.BulkAction, col: Col, now: Now) -> schemas.BulkResult:
    """Suspend, unsuspend, bury, reset, delete, move or (un)tag many cards at once."""
    ids = list(dict.fromkeys(body.card_ids))
    _apply(col, body, ids, now)
    return schemas.BulkResult(action=body.action, count=len(ids))


def _apply(col: Collection, body: schemas.BulkAction, ids: list[int], now: datetime) -> None:
    if body.action == "suspend":
        col.suspend(ids, now=now)
    elif body.action == "unsuspend":
        col.unsuspend(ids, now=now)
    elif body.action == "bury":
        col.bury(ids, now=now)
    elif body.action == "reset":
        col.reset(ids, now=now)
    elif body.action == "delete":
        for card_id in ids:
            col.delete_card(card_id)
    elif body.action == "move":
        if not body.deck:
            raise ValidationError("'move' needs a target deck", hint='add "deck": "Name"')
        col.move_cards(ids, body.deck, now=now)
    else:
        _retag(col, body, ids, now)


def _retag(col: Collection, body: schemas.BulkAction, ids: list[int], now: datetime) -> None:
    if not body.tags:
        raise ValidationError(f"'{body.action}' needs tags", hint='add "tags": ["name"]')
    notes = {view.note.id: view.note for view in (col.card(i) for i in ids)}
    for note in notes.values():
        if body.action == "tag":
            tags = (*note.tags, *body.tags)
        else:
            tags = tuple(t for t in note.tags if t not in body.tags)
        col.edit_note(note.id, now=now, tags=tags)
