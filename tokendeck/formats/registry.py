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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats.options import ReadOptions, WriteOptions, sniffing_text
from tokendeck.formats.sniffing import Guess, guess_text
from tokendeck.transfer.package import Package
from tokendeck.untrusted.budget import Budget
from tokendeck.untrusted.guard import printable, reading

_HEAD_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_ANKI_MEMBERS = ("collection.anki21b", "collection.anki21", "collection.anki2")
#: Anki packages: a deck (.apkg) or a whole collection (.colpkg), written alike.
_ANKI_FORMATS = ("apkg", "colpkg")


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
    #: The file carries media: exports include every file the notes use.
    media: bool = False

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
    Format("obsidian", "tokendeck.formats.obsidian",
           "Obsidian Spaced Repetition: question::answer, ? / ?? cards, ==clozes== (import only)",
           (".md",), "text/markdown", can_export=False),
    Format("apkg", "tokendeck.formats.anki", "Anki deck package (with media)",
           (".apkg",), "application/octet-stream", archive=True, bulk_history=True, media=True),
    Format("colpkg", "tokendeck.formats.anki", "Anki collection package (with media)",
           (".colpkg",), "application/octet-stream", archive=True, bulk_history=True, media=True),
    Format("backup", "tokendeck.formats.backup", "TokenDeck JSON backup (zip with media)",
           (".zip",), "application/zip", archive=True, media=True),
    Format("html", "tokendeck.formats.html",
           "Printable HTML page of every card, as studied (export only)",
           (".html", ".htm"), "text/html", can_import=False, media=True),
)  # fmt: skip

#: Other names people type for a format.
ALIASES = {"tsv": "csv", "txt": "csv", "text": "csv", "md": "markdown", "anki": "apkg",
           "json": "backup", "raw": "rawnotes", "obsidian-sr": "obsidian",
           "htm": "html"}  # fmt: skip


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


def guess(head: bytes, filename: str, *, archive_names: list[str] | None = None) -> Guess:
    """Which format a file seems to be, from its first bytes and its name, and how sure
    that is (:mod:`tokendeck.formats.sniffing`).

    ``archive_names`` (the members of a zip) lets zip formats be told apart.
    """
    suffix = Path(filename).suffix.lower()
    if head.startswith(_ZIP_MAGIC):
        found = _detect_archive(archive_names or [], suffix, filename)
        return Guess(found.name, 1.0, reason="zip members")
    if suffix in (".apkg", ".colpkg", ".zip"):
        raise ImportFormatError(
            "not a zip archive, though the name says so",
            path=filename,
            hint="the file is damaged or renamed; export it again",
        )
    return guess_text(sniffing_text(head), suffix)


def detect(head: bytes, filename: str, *, archive_names: list[str] | None = None) -> Format:
    """Which format a file is, from its first bytes and its name (the likeliest guess)."""
    return get(guess(head, filename, archive_names=archive_names).format)


