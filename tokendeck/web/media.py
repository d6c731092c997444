"""``GET /media/<name>``: the files of the collection's media folder, and nothing else.

Cards name their images and sounds by file name; every page loads them from
this route (:data:`tokendeck.rendering.media.PAGE_MEDIA_ROUTE`). A name is one
plain file name of the media folder: separators, ``..``, hidden names, control
characters and links that lead out of the folder all answer 404, as a missing
file does. Images, sounds, videos and fonts are served inline with their own
type; an SVG may not run script even when opened on its own; anything else
(an HTML file, say) is only ever a download. Responses can be cached for a
while and revalidated (``ETag``), and sounds can be sought in (ranges).
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from tokendeck.errors import NotFoundError
from tokendeck.web.deps import Col

#: Types shown in the page; anything else is sent as a download.
_INLINE = ("image/", "audio/", "video/", "font/")
#: Extra types Python's table may lack.
_TYPES = {
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".opus": "audio/ogg",
    ".oga": "audio/ogg",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
_CACHE = "private, max-age=3600"
_MAX_NAME = 255


def media_router() -> APIRouter:
    """The media route (built on call)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/media/{name:path}")
    async def media_file(name: str, request: Request, col: Col) -> Response:
        path = media_path(col.media_dir(), name)
        stat = path.stat()
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        headers = {
            "Cache-Control": _CACHE,
            "ETag": etag,
            "X-Content-Type-Options": "nosniff",
        }
        if etag in _tags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        kind = content_type(path.name)
        if kind == "image/svg+xml":
            # An SVG opened on its own is a document: it may not run script.
            headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        if not kind.startswith(_INLINE):
            headers["Content-Disposition"] = "attachment"
            kind = "application/octet-stream"
        return FileResponse(path, media_type=kind, headers=headers, stat_result=stat)

    return router


def media_path(folder: Path, name: str) -> Path:
    """The file ``name`` of ``folder``; NotFoundError for anything else."""
    missing = NotFoundError(
        f"no media file {name[:80]!r}",
        hint="`tokendeck media check` lists the files cards name that are missing",
    )
    if not plain_name(name):
        raise missing
    try:
        base = folder.resolve(strict=True)
        path = (base / name).resolve(strict=True)
    except (OSError, RuntimeError):
        raise missing from None
    if path.parent != base or not path.is_file():
        raise missing
    return path


def plain_name(name: str) -> bool:
    """Whether ``name`` is one file name that stays inside a folder."""
    return (
        0 < len(name) <= _MAX_NAME
        and name not in (".", "..")
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and not any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
        and os.path.basename(name) == name
    )


def content_type(name: str) -> str:
    """The type a media file is served as (by its extension)."""
    suffix = os.path.splitext(name)[1].lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}
