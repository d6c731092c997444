"""CSV, TSV and Anki's text format: one note per row.

Reads what Anki's "Notes in Plain Text" export writes and what a spreadsheet
saves: optional ``#key:value`` header lines (``#separator:``, ``#html:``,
``#columns:``, ``#deck:``, ``#tags:``, ``#notetype:``, and ``#guid column:``,
``#deck column:``, ``#tags column:``, ``#notetype column:`` with 1-based
column numbers), then rows in CSV quoting (fields in double quotes may hold
the separator, quotes doubled, and newlines). Without a ``#separator:`` line
the separator is sniffed; a first row like ``Front,Back`` is taken as a header.
Field text is kept exactly as written (HTML included; display sanitises it).

A note type named in the file that is not one of Anki's stock ones (a deck's
own "Basic+") is kept: its notes keep every field, and the note type is made
up from the columns (:attr:`NoteTypeRecord.inferred`), so the import uses the
collection's note type of that name if it has one, or creates it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, count
from operator import methodcaller

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats import csvtypes
from tokendeck.formats.options import ReadOptions, WriteOptions, decode_text
from tokendeck.transfer.collector import collector_paused
from tokendeck.transfer.package import NoteRecord, NoteTypeRecord, Package

#: Anki's names for ``#separator:``, and the literal characters also accepted.
SEPARATOR_NAMES = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "colon": ":",
    "space": " ",
}
#: Sniffing order: earlier wins a tie (tab is the least likely inside text).
_SNIFF_ORDER = ("\t", "|", ";", ",", ":")

#: Anki's stock note type names (lower-case) and our kind names -> kind.
NOTETYPES = {
    "basic": "basic",
    "basic (and reversed card)": "basic_reversed",
    "basic (optional reversed card)": "basic_reversed",
    "basic (type in the answer)": "type_in",
    "cloze": "cloze",
    "basic_reversed": "basic_reversed",
    "type_in": "type_in",
}
#: What we write in the notetype column for each kind (Anki's names).
_ANKI_NOTETYPE = {
    "basic": "Basic",
    "basic_reversed": "Basic (and reversed card)",
    "type_in": "Basic (type in the answer)",
    "cloze": "Cloze",
}

#: Column names recognised in a header row or ``#columns:`` -> role.
COLUMN_ROLES = {
    "front": "front",
    "term": "front",
    "question": "front",
    "text": "front",
    "word": "front",
    "back": "back",
    "definition": "back",
    "answer": "back",
    "meaning": "back",
    "back extra": "back",
    "extra": "back",
    "tags": "tags",
    "deck": "deck",
    "guid": "guid",
    "notetype": "notetype",
    "note type": "notetype",
}
_ROLE_HEADERS = ("guid", "deck", "tags", "notetype")
_SAMPLE_ROWS = 200


@dataclass
class _Layout:
    """What the header lines say about the rows below them."""

    separator: str | None = None
    #: The ``#columns:`` value, split once the separator is known.
    columns: str | None = None
    deck: str | None = None
    notetype: str | None = None
    tags: list[str] = field(default_factory=list)
    #: ``#html:false``: the fields are plain text.
    html: bool = True
    #: role -> 0-based column index, from ``#<role> column:`` lines.
    role_columns: dict[str, int] = field(default_factory=dict)


def read(data: bytes, *, source: str, options: ReadOptions | None = None) -> Package:
    """Parse a CSV/TSV/Anki text file into a :class:`Package` of notes."""
    options = options or ReadOptions()
    text = decode_text(data, source=source)
    if not text.strip():
        raise ImportFormatError("the file is empty", path=source, hint="add one note per line")
    lines = _lines(text)
    layout, first = _read_headers(lines, source)
    try:
        separator = options.separator or layout.separator or _sniff(lines[first:], source)
        _check_separator(separator, source)
        layout.separator = separator
        with collector_paused():  # 100,000 records and notes, none of them garbage
            return _notes_from_rows(_records(lines, first, separator), layout, options, source)
    except csv.Error as exc:
        raise _csv_error(exc, lines, source) from None


def _csv_error(exc: csv.Error, lines: list[str], source: str) -> ImportFormatError:
    """The csv module's complaint (a field over its size limit, say), with the line."""
    limit = csv.field_size_limit()
    long_line = next((n for n, line in enumerate(lines, 1) if len(line) > limit), None)
    if "field larger than field limit" in str(exc):
        return ImportFormatError(
            f"a field is longer than {limit:,} characters",
            path=source,
            line=long_line,
            hint="shorten it, or check for a quote that is never closed",
        )
    return ImportFormatError(
        f"the rows cannot be read as CSV ({exc})",
        path=source,
        line=long_line,
        hint="check the quoting, or set '#separator:'",
    )


