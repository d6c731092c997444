"""The web layer's view of the file-format registry: list, read an upload, write an export.

All format knowledge lives in :mod:`tokendeck.formats.registry`; this module
only adapts it to HTTP (names, file names, media types).
"""

from __future__ import annotations

import importlib

from tokendeck.errors import ValidationError
from tokendeck.interchange import Package
from tokendeck.web import schemas

# Until the registry lands: name -> (module, description, extensions, media type).
_FALLBACK = {
    "csv": ("tokendeck.formats.csvtext", "CSV / TSV text (Anki text export compatible)",
            [".csv", ".tsv", ".txt"], "text/csv"),
}  # fmt: skip


def available_formats() -> list[schemas.FormatOut]:
    """Every format with what it can do."""
    return [
        schemas.FormatOut(
            name=name, description=desc, extensions=exts, can_import=True, can_export=True
        )
        for name, (_, desc, exts, _) in _FALLBACK.items()
    ]


def _guess(filename: str) -> str:
    lower = filename.lower()
    for name, (_, _, exts, _) in _FALLBACK.items():
        if any(lower.endswith(ext) for ext in exts):
            return name
    names = ", ".join(_FALLBACK)
    raise ValidationError(f"cannot tell the format of {filename!r}", hint=f"choose one of {names}")


def _module(name: str) -> tuple[str, object]:
    if name not in _FALLBACK:
        names = ", ".join(_FALLBACK)
        raise ValidationError(f"unknown format {name!r}", hint=f"use one of {names}")
    return name, importlib.import_module(_FALLBACK[name][0])


def read_upload(data: bytes, filename: str, fmt: str | None) -> tuple[str, Package]:
    """Parse uploaded bytes with the named (or guessed) format."""
    name, module = _module(fmt or _guess(filename))
    package: Package = module.read(data, source=filename)  # type: ignore[attr-defined]
    return name, package


def export_bytes(package: Package, fmt: str, deck: str | None) -> tuple[bytes, str, str]:
    """File bytes, a file name and a media type for an export."""
    name, module = _module(fmt)
    data: bytes = module.write(package)  # type: ignore[attr-defined]
    stem = (deck or "collection").replace("::", "-").replace("/", "-").replace('"', "")
    return data, f"{stem}{_FALLBACK[name][2][0]}", _FALLBACK[name][3]
