"""Quizlet's text export (and import box): term, separator, definition, row separator.

Quizlet lets the user pick what goes "between term and definition" (tab, comma
or any text) and "between rows" (new line, semicolon or any text). Nothing is
quoted, so a row is split at the *first* term separator: definitions may hold
it, terms may not. Named separators: ``tab``, ``comma``, ``newline``,
``semicolon``; anything else is taken literally (``\\n`` and ``\\t`` escapes allowed).
Without ``--separator`` the text that splits nearly every row in two is used
(a custom separator such as ``/////`` imports with no flags).
"""

from __future__ import annotations

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats.options import ReadOptions, WriteOptions, decode_text
from tokendeck.transfer.package import NoteRecord, Package

NAMED_SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "newline": "\n",
    "semicolon": ";",
    "dash": " - ",
}

#: How the CLI picks separators (the web form has its own fields).
_SEPARATOR_CLI_HINT = "pick other separators with --separator/--row-separator, or export as csv"


def separator_value(text: str) -> str:
    """A separator given by name (``tab``) or literally, with ``\\n``/``\\t`` escapes."""
    named = NAMED_SEPARATORS.get(text.strip().lower())
    if named is not None:
        return named
    return text.replace("\\n", "\n").replace("\\t", "\t")


def read(data: bytes, *, source: str, options: ReadOptions | None = None) -> Package:
    """Parse Quizlet export text into basic notes (term -> definition)."""
    options = options or ReadOptions()
    text = decode_text(data, source=source).replace("\r\n", "\n")
    if not text.strip():
        raise ImportFormatError("the file is empty", path=source, hint="paste Quizlet's export")
    row_sep = separator_value(options.row_separator) if options.row_separator else _guess_rows(text)
    term_sep = (
        separator_value(options.separator) if options.separator else _guess_terms(text, row_sep)
    )
    if not term_sep or not row_sep or term_sep == row_sep:
        raise ImportFormatError(
            "the term and row separators must be different and not empty",
            path=source,
            hint="choose the separators of Quizlet's export (e.g. tab and new line)",
            cli_hint="e.g. --separator tab --row-separator newline",
        )
    package = Package(source=source)
    line = 1
    for row in text.split(row_sep):
        if row.strip():
            start = line + row[: len(row) - len(row.lstrip())].count("\n")
            package.notes.append(_note(row, term_sep, options, source, start))
        line += row.count("\n") + row_sep.count("\n")
    return package


def _guess_rows(text: str) -> str:
    # One long line full of semicolons is Quizlet's "between rows: semicolon".
    if "\n" not in text.strip() and ";" in text:
        return ";"
    return "\n"


def _guess_terms(text: str, row_sep: str) -> str:
    """The separator between term and definition: the text that splits (nearly) every
    row in two (a tab, " - ", "/////", ...), else a tab if there is one, else a comma."""
    from tokendeck.formats.sniffing import best_separator

    rows = [row.strip() for row in text.split(row_sep) if row.strip()][:400]
    separator, coverage = best_separator(rows)
    if separator is not None and coverage >= 0.9:
        return separator
    return "\t" if "\t" in text else ","


def _note(row: str, term_sep: str, options: ReadOptions, source: str, line: int) -> NoteRecord:
    term, found, definition = row.partition(term_sep)
    if not found:
        shown = "tab" if term_sep == "\t" else repr(term_sep)
        raise ImportFormatError(
            f"no {shown} between term and definition in {row.strip()[:40]!r}",
            path=source,
            line=line,
            hint="choose the separators used in Quizlet's export",
            cli_hint="choose the separators of Quizlet's export with --separator/--row-separator",
        )
    return NoteRecord(
        front=term.strip(),
        back=definition.strip(),
        deck=options.deck or "Default",
        tags=list(options.tags),
        source=source,
        line=line,
    )


def write(package: Package, options: WriteOptions | None = None) -> bytes:
    """Write term/definition rows with the chosen separators (tab and newline by default)."""
    term_sep = separator_value(options.separator) if options and options.separator else "\t"
    row_sep = separator_value(options.row_separator) if options and options.row_separator else "\n"
    if not term_sep or not row_sep or term_sep == row_sep:
        raise ValidationError(
            "the term and row separators must be different and not empty",
            hint="choose the separators of Quizlet's export (e.g. tab and new line)",
            cli_hint="e.g. --separator tab --row-separator newline",
        )
    rows = [f"{note.front}{term_sep}{note.back}" for note in package.notes]
    text = row_sep.join(rows)
    _check_readable(text, package, term_sep, row_sep)
    return (text + ("\n" if row_sep == "\n" else "")).encode("utf-8")


def _check_readable(text: str, package: Package, term_sep: str, row_sep: str) -> None:
    """Quizlet text has no quoting: refuse to write what would not read back the same.

    Checking the joined text (not each field) also catches separators formed
    across a boundary, e.g. a term ending in ':' before the separator '::'.
    """
    rows = text.split(row_sep) if package.notes else []
    aligned = len(rows) == len(package.notes)
    for number, note in enumerate(package.notes, start=1):
        row = rows[number - 1] if aligned else f"{note.front}{term_sep}{note.back}"
        if row_sep in row or row.partition(term_sep)[::2] != (note.front, note.back):
            raise ValidationError(
                f"note {number} ({note.front[:30]!r}) contains a separator and cannot be "
                "written as Quizlet text",
                hint="pick other separators, or export as csv",
                cli_hint=_SEPARATOR_CLI_HINT,
            )
    if not aligned:  # a row separator formed across two notes
        raise ValidationError(
            "two notes run together as Quizlet text with these separators",
            hint="pick other separators with --separator/--row-separator, or export as csv",
        )