#: Line breaks of ``str.splitlines`` that the csv module does not break at.
_OTHER_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _lines(text: str) -> list[str]:
    """The lines of the file, ends kept, broken at \\n, \\r and \\r\\n only (as csv reads)."""
    if any(mark in text for mark in _OTHER_BREAKS):
        return io.StringIO(text, newline="").readlines()
    return text.splitlines(keepends=True)  # the same lines in a third of the time


def _read_headers(lines: list[str], source: str) -> tuple[_Layout, int]:
    """Parse the ``#key:value`` lines at the top; return them and the first data line."""
    layout = _Layout()
    index = 0
    while index < len(lines) and (lines[index].startswith("#") or not lines[index].strip()):
        line = lines[index].rstrip("\r\n")
        if ":" in line:
            key, value = line[1:].split(":", 1)
            _apply_header(layout, key.strip().lower(), value, source, index + 1)
        index += 1
    return layout, index


def _apply_header(layout: _Layout, key: str, value: str, source: str, line: int) -> None:
    if key == "separator":
        layout.separator = SEPARATOR_NAMES.get(value.strip().lower(), value)
    elif key == "columns":
        layout.columns = value.rstrip("\r\n")
    elif key == "deck":
        layout.deck = value.strip()
    elif key == "notetype":
        layout.notetype = value.strip()
    elif key == "tags":
        layout.tags = value.split()
    elif key.endswith(" column") and key[: -len(" column")] in _ROLE_HEADERS:
        layout.role_columns[key[: -len(" column")]] = _column_number(value, source, line)
    elif key == "html":
        layout.html = value.strip().lower() != "false"
    # Other keys (#if matches:, comments) do not change how we read.


