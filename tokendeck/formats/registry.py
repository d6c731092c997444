"""Every file format by name: what it reads and writes, and which one a file is.

Front-ends (CLI, web) never import a format module directly: they ask this
module to :func:`detect` a file from its content and extension (``--format``
overrides), then :func:`read` or :func:`write` through it. Format modules are
imported only when used, so listing formats costs nothing at start-up.
"""

from __future__ import annotations

import importlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats.options import ReadOptions, WriteOptions
from tokendeck.transfer.package import Package

_HEAD_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_ANKI_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_ANKI_HEADERS = ("#separator:", "#html:", "#columns:", "#notetype", "#deck", "#tags", "#guid")


@dataclass(frozen=True)
class Format:
    """One file format and what it can do."""

    name: str
    module: str
    description: str
    extensions: tuple[str, ...]
    media_type: str
    can_import: bool = True
    can_export: bool = True
    #: Zip formats: the reader takes a Path, the writer writes to a path.
    archive: bool = False
    #: The writer takes the review log as Package.history (a ReviewSource over the
    #: collection file), so exports ask for it in that form.
    bulk_history: bool = False

    def load(self) -> Any:
        """The format's module (imported on first use)."""
        return importlib.import_module(self.module)


FORMATS: tuple[Format, ...] = (
    Format("csv", "tokendeck.formats.csvtext",
           "CSV / TSV / Anki text export (#separator:, #columns:, ... headers)",
           (".csv", ".tsv", ".txt"), "text/csv"),
    Format("quizlet", "tokendeck.formats.quizlet",
           "Quizlet text export: term, separator, definition (--separator, --row-separator)",
           (".txt",), "text/plain"),
    Format("markdown", "tokendeck.formats.markdown",
           "Markdown cards: '## Term' + definition, Q:/A:, C: cloze (docs/formats.md)",
           (".md", ".markdown"), "text/markdown"),
    Format("rawnotes", "tokendeck.formats.rawnotes",
           "Raw notes: a term or question line, then its definition (import only)",
           (".txt",), "text/plain", can_export=False),
    Format("apkg", "tokendeck.formats.anki", "Anki deck package",
           (".apkg",), "application/octet-stream", archive=True, bulk_history=True),
    Format("colpkg", "tokendeck.formats.anki", "Anki collection package (import only)",
           (".colpkg",), "application/octet-stream", can_export=False, archive=True),
    Format("backup", "tokendeck.formats.backup", "TokenDeck JSON backup (zip with media)",
           (".zip",), "application/zip", archive=True),
)  # fmt: skip

#: Other names people type for a format.
ALIASES = {"tsv": "csv", "txt": "csv", "text": "csv", "md": "markdown", "anki": "apkg",
           "json": "backup", "raw": "rawnotes"}  # fmt: skip


def formats() -> tuple[Format, ...]:
    """Every known format, in the order they are listed to users."""
    return FORMATS


def get(name: str) -> Format:
    """The format called ``name`` (or one of its aliases)."""
    wanted = ALIASES.get(name.strip().lower(), name.strip().lower())
    for fmt in FORMATS:
        if fmt.name == wanted:
            return fmt
    names = ", ".join(f.name for f in FORMATS)
    raise ValidationError(f"unknown format {name!r}", hint=f"use one of {names}")


def for_export(name: str) -> Format:
    """The format called ``name``, refusing import-only ones."""
    fmt = get(name)
    if not fmt.can_export:
        writable = ", ".join(f.name for f in FORMATS if f.can_export)
        raise ValidationError(f"{fmt.name} files can only be imported", hint=f"use {writable}")
    return fmt


# --- detection -----------------------------------------------------------------------


def detect(head: bytes, filename: str, *, archive_names: list[str] | None = None) -> Format:
    """Which format a file is, from its first bytes and its name.

    ``archive_names`` (the members of a zip) lets zip formats be told apart.
    """
    suffix = Path(filename).suffix.lower()
    if head.startswith(_ZIP_MAGIC):
        return _detect_archive(archive_names or [], suffix, filename)
    if suffix in (".apkg", ".colpkg", ".zip"):
        raise ImportFormatError(
            "not a zip archive, though the name says so",
            path=filename,
            hint="the file is damaged or renamed; export it again",
        )
    return _detect_text(head.decode("utf-8", errors="replace"), suffix)


