"""``/api/v1/decks``: list, create, read and configure decks."""

from __future__ import annotations

from fastapi import APIRouter, status

from tokendeck.errors import ConflictError
from tokendeck.web import schemas
from tokendeck.web.deps import Col, Now
from tokendeck.web.presenters import deck_out
from tokendeck.web.schemas import DbInt
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/decks", tags=["decks"], route_class=StrictJsonRoute)


@router.get("", response_model=list[schemas.DeckOut])
async def list_decks(col: Col, now: Now) -> list[schemas.DeckOut]:
    """Every deck with today's new / learning / due counts."""
    return [deck_out(c.deck, c) for c in col.deck_counts(now)]


@router.post("", response_model=schemas.DeckOut, status_code=status.HTTP_201_CREATED)
async def create_deck(body: schemas.DeckCreate, col: Col, now: Now) -> schemas.DeckOut:
    """Create a deck (409 if the name is taken)."""
    if any(d.name.lower() == body.name.strip().lower() for d in col.decks()):
        raise ConflictError(f"a deck named {body.name!r} exists", hint="choose another name")
    return deck_out(col.create_deck(body.name, now=now))


@router.get("/{deck_id}", response_model=schemas.DeckOut)
async def get_deck(deck_id: DbInt, col: Col, now: Now) -> schemas.DeckOut:
    """One deck with its options and counts."""
    deck = col.deck(deck_id)
    counts = next((c for c in col.deck_counts(now, deck.id) if c.deck.id == deck.id), None)
    return deck_out(deck, counts)


@router.patch("/{deck_id}/config", response_model=schemas.DeckOut)
async def update_deck_config(
    deck_id: DbInt, body: schemas.DeckConfigUpdate, col: Col, now: Now
) -> schemas.DeckOut:
    """Change study options: desired retention, daily limits, learning steps."""
    changes = body.model_dump(exclude_none=True)
    return deck_out(col.update_deck(deck_id, now=now, **changes))
