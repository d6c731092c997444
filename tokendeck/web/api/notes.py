"""``/api/v1/notes``: create, read, edit and delete notes; render a live preview."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from tokendeck.web import schemas
from tokendeck.web.deps import Col, Now
from tokendeck.web.presenters import note_out
from tokendeck.web.render import render_markdown
from tokendeck.web.schemas import DbInt
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(tags=["notes"], route_class=StrictJsonRoute)


@router.post("/notes", response_model=schemas.NoteOut, status_code=status.HTTP_201_CREATED)
async def create_note(body: schemas.NoteCreate, col: Col, now: Now) -> schemas.NoteOut:
    """Add a note (two cards when ``reverse`` is set)."""
    note = col.add_note(
        body.deck,
        body.front,
        body.back,
        now=now,
        reverse=body.reverse,
        tags=tuple(body.tags),
        accepted=tuple(body.accepted),
        kind=body.kind,
    )
    return note_out(note)


@router.get("/notes/{note_id}", response_model=schemas.NoteOut)
async def get_note(note_id: DbInt, col: Col) -> schemas.NoteOut:
    """One note."""
    return note_out(col.note(note_id))


@router.patch("/notes/{note_id}", response_model=schemas.NoteOut)
async def edit_note(
    note_id: DbInt, body: schemas.NoteUpdate, col: Col, now: Now
) -> schemas.NoteOut:
    """Change a note's text, tags or accepted answers (only the fields given); with
    ``modified_at``, 409 if the note was changed since the editor loaded it."""
    note = col.edit_note(
        note_id,
        now=now,
        front=body.front,
        back=body.back,
        tags=tuple(body.tags) if body.tags is not None else None,
        accepted=tuple(body.accepted) if body.accepted is not None else None,
        fields=body.fields,
        expected_modified=body.modified_at,
    )
    return note_out(note)


@router.delete("/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_note(note_id: DbInt, col: Col) -> Response:
    """Delete a note and its cards."""
    col.delete_note(note_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/preview", response_model=schemas.PreviewOut, tags=["cards"])
async def preview(body: schemas.PreviewIn) -> schemas.PreviewOut:
    """Render card text (Markdown, math, sanitised HTML) as the study page shows it."""
    return schemas.PreviewOut(html=render_markdown(body.text))
