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
from starlette.concurrency import run_in_threadpool

from tokendeck.errors import TooLargeError, ValidationError
from tokendeck.formats import registry
from tokendeck.formats.options import ReadOptions
from tokendeck.formats.sniffing import Guess
from tokendeck.transfer.package import Package
from tokendeck.web import jobs, schemas
from tokendeck.web.deps import Col, Now, Settings, User, UserLane
from tokendeck.web.formats import (
    available_formats,
    export_bytes,
    guess_upload,
    read_upload,
    upload_name,
)
from tokendeck.web.preparing import background_of, start_preparing
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(tags=["import/export"], route_class=StrictJsonRoute)

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


def _options(separator: str | None, row_separator: str | None) -> ReadOptions | None:
    if not separator and not row_separator:
        return None
    return ReadOptions(separator=separator or None, row_separator=row_separator or None)


@router.post("/import/preview", response_model=schemas.ImportPreviewOut)
async def import_preview(
    request: Request,
    settings: Settings,
    file: Annotated[UploadFile, File(description="the file to import")],
    format: Annotated[str | None, Form(description="format name; guessed if omitted")] = None,
    separator: Annotated[
        str | None, Form(description="between term and definition (csv, quizlet)")
    ] = None,
    row_separator: Annotated[str | None, Form(description="between rows (quizlet)")] = None,
) -> schemas.ImportPreviewOut:
    """Parse an upload and show what would be imported (changes nothing); when the format is
    guessed, also what each likely format gives (``choices``) and how sure the guess is."""
    data = await _read_limited(request, file, settings.max_upload_bytes)
    filename = file.filename or "upload"
    # In a worker thread: reading a file takes up to its budget's minute, and the event
    # loop serves every other request meanwhile (the collection is not touched here).
    guessed, choices, (name, package) = await run_in_threadpool(
        _preview, data, filename, format, _options(separator, row_separator)
    )
    notes = [
        schemas.ImportNoteOut(
            deck=n.deck, kind=n.kind, front=n.front, back=n.back, tags=list(n.tags), line=n.line
        )
        for n in package.notes[:PREVIEW_NOTES]
    ]
    used = guessed.separator if guessed is not None and name == guessed.format else None
    return schemas.ImportPreviewOut(
        format=name,
        note_count=len(package.notes),
        decks=package.deck_names(),
        notes=notes,
        warnings=list(package.warnings),
        confidence=1.0 if guessed is None else guessed.confidence,
        sure=guessed is None or guessed.sure,
        separator=separator or used,
        choices=choices,
        note_types=[t.name for t in package.note_types],
    )


def _preview(
    data: bytes, filename: str, format: str | None, options: ReadOptions | None
) -> tuple[Guess | None, list[schemas.ImportChoiceOut], tuple[str, Package]]:
    """The guess (unless a format was chosen), what each likely format gives, the reading."""
    guessed = None if format else guess_upload(data, filename)
    choices = []
    if guessed is not None and not data.startswith(b"PK\x03\x04"):
        choices = [_choice(r) for r in registry.readings(data, upload_name(filename), guessed)]
    return guessed, choices, read_upload(data, filename, format, options)


def _choice(reading: registry.Reading) -> schemas.ImportChoiceOut:
    front, back = reading.sample or ("", "")
    return schemas.ImportChoiceOut(
        format=reading.format,
        separator=reading.separator,
        description=reading.describe(),
        note_count=reading.notes,
        front=front,
        back=back,
        error=reading.error,
    )


@router.post("/import", response_model=schemas.ImportResultOut)
async def import_file(
    request: Request,
    settings: Settings,
    lane: UserLane,
    now: Now,
    user: User,
    file: Annotated[UploadFile, File(description="the file to import")],
    format: Annotated[str | None, Form()] = None,
    mode: Annotated[Literal["update", "duplicate", "skip"], Form()] = "update",
    deck: Annotated[str | None, Form(description="put every note in this deck")] = None,
    separator: Annotated[str | None, Form()] = None,
    row_separator: Annotated[str | None, Form()] = None,
) -> schemas.ImportResultOut:
    """Import an upload all-or-nothing (``mode`` says what to do with notes already present).

    A format guessed without confidence is refused (400) naming the choices: send
    ``format`` (and ``separator``) as the preview's choices show them. The import runs
    on a worker thread (the server answers other requests meanwhile); afterwards the
    full-text index is rebuilt and the new decks' cards are prepared for the quiz
    features, in the background too.
    """
    data = await _read_limited(request, file, settings.max_upload_bytes)
    options = _options(separator, row_separator)
    name, package = await run_in_threadpool(_sure_read, data, file.filename, format, options)
    async with lane.in_place() as col:  # the user's turn only for this, not for the import
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


def _sure_read(
    data: bytes, filename: str | None, format: str | None, options: ReadOptions | None
) -> tuple[str, Package]:
    """Read an upload to import it; a format guessed without confidence is refused."""
    filename = filename or "upload"
    if not format:
        guessed = guess_upload(data, filename)
        if not guessed.sure:
            choices = registry.readings(data, upload_name(filename), guessed)
            raise ValidationError(
                f"cannot tell how {upload_name(filename)} is laid out ({guessed.reason}): as "
                + "; ".join(c.describe() for c in choices),
                hint="choose the format (and separator) in the preview, then import",
            )
    return read_upload(data, filename, format, options)


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
    """Download the collection (or one deck: ``deck``; empty means the whole collection)."""
    chosen = registry.for_export(format)
    deck = deck or None  # the page's "Whole collection" sends an empty deck
    package = col.export_package(
        deck,
        with_scheduling=scheduling,
        full=chosen.name == "backup",
        bulk_history=chosen.bulk_history,
        with_media=chosen.media,
    )
    data, filename, media_type = export_bytes(package, chosen.name, deck)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content=data, media_type=media_type, headers=headers)
