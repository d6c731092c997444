"""Shared output helpers: JSON shapes and plain text tables for the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

from tokendeck.domain.cards import CardView
from tokendeck.domain.reviews import Review


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 in UTC, or None."""
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def card_dict(view: CardView, *, rendered: bool = False) -> dict[str, Any]:
    """The public JSON shape of a card; ``rendered`` adds what the study page shows.

    The rendered keys are a contract (scripts check decks with them): ``note_guid``,
    ``ord`` (Anki's card ordinal: the template index, or the cloze number - 1),
    ``question_html`` and ``answer_html`` (the HTML the study page shows before
    maths is typeset), plus ``format`` and the ``macros`` KaTeX is given.
    """
    data = _card_fields(view)
    if rendered:
        face = view.face
        data.update(
            note_guid=view.note.guid,
            ord=view.card.ordinal,
            format=face.format,
            question_html=face.question_html,
            answer_html=face.answer_html,
            macros=dict(face.macros),
        )
    return data


def _card_fields(view: CardView) -> dict[str, Any]:
    card, note = view.card, view.note
    return {
        "id": card.id,
        "note_id": note.id,
        "guid": note.guid,
        "deck": view.deck_name,
        "front": view.front,
        "back": view.back,
        "tags": list(note.tags),
        "accepted": list(note.accepted),
        "state": card.state.label,
        "due": iso(card.due),
        "stability": card.stability,
        "difficulty": card.difficulty,
        "last_review": iso(card.last_review),
        "reps": card.reps,
        "lapses": card.lapses,
        "suspended": card.suspended,
        "source": note.source,
        "source_note": note.source_note,
    }


def review_dict(review: Review) -> dict[str, Any]:
    """The public JSON shape of a review-log entry."""
    return {
        "id": review.id,
        "card_id": review.card_id,
        "reviewed_at": iso(review.reviewed_at),
        "rating": review.rating,
        "duration_ms": review.duration_ms,
        "kind": review.kind,
        "state_before": review.state_before.label,
        "state_after": review.state_after.label,
        "scheduled_days": review.scheduled_days,
        "elapsed_days": review.elapsed_days,
        "stability": review.stability,
        "difficulty": review.difficulty,
    }


def echo_json(data: Any) -> None:
    """Print data as indented JSON."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table with aligned columns (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [
        ["" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [
        all(_is_number(r[i]) for r in cells[1:]) and len(cells) > 1 for i in range(len(headers))
    ]

    def line(row: list[str]) -> str:
        parts = [
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def _is_number(text: str) -> bool:
    return text.replace(".", "", 1).replace("%", "").replace("-", "", 1).isdigit() or text == ""


def shorten(text: str, width: int = 50) -> str:
    """First line of ``text``, cut to ``width`` characters."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= width else first[: width - 1] + "…"
