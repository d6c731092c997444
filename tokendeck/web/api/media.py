"""``/api/v1/media/check``: files cards name that are missing, and files nothing uses."""

from __future__ import annotations

from fastapi import APIRouter

from tokendeck.web import schemas
from tokendeck.web.deps import Col

router = APIRouter(prefix="/media", tags=["media"])


@router.get("/check", response_model=schemas.MediaCheckOut)
async def check_media(col: Col) -> schemas.MediaCheckOut:
    """Like Anki's Check Media: missing files (with the notes naming them) and unused ones."""
    found = col.check_media()
    return schemas.MediaCheckOut(
        missing=[schemas.MissingMediaOut(name=n, note_ids=ids) for n, ids in found.missing.items()],
        unused=found.unused,
        files=found.files,
        used=found.used,
    )