def _column_number(value: str, source: str, line: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ImportFormatError(
            f"column number {value.strip()!r} is not a positive whole number",
            path=source,
            line=line,
            hint="columns are counted from 1, e.g. '#tags column:3'",
        )
    return number - 1


def _check_separator(separator: str, source: str) -> None:
    if len(separator) != 1 or separator in '"\r\n':
        raise ImportFormatError(
            f"separator {separator!r} cannot be used",
            path=source,
            hint="use one character such as tab, comma or semicolon ('#separator:tab')",
        )


def _sniff(lines: list[str], source: str) -> str:
    """Pick the separator that splits the first rows into the most consistent columns."""
    sample = [ln for ln in lines[: _SAMPLE_ROWS * 2] if ln.strip() and not ln.startswith("#")]
    best: tuple[float, int] | None = None
    choice = None
    for order, candidate in enumerate(_SNIFF_ORDER):
        counts = Counter(len(r) for r in csv.reader(sample, delimiter=candidate) if r)
        if not counts:
            continue
        width, hits = counts.most_common(1)[0]
        score = (hits / sum(counts.values()), -order)
        if width >= 2 and (best is None or score > best):
            best, choice = score, candidate
    if choice is None:
        raise ImportFormatError(
            "cannot tell front from back: no line has a tab, comma, semicolon or '|' in it",
            path=source,
            hint="put a tab between front and back, add a '#separator:' line, "
            "or import it with --format rawnotes",
        )
    return choice


def _records(lines: list[str], first: int, separator: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the file line each starts on; ``#`` lines between rows are comments."""
    body = lines[first:]
    if any(map(methodcaller("startswith", "#"), body)):
        return _records_with_comments(lines, first, separator)
    records = list(csv.reader(body, delimiter=separator, strict=False))
    if len(records) != len(body):
        # A quoted field spans lines: the reader's own line count gives the line numbers.
        return _records_spanning_lines(body, first, separator)
    # One record per line (the usual file): record i starts on line i, no counting needed.
    if [] in records or [""] in records:  # blank lines
        return ((n, r) for n, r in enumerate(records, first + 1) if r and r != [""])
    return zip(count(first + 1), records)


def _records_spanning_lines(
    body: list[str], first: int, separator: str
) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(body, delimiter=separator, strict=False)
    consumed = 0
    for record in reader:
        start, consumed = first + consumed + 1, reader.line_num
        if record and record != [""]:
            yield start, record


def _records_with_comments(
    lines: list[str], first: int, separator: str
) -> Iterator[tuple[int, list[str]]]:
    numbers: list[int] = []

    def physical() -> Iterator[str]:
        inside_quotes = False
        for number in range(first, len(lines)):
            line = lines[number]
            if not inside_quotes and line.startswith("#"):
                continue
            inside_quotes ^= line.count('"') % 2 == 1
            numbers.append(number + 1)
            yield line

    reader = csv.reader(physical(), delimiter=separator, strict=False)
    consumed = 0
    for record in reader:
        start = numbers[consumed]
        consumed = reader.line_num
        if record and record != [""]:
            yield start, record


@dataclass
class _Columns:
    """Which column holds what, once the first row has been seen."""

    width: int
    front: int
    back: list[int]
    roles: dict[str, int]
    names: list[str]


def _notes_from_rows(
    rows: Iterator[tuple[int, list[str]]], layout: _Layout, options: ReadOptions, source: str
) -> Package:
    package = Package(source=source)
    rows = iter(rows)
    for line, record in rows:  # the first record decides the columns
        columns, is_header = _layout_columns(record, layout, source, line)
        if not is_header:
            rows = chain([(line, record)], rows)
        break
    else:
        raise ImportFormatError("the file has no notes, only headers", path=source)
    defaults = _defaults(layout, options, source, line)
    make = _note_maker(columns, defaults, source)
    # One pass per row of a 100,000-row file: locals only.
    width, front, append = columns.width, columns.front, package.notes.append
    for line, record in rows:
        # Trailing empty cells are harmless (spreadsheets pad rows); anything else is not.
        if len(record) != width and _bad_width(record, width):
            raise ImportFormatError(
                f"expected {width} columns, found {len(record)}",
                path=source,
                line=line,
                hint="quote fields that contain the separator, or set '#separator:'",
            )
        if record[front].strip():
            append(make(record, line))
        else:
            package.warnings.append(f"{source}, line {line}: skipped a row with an empty front")
    package.note_types = list(defaults.types.values())
    return package


def _bad_width(record: list[str], width: int) -> bool:
    return len(record) < width or any(record[width:])


def _layout_columns(
    record: list[str], layout: _Layout, source: str, line: int
) -> tuple[_Columns, bool]:
    """Work out the columns from ``#columns:``, a header row, or the first row's width."""
    names = layout.columns.split(layout.separator or "\t") if layout.columns else None
    is_header = False
    if names is None and _looks_like_header(record):
        names, is_header = record, True
    roles: dict[str, int] = {}
    for index, name in enumerate(names or []):
        role = COLUMN_ROLES.get(name.strip().lower())
        if role in _ROLE_HEADERS and role not in roles:
            roles[role] = index
    roles.update(layout.role_columns)
    width = len(names) if names else len(record)
    field_columns = [i for i in range(width) if i not in roles.values()]
    # A column named like a front (Front, Term, Question) is the front wherever it stands.
    field_columns.sort(
        key=lambda i: not names or COLUMN_ROLES.get(names[i].strip().lower()) != "front"
    )
    if not field_columns:
        raise ImportFormatError("no column is left for the note text", path=source, line=line)
    labels = [n.strip() for n in names] if names else [f"Field {i + 1}" for i in range(width)]
    cols = _Columns(width, field_columns[0], field_columns[1:], roles, labels)
    return cols, is_header


def _looks_like_header(record: list[str]) -> bool:
    """A first row of distinct column names, one of them for the front (``Term,Definition``)."""
    names = [c.strip().lower() for c in record]
    return (
        len(names) > 1
        and len(set(names)) == len(names)
        and all(n in COLUMN_ROLES for n in names)
        and any(COLUMN_ROLES[n] == "front" for n in names)
    )


@dataclass
class _Defaults:
    """What every row gets unless its own columns say otherwise (worked out once per file)."""

    deck: str
    kind: str
    header_tags: list[str]
    option_tags: list[str]
    #: A note type of the user's own named by ``#notetype:`` (not a stock one), if any.
    notetype: str | None = None
    #: Whether field text is HTML (``#html:true``; Anki's default).
    html: bool = True
    #: The note types of the user's own that rows name, made up from the columns.
    types: dict[str, NoteTypeRecord] = field(default_factory=dict)


def _defaults(layout: _Layout, options: ReadOptions, source: str, line: int) -> _Defaults:
    own = _own_notetype(layout.notetype)
    return _Defaults(
        deck=layout.deck or options.deck or "Default",
        kind="basic" if own else _kind(layout.notetype, source, line),
        header_tags=list(layout.tags),
        option_tags=list(options.tags),
        notetype=own,
        html=layout.html,
    )


def _own_notetype(name: str | None) -> str | None:
    """``name`` if it names a note type of the user's own rather than a stock one."""
    if not name or not name.strip():
        return None
    return None if name.strip().lower() in NOTETYPES else name.strip()


def _note_maker(
    columns: _Columns, defaults: _Defaults, source: str
) -> Callable[[list[str], int], NoteRecord]:
    """The function that turns one row into a note, specialised once per file."""
    if columns.roles or len(columns.back) != 1 or defaults.notetype:
        return lambda record, line: _note(record, columns, defaults, source, line)
    # The common file (front and back, nothing per row): no per-row lookups at all.
    front, back, deck, kind = columns.front, columns.back[0], defaults.deck, defaults.kind
    tags = list(dict.fromkeys([*defaults.header_tags, *defaults.option_tags]))
    # Every field given in order: a third cheaper than keywords and default factories.
    return lambda record, line: NoteRecord(
        record[front], record[back], deck, kind, None, tags[:], {}, [], source, "", [], line
    )


def _note(
    record: list[str], columns: _Columns, defaults: _Defaults, source: str, line: int
) -> NoteRecord:
    roles, width = columns.roles, len(record)
    index = roles.get("tags")
    row_tags = record[index].split() if index is not None and index < width else []
    tags = [*defaults.header_tags, *row_tags, *defaults.option_tags]
    index = roles.get("deck")
    deck = record[index].strip() if index is not None and index < width else ""
    index = roles.get("notetype")
    notetype = record[index] if index is not None and index < width else ""
    index = roles.get("guid")
    guid = record[index].strip() if index is not None and index < width else ""
    own = _own_notetype(notetype) if notetype else defaults.notetype
    if own:
        return _own_type_note(record, columns, defaults, own, source, line, tags, deck, guid)
    backs = columns.back
    note = NoteRecord(
        front=record[columns.front],
        back=record[backs[0]]
        if len(backs) == 1
        else "\n".join(record[i] for i in backs if record[i]),
        deck=deck or defaults.deck,
        kind=_kind(notetype, source, line) if notetype else defaults.kind,
        guid=guid or None,
        tags=list(dict.fromkeys(tags)) if len(tags) > 1 else tags,
        source=source,
        line=line,
    )
    if len(backs) > 1:
        note.fields = {columns.names[i]: record[i] for i in (columns.front, *backs)}
    return note


def _own_type_note(
    record: list[str],
    columns: _Columns,
    defaults: _Defaults,
    name: str,
    source: str,
    line: int,
    tags: list[str],
    deck: str,
    guid: str,
) -> NoteRecord:
    """A note of a note type of the deck's own (see :mod:`tokendeck.formats.csvtypes`)."""
    indexes = [columns.front, *columns.back]
    values = [record[i] if i < len(record) else "" for i in indexes]
    named = columns.names != [f"Field {i + 1}" for i in range(columns.width)]
    labels = [columns.names[i] for i in indexes] if named else None
    fields, note_type = csvtypes.fields_of(name, values, labels, defaults.types, defaults.html)
    texts = list(fields.values())
    return NoteRecord(
        front=texts[0] if texts else "",
        back="<br>".join(v for v in texts[1:] if v),
        deck=deck or defaults.deck,
        kind="cloze" if note_type.kind == "cloze" else "basic",
        guid=guid or None,
        tags=list(dict.fromkeys(tags)),
        fields=fields,
        source=source,
        line=line,
        note_type=name,
        format="html",
    )


def _kind(notetype: str | None, source: str, line: int) -> str:
    if not notetype:
        return "basic"
    kind = NOTETYPES.get(notetype.strip().lower())
    if kind is None:
        raise ImportFormatError(
            f"unknown note type {notetype.strip()!r}",
            path=source,
            line=line,
            hint="use Basic, 'Basic (and reversed card)', 'Basic (type in the answer)' or Cloze",
        )
    return kind


# --- writing -----------------------------------------------------------------


def write(package: Package, options: WriteOptions | None = None) -> bytes:
    """Write notes in Anki's text format (tab-separated with headers), as UTF-8."""
    separator = (options.separator if options else None) or "\t"
    separator = SEPARATOR_NAMES.get(separator.lower(), separator)
    if len(separator) != 1 or separator in '"\r\n#':
        raise ValidationError(
            f"separator {separator!r} cannot be used", hint="use tab, comma or semicolon"
        )
    name = next((k for k, v in SEPARATOR_NAMES.items() if v == separator), separator)
    header = [
        f"#separator:{name}",
        "#html:true",
        "#columns:" + separator.join(["GUID", "Notetype", "Deck", "Front", "Back", "Tags"]),
        "#guid column:1",
        "#notetype column:2",
        "#deck column:3",
        "#tags column:6",
    ]
    out = [line + "\n" for line in header]
    for note in package.notes:
        row = [
            note.guid or "",
            _ANKI_NOTETYPE.get(note.kind, "Basic"),
            note.deck,
            note.front,
            note.back,
            " ".join(note.tags),
        ]
        out.append(separator.join(_quote(f, separator) for f in row) + "\n")
    return "".join(out).encode("utf-8")


def _quote(value: str, separator: str) -> str:
    """Quote a field when the reader could otherwise split or skip it."""
    if (
        separator in value
        or '"' in value
        or "\n" in value
        or "\r" in value
        or value.startswith("#")
    ):
        return '"' + value.replace('"', '""') + '"'
    return value
