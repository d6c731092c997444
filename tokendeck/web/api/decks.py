"""``/api/v1/decks``: list, tree, create, rename, delete and configure decks.

``A::B`` is a subdeck of ``A``; counts include subdecks. A subdeck inherits the
options it does not set (``inherit`` gives an option back to the parent).
Deleting a deck takes its subdecks and cards: the request must repeat the
deck's name as ``confirm``, and a snapshot of the collection is written first
(``backups/`` beside it; restoring it brings the deck back; not on the multi-user
server, whose backups are its operator's: docs/deploy.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from tokendeck.errors import ConflictError, ValidationError
from tokendeck.web import jobs, schemas
from tokendeck.web.deps import Col, Now, User
from tokendeck.web.preparing import background_of
from tokendeck.web.presenters import deck_node_out, deck_out
from tokendeck.web.schemas import DbInt
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/decks", tags=["decks"], route_class=StrictJsonRoute)


@router.get("", response_model=list[schemas.DeckOut])
async def list_decks(col: Col, now: Now) -> list[schemas.DeckOut]:
    """Every deck with today's new / learning / due counts (subdecks included)."""
    return [deck_out(c.deck, c) for c in col.deck_counts(now)]


@router.get("/tree", response_model=list[schemas.DeckNodeOut])
async def deck_tree(col: Col, now: Now) -> list[schemas.DeckNodeOut]:
    """The decks as a tree, each with counts that include its subdecks."""
    return [deck_node_out(node) for node in col.deck_tree(now)]


@router.post("", response_model=schemas.DeckOut, status_code=status.HTTP_201_CREATED)
async def create_deck(body: schemas.DeckCreate, col: Col, now: Now) -> schemas.DeckOut:
    """Create a deck, and its parents if missing (409 if the name is taken)."""
    if any(d.name.lower() == body.name.strip().lower() for d in col.decks()):
        raise ConflictError(f"a deck named {body.name!r} exists", hint="choose another name")
    return deck_out(col.create_deck(body.name, now=now))


@router.get("/{deck_id}", response_model=schemas.DeckOut)
async def get_deck(deck_id: DbInt, col: Col, now: Now) -> schemas.DeckOut:
    """One deck with its options and counts."""
    deck = col.deck(deck_id)
    counts = next((c for c in col.deck_counts(now, deck.id) if c.deck.id == deck.id), None)
    return deck_out(deck, counts)


@router.patch("/{deck_id}", response_model=schemas.DeckOut)
async def update_deck(
    deck_id: DbInt, body: schemas.DeckUpdate, col: Col, now: Now
) -> schemas.DeckOut:
    """Rename a deck (subdecks move with it; cards and history stay) or describe it."""
    deck = col.deck(deck_id)
    if body.name is not None:
        deck = col.rename_deck(deck.id, body.name, now=now)
    if body.description is not None:
        deck = col.update_deck(deck.id, now=now, description=body.description)
    return deck_out(deck)


@router.delete("/{deck_id}", response_model=schemas.DeckDeletedOut)
async def delete_deck(
    request: Request, deck_id: DbInt, confirm: str, col: Col, now: Now, user: User
) -> schemas.DeckDeletedOut:
    """Delete a deck, its subdecks and their cards. ``confirm`` must be the deck's name.

    A snapshot of the collection is written first; the review log keeps the history.
    """
    deck = col.deck(deck_id)
    if confirm.strip().lower() != deck.name.lower():
        raise ValidationError(
            f"to delete {deck.name} and its cards, confirm with its name",
            hint=f"type {deck.name} to confirm",
        )
    settings = request.app.state.settings
    backup = None
    if request.app.state.server is None:  # a server's backups are its operator's (deploy.md)
        backup = await background_of(request).run(
            jobs.snapshot, settings, user.name, now, "before-delete"
        )
    gone = col.delete_deck(deck.id)
    return schemas.DeckDeletedOut(
        decks=list(gone.decks),
        cards=gone.cards,
        notes=gone.notes,
        backup=None if backup is None else str(backup),
    )


@router.patch("/{deck_id}/config", response_model=schemas.DeckOut)
async def update_deck_config(
    deck_id: DbInt, body: schemas.DeckConfigUpdate, col: Col, now: Now
) -> schemas.DeckOut:
    """Change study options (desired retention, daily limits, learning steps...); options
    named in ``inherit`` follow the parent deck again."""
    changes = body.model_dump(exclude_none=True, exclude={"inherit"})
    return deck_out(col.update_deck(deck_id, now=now, inherit=body.inherit, **changes))
