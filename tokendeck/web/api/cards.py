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
    q: Annotated[str, Query(description="search: words, tag:T, deck:D, flag:N, is:due ...")] = "",
    deck: str | None = None,
    tag: str | None = None,
    state: Annotated[str | None, Query(pattern="^(new|learning|review|relearning)$")] = None,
    due: bool = False,
    order: Annotated[str, Query(pattern="^(" + "|".join(ORDERS) + ")$")] = "due",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=schemas.MAX_DB_INT)] = 0,
    after: Annotated[
        str | None, Query(description="the ``next`` of the previous page (keyset paging)")
    ] = None,
    reverse: Annotated[bool, Query(description="the sort order, backwards")] = False,
) -> schemas.CardList:
    """Search across decks (full text, tag, deck, flag, state, due), sorted, one page at a
    time: pass a page's ``next`` as ``after`` for the following one, through any number of
    pages (``offset`` still works, without ``next``)."""
    query = search_text(q, tag, state, due)
    today = col.calendar.today(now)
    if offset:
        found = col.find_cards(query, now=now, deck=deck, order=order, limit=limit, offset=offset)
        total = col.count_cards(query, now=now, deck=deck)
        cards = [card_out(v, today) for v in found]
        return schemas.CardList(cards=cards, total=total, limit=limit, offset=offset)
    page = col.card_page(
        query, now=now, deck=deck, order=order, reverse=reverse, limit=limit, after=after
    )
    return schemas.CardList(
        cards=[card_out(v, today) for v in page.cards],
        total=page.total,
        limit=limit,
        offset=offset,
        next=page.next,
    )


def search_text(q: str, tag: str | None, state: str | None, due: bool) -> str:
    """The search with the filter fields folded in (one search language, see domain.search)."""
    parts = [q] if q.strip() else []
    if tag:
        parts.append(f'tag:"{tag}"')
    if state:
        parts.append(f"state:{state}")
    if due:
        parts.append("is:due")
    return " ".join(parts)


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
    """Suspend, unsuspend, bury, reset, flag, delete, move or (un)tag many cards at once:
    the ``card_ids`` given, or every card of a ``search`` (all its pages) but ``except_ids``."""
    if body.search is not None:
        left_out = set(body.except_ids)
        found = col.find_card_ids(body.search.q, now=now, deck=body.search.deck)
        ids = [i for i in found if i not in left_out]
    else:
        ids = list(dict.fromkeys(body.card_ids))
    if not ids:
        raise ValidationError("no cards are selected", hint="select cards in the list first")
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
    elif body.action == "flag":
        col.flag(ids, body.flag, now=now)
    elif body.action == "delete":
        for card_id in ids:
            col.delete_card(card_id)
    elif body.action == "move":
        if not body.deck:
            raise ValidationError("moving cards needs a deck", hint="name the deck to move them to")
        col.move_cards(ids, body.deck, now=now)
    else:
        _retag(col, body, ids, now)


def _retag(col: Collection, body: schemas.BulkAction, ids: list[int], now: datetime) -> None:
    if not body.tags:
        raise ValidationError(f"'{body.action}' needs tags", hint="name one tag or more")
    notes = {view.note.id: view.note for view in (col.card(i) for i in ids)}
    for note in notes.values():
        if body.action == "tag":
            tags = (*note.tags, *body.tags)
        else:
            tags = tuple(t for t in note.tags if t not in body.tags)
        col.edit_note(note.id, now=now, tags=tags)
