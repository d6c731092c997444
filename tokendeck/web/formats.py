"""The web layer's view of the file-format registry: list, read an upload, write an export.

All format knowledge lives in :mod:`tokendeck.formats.registry`; this module
only adapts it to HTTP (uploads, file names, media types).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tokendeck.formats import registry
from tokendeck.formats.options import ReadOptions
from tokendeck.formats.sniffing import Guess
from tokendeck.transfer.package import Package
from tokendeck.untrusted.budget import WEB_LIMITS
from tokendeck.untrusted.names import media_name_problem
from tokendeck.web import schemas

_ZIP_MAGIC = b"PK\x03\x04"


def available_formats() -> list[schemas.FormatOut]:
    """Every format with what it can do."""
    return [
        schemas.FormatOut(
            name=f.name,
            description=f.description,
            extensions=list(f.extensions),
            can_import=f.can_import,
            can_export=f.can_export,
        )
        for f in registry.formats()
    ]


def upload_name(filename: str) -> str:
    """The upload's own file name (no folders), as its notes' source; ``upload`` (and its
    suffix) when the name could not name a temporary file (too long, control characters)."""
    name = Path(filename.replace("\\", "/")).name
    if media_name_problem(name.lstrip(".") or "."):
        suffix = Path(name).suffix
        usable = len(suffix) <= 16 and not media_name_problem("u" + suffix)
        return "upload" + (suffix if usable else "")
    return name


def guess_upload(data: bytes, filename: str) -> Guess:
    """The format the registry guesses for uploaded bytes, and how sure it is."""
    names = None
    if data.startswith(_ZIP_MAGIC):
        with tempfile.TemporaryDirectory(prefix="tokendeck-upload-") as folder:
            path = Path(folder) / upload_name(filename)
            path.write_bytes(data)
            return registry.guess_file(path)
    return registry.guess(data[: 64 * 1024], upload_name(filename), archive_names=names)


def read_upload(
    data: bytes, filename: str, fmt: str | None, options: ReadOptions | None = None
) -> tuple[str, Package]:
    """Parse uploaded bytes with the named format, or the one the registry detects.

    Read within the web server's budget (:data:`~tokendeck.untrusted.budget.WEB_LIMITS`):
    a read runs beside every other request, so it gets a minute at most.
    """
    from dataclasses import replace

    options = replace(options or ReadOptions(), limits=WEB_LIMITS)
    safe_name = upload_name(filename)
    if data.startswith(_ZIP_MAGIC):
        # Zip readers work on files; keep the upload's name so the format can be told.
        with tempfile.TemporaryDirectory(prefix="tokendeck-upload-") as folder:
            path = Path(folder) / safe_name
            path.write_bytes(data)
            found, package = registry.read_file(path, format=fmt or None, options=options)
            package.source = safe_name
    else:
        found, package = registry.read_bytes(data, safe_name, format=fmt or None, options=options)
    return found.name, package


def export_bytes(package: Package, fmt: str, deck: str | None) -> tuple[bytes, str, str]:
    """File bytes, a file name and a media type for an export."""
    found = registry.for_export(fmt)
    data = registry.write_bytes(package, found.name)
    stem = (deck or "collection").replace("::", "-")
    stem = "".join(ch if ch.isalnum() or ch in "-_ " else "_" for ch in stem).strip() or "export"
    return data, f"{stem}{found.extensions[0]}", found.media_type