def guess_file(path: Path) -> Guess:
    """Guess the format of a file on disk (reads only its start, and a zip's listing)."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    names = None
    if head.startswith(_ZIP_MAGIC):
        names = _zip_names(path, str(path))
    return guess(head, path.name, archive_names=names)


def detect_file(path: Path) -> Format:
    """Detect the format of a file on disk (reads only its start, and a zip's listing)."""
    return get(guess_file(path).format)


def guessed_options(guessed: Guess, options: ReadOptions | None) -> ReadOptions | None:
    """``options`` with the separator the guess found, unless one was given."""
    if guessed.format != "quizlet" or guessed.separator is None:
        return options
    if options is not None and options.separator:
        return options
    return replace(options or ReadOptions(), separator=guessed.separator)


def _zip_names(file: Path | Any, source: str) -> list[str]:
    try:
        with zipfile.ZipFile(file) as archive:
            return archive.namelist()
    except Exception as exc:  # a damaged central directory can raise nearly anything
        raise ImportFormatError(
            f"not a readable zip archive ({printable(exc)})",
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


# --- reading and writing ----------------------------------------------------------------


def read_file(
    path: Path, *, format: str | None = None, options: ReadOptions | None = None
) -> tuple[Format, Package]:
    """Read a file with the named format, or the detected one.

    Whatever goes wrong inside a format is an ImportFormatError (or, over the
    read's budget, a TooLargeError) naming the file: never a traceback.
    """
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"{path}: no such file", hint="check the path")
    with reading(str(path)):
        if format:
            fmt = get(format)
        else:
            guessed = guess_file(path)
            fmt, options = get(guessed.format), guessed_options(guessed, options)
        if not fmt.can_import:
            raise ValidationError(f"{fmt.name} files cannot be imported")
        if not fmt.archive:
            _budget(options, str(path)).check_text_size(path.stat().st_size)
        data: bytes | Path = path if fmt.archive else path.read_bytes()
        package: Package = fmt.load().read(data, source=str(path), options=options)
    return fmt, package


def read_bytes(
    data: bytes, filename: str, *, format: str | None = None, options: ReadOptions | None = None
) -> tuple[Format, Package]:
    """Read uploaded bytes with the named format, or the detected one (for the web)."""
    with reading(filename):
        if format:
            fmt = get(format)
        else:
            names = _zip_names(_bytes_io(data), filename) if data.startswith(_ZIP_MAGIC) else None
            guessed = guess(data[:_HEAD_BYTES], filename, archive_names=names)
            fmt, options = get(guessed.format), guessed_options(guessed, options)
        if not fmt.can_import:
            raise ValidationError(f"{fmt.name} files cannot be imported")
        if not fmt.archive:
            _budget(options, filename).check_text_size(len(data))
        package: Package = fmt.load().read(data, source=filename, options=options)
    return fmt, package


def _budget(options: ReadOptions | None, source: str) -> Budget:
    return Budget(options.limits if options else None, source=source)


@dataclass(frozen=True)
class Reading:
    """What a text file gives when read as one format (with one separator)."""

    format: str
    separator: str | None
    notes: int = 0
    #: The first note's front and back, to show what the choice gives.
    sample: tuple[str, str] | None = None
    #: Why it cannot be read this way, if it cannot.
    error: str | None = None

    def option(self) -> str:
        """How to ask for it on the command line."""
        import shlex

        flags = f"--format {self.format}"
        if self.separator is not None:
            shown = "tab" if self.separator == "\t" else shlex.quote(self.separator)
            flags += f" --separator {shown}"
        return flags

    def describe(self) -> str:
        """``quizlet with '/////' between term and definition: 281 notes``."""
        what = self.format
        if self.separator is not None:
            shown = "a tab" if self.separator == "\t" else repr(self.separator)
            what += f" with {shown} between term and definition"
        return f"{what}: {self.error}" if self.error else f"{what}: {self.notes} note(s)"


def readings(data: bytes, filename: str, guessed: Guess) -> list[Reading]:
    """The guess and its alternatives, each read in full: what each choice gives."""
    from tokendeck.errors import TokenDeckError

    wanted = [(guessed.format, guessed.separator), *guessed.alternatives]
    if guessed.format != "rawnotes" and not any(f == "rawnotes" for f, _ in wanted):
        wanted.append(("rawnotes", None))
    found = []
    for name, separator in dict.fromkeys(wanted):
        options = ReadOptions(separator=separator) if separator is not None else None
        try:
            with reading(filename):
                package: Package = get(name).load().read(data, source=filename, options=options)
        except TokenDeckError as exc:
            found.append(Reading(name, separator, error=str(exc)))
            continue
        first = package.notes[0] if package.notes else None
        sample = (first.front, first.back) if first else None
        found.append(Reading(name, separator, len(package.notes), sample))
    return found


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def write_bytes(package: Package, format: str, options: WriteOptions | None = None) -> bytes:
    """The bytes of ``package`` written in ``format``."""
    fmt = for_export(format)
    module = fmt.load()
    if fmt.name in _ANKI_FORMATS:
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
    if fmt.name in _ANKI_FORMATS:
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
