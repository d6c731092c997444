"""Reading a CSV of answers to grade in bulk (``tokendeck grade --batch``).

Columns ``reference_answer`` and ``student_answer`` are required; an
optional ``question`` column gives what was asked (the grader discounts words
the question gives away); any other column (``label``, ``category``,
``card`` ...) is carried along. Problems are reported as
:class:`ImportFormatError` naming the file and the line.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokendeck.errors import ImportFormatError

REQUIRED = ("reference_answer", "student_answer")
QUESTION = "question"


def require_columns(
    header: Sequence[str] | None, required: Sequence[str], *, path: Path, hint: str
) -> None:
    """Refuse a CSV whose header lacks any of ``required``, naming them and what was found."""
    found = list(header or [])
    missing = [name for name in required if name not in found]
    if missing:
        raise ImportFormatError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(found) or 'none'}",
            path=str(path),
            line=1,
            hint=hint,
        )


@dataclass(frozen=True)
class BatchRow:
    """One answer to grade, with the line it starts on."""

    line: int
    reference: str
    answer: str
    extra: dict[str, str]
    question: str = ""


def read_batch(path: Path) -> list[BatchRow]:
    """All rows of ``path``; raises ImportFormatError for a missing or malformed file."""
    text = _read_text(path)
    reader = csv.DictReader(text.splitlines(keepends=True))
    require_columns(
        reader.fieldnames,
        REQUIRED,
        path=path,
        hint="the first line must be a header naming reference_answer and student_answer",
    )
    rows: list[BatchRow] = []
    line = 2  # the header is line 1
    for record in reader:
        rows.append(_row(record, path, line))
        line = reader.line_num + 1
    return rows


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(
            f"cannot read the file ({exc.strerror or exc})",
            path=str(path),
            hint="check the path, e.g. tokendeck grade --batch answers.csv",
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFormatError(
            "is not UTF-8 text", path=str(path), line=line, hint="save the CSV as UTF-8"
        ) from None


def _row(record: dict[str | None, str | None], path: Path, line: int) -> BatchRow:
    if None in record:  # more cells than header columns
        raise ImportFormatError(
            "has more cells than the header has columns",
            path=str(path),
            line=line,
            hint="quote answers that contain commas",
        )
    values = {str(k): v for k, v in record.items()}
    for name in REQUIRED:
        if values.get(name) is None:
            raise ImportFormatError(
                f"has no {name} cell", path=str(path), line=line, hint="every row needs both cells"
            )
    extra = {k: v or "" for k, v in values.items() if k not in (*REQUIRED, QUESTION)}
    return BatchRow(
        line,
        values["reference_answer"] or "",
        values["student_answer"] or "",
        extra,
        question=values.get(QUESTION) or "",
    )