def detect_file(path: Path) -> Format:
    """Detect the format of a file on disk (reads only its start, and a zip's listing)."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    names = None
    if head.startswith(_ZIP_MAGIC):
        names = _zip_names(path, str(path))
    return detect(head, path.name, archive_names=names)


def _zip_names(file: Path | Any, source: str) -> list[str]:
    try:
        with zipfile.ZipFile(file) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ImportFormatError(
            f"not a readable zip archive ({exc})",
            path=source,
            hint="the file is damaged; export it again",
        ) from None


def _detect_archive(names: list[str], suffix: str, filename: str) -> Format:
    from tokendeck.formats.backup import DOCUMENT

    if DOCUMENT in names:
        return get("backup")
    if any(member in names for member in _ANKI_MEMBERS):
        return get("colpkg" if suffix == ".colpkg" else "apkg")
    raise ImportFormatError(
        "a zip archive that is neither an Anki package nor a TokenDeck backup",
        path=filename,
        hint="import .apkg/.colpkg files exported by Anki, or TokenDeck's own backups",
        cli_hint="import .apkg/.colpkg files from Anki, or backups made by `tokendeck backup`",
    )


def _detect_text(text: str, suffix: str) -> Format:
    lines = [ln for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()]
    if suffix in (".md", ".markdown") or _looks_like_markdown(lines):
        return get("markdown")
    if lines and lines[0].lower().startswith(_ANKI_HEADERS):
        return get("csv")
    if len(lines) == 1 and ";" in lines[0]:
        return get("quizlet")  # one line of "term,definition;" rows
    if suffix in (".csv", ".tsv") or _looks_like_columns(lines):
        return get("csv")
    return get("rawnotes")


def _looks_like_markdown(lines: list[str]) -> bool:
    terms = any(ln.startswith("## ") or ln == "##" for ln in lines)
    clozes = any(ln[:2].upper() == "C:" and ("{{c" in ln or "[" in ln) for ln in lines)
    questions = any(ln[:2].upper() == "Q:" for ln in lines)
    answers = any(ln[:2].upper() == "A:" for ln in lines)
    # Our exports (and most hand-written files) open with a "deck:" or "tags:" line.
    settings = bool(lines) and lines[0].lower().startswith(("deck:", "tags:", "kind:"))
    return terms or clozes or (questions and answers) or settings


def _looks_like_columns(lines: list[str]) -> bool:
    """Nearly every line splits into the same number (2+) of columns."""
    import csv
    from collections import Counter

    sample = [ln for ln in lines[:200] if not ln.startswith("#")]
    for separator in ("\t", "|", ";", ","):
        widths = Counter(len(row) for row in csv.reader(sample, delimiter=separator))
        width, hits = widths.most_common(1)[0] if widths else (0, 0)
        if width >= 2 and hits >= 0.95 * len(sample):
            return True
    return False


# --- reading and writing ----------------------------------------------------------------


def read_file(
    path: Path, *, format: str | None = None, options: ReadOptions | None = None
) -> tuple[Format, Package]:
    """Read a file with the named format, or the detected one."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file", hint="check the path")
    fmt = get(format) if format else detect_file(path)
    if not fmt.can_import:
        raise ValidationError(f"{fmt.name} files cannot be imported")
    data: bytes | Path = path if fmt.archive else path.read_bytes()
    package: Package = fmt.load().read(data, source=str(path), options=options)
    return fmt, package


def read_bytes(
    data: bytes, filename: str, *, format: str | None = None, options: ReadOptions | None = None
) -> tuple[Format, Package]:
    """Read uploaded bytes with the named format, or the detected one (for the web)."""
    if format:
        fmt = get(format)
    else:
        names = _zip_names(_bytes_io(data), filename) if data.startswith(_ZIP_MAGIC) else None
        fmt = detect(data[:_HEAD_BYTES], filename, archive_names=names)
    package: Package = fmt.load().read(data, source=filename, options=options)
    return fmt, package


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def write_bytes(package: Package, format: str, options: WriteOptions | None = None) -> bytes:
    """The bytes of ``package`` written in ``format``."""
    fmt = for_export(format)
    module = fmt.load()
    if fmt.name == "apkg":
        data: bytes = module.to_bytes(package, options=options)
    else:
        data = module.write(package, options)
    return data


def write_file(
    package: Package, path: Path, format: str, options: WriteOptions | None = None
) -> None:
    """Write ``package`` to ``path`` in ``format``, replacing it only when complete."""
    fmt = for_export(format)
    path = Path(path)
    if fmt.name == "apkg":
        fmt.load().write(package, path, options=options)
        return
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(write_bytes(package, fmt.name, options))
    os.replace(partial, path)


def guess_export_format(path: Path) -> str | None:
    """The export format a file name asks for (``deck.md`` -> markdown), if any."""
    suffix = Path(path).suffix.lower()
    for fmt in FORMATS:
        if fmt.can_export and suffix in fmt.extensions:
            return fmt.name
    return None
