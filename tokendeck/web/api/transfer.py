"""``/api/v1/formats``, ``/import`` and ``/export``: files in and out of the collection.

Import is two steps with the same upload: ``POST /import/preview`` parses the
file and shows what would be imported without touching the collection;
``POST /import`` applies it all-or-nothing. Being stateless, this works the
same for many users and many server processes. Formats come from
:mod:`tokendeck.formats.registry`; the web layer never parses files itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from tokendeck.errors import TooLargeError
from tokendeck.formats import registry
from tokendeck.transfer.package import Package
from tokendeck.web import jobs, schemas
from tokendeck.web.deps import Col, Now, Settings, User
from tokendeck.web.formats import available_formats, export_bytes, read_upload
from tokendeck.web.preparing import background_of, start_preparing

router = APIRouter(tags=["import/export"])

#: How many notes the preview shows.
PREVIEW_NOTES = 20


@router.get("/formats", response_model=list[schemas.FormatOut])
async def list_formats() -> list[schemas.FormatOut]:
    """File formats the collection can import and export."""
    return available_formats()


async def _read_limited(request: Request, upload: UploadFile, limit: int) -> bytes:
    """The uploaded bytes; 413 as soon as the upload is over ``limit``."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise _too_large(limit)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _too_large(limit)
    return data


def _too_large(limit: int) -> TooLargeError:
    return TooLargeError(
        f"the file is larger than {limit // (1024 * 1024)} MiB",
        hint="split it into smaller files or raise the server's upload limit",
    )


async def _package(
    request: Request, upload: UploadFile, fmt: str | None, settings: Any
) -> tuple[str, Package]:
    data = await _read_limited(request, upload, settings.max_upload_bytes)
    return read_upload(data, upload.filename or "upload", fmt)


@router.post("/import/preview", response_model=schemas.ImportPreviewOut)
async def import_preview(
    request: Request,
    settings: Settings,
    file: Annotated[UploadFile, File(description="the file to import")],
    format: Annotated[str | None, Form(description="format name; guessed if omitted")] = None,
) -> schemas.ImportPreviewOut:
    """Parse an upload and show what would be imported (changes nothing)."""
    name, package = await _package(request, file, format, settings)
    notes = [
        schemas.ImportNoteOut(
            deck=n.deck, kind=n.kind, front=n.front, back=n.back, tags=list(n.tags), line=n.line
        )
        for n in package.notes[:PREVIEW_NOTES]
    ]
    return schemas.ImportPreviewOut(
        format=name,
        note_count=len(package.notes),
        decks=package.deck_names(),
        notes=notes,
        warnings=list(package.warnings),
    )


@router.post("/import", response_model=schemas.ImportResultOut)
async def import_file(
    request: Request,
    settings: Settings,
    col: Col,
    now: Now,
    user: User,
    file: Annotated[UploadFile, File(description="the file to import")],
    format: Annotated[str | None, Form()] = None,
    mode: Annotated[Literal["update", "duplicate", "skip"], Form()] = "update",
    deck: Annotated[str | None, Form(description="put every note in this deck")] = None,
) -> schemas.ImportResultOut:
    """Import an upload all-or-nothing (``mode`` says what to do with notes already present).

    The import runs on a worker thread (the server answers other requests meanwhile);
    afterwards the full-text index is rebuilt and the new decks' cards are prepared for
    the quiz features, in the background too.
    """
    name, package = await _package(request, file, format, settings)
    col.is_empty()  # the collection exists (with the built-in deck) before the worker opens it
    background = background_of(request)
    result, deck_ids = await background.run(
        jobs.import_package, settings, user.name, now, package, mode, deck or None
    )
    background.submit(
        ("search index", user.name, now), "rebuilding the search index", jobs.rebuild_index,
        settings, user.name, now,
    )  # fmt: skip
    for deck_id in deck_ids:
        start_preparing(request, user.name, deck_id)
    return schemas.ImportResultOut(format=name, result=_plain(result))


def _plain(result: Any) -> dict[str, Any]:
    """The facade's import result as JSON (a dataclass or a mapping)."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(result) and not isinstance(result, type):
        return asdict(result)
    return dict(result)


@router.get("/export", response_class=Response)
async def export(
    col: Col,
    format: Annotated[str, Query(description="a format name from /api/v1/formats")],
    deck: str | None = None,
    scheduling: bool = True,
) -> Response:
    """Download the collection (or one deck) in a format."""
    bulk = registry.get(format).bulk_history
    package = col.export_package(deck, with_scheduling=scheduling, bulk_history=bulk)
    data, filename, media_type = export_bytes(package, format, deck)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content=data, media_type=media_type, headers=headers)
