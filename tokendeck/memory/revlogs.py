"""Review logs: read from a file or from the collection, in one neutral shape.

Two file formats are understood, told apart by their header row:

* the open FSRS CSV: columns ``card_id, review_rating, review_time`` and optionally
  ``review_duration`` and ``review_state``, by name in any order (``review_time``
  is ISO-8601 with a UTC offset, or epoch milliseconds or seconds as the FSRS
  optimiser's ``revlog.csv`` has it);
* Anki's ``revlog`` table exported as CSV: ``id, cid, usn, ease, ivl, lastIvl,
  factor, time, type`` (``id`` is the review time in epoch milliseconds).

Manual reschedules are dropped, and a card's history restarts after a reset
("Forget"), as Anki's own optimiser does: both are decisions, not memories.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from tokendeck.domain.cards import CardState
from tokendeck.errors import ImportFormatError

FSRS_CSV_COLUMNS = ("card_id", "review_rating", "review_time", "review_duration")
#: The columns an FSRS CSV must have (any order; review_duration and review_state optional).
FSRS_REQUIRED = frozenset(FSRS_CSV_COLUMNS[:3])
#: FSRS CSV ``review_state`` -> our review kind (0 new is a first answer: learn).
FSRS_KINDS = {0: "learn", 1: "learn", 2: "review", 3: "relearn"}
ANKI_REVLOG_COLUMNS = ("id", "cid", "usn", "ease", "ivl", "lastIvl", "factor", "time", "type")

#: Anki revlog ``type`` -> our review kind.
ANKI_KINDS = {0: "learn", 1: "review", 2: "relearn", 3: "filtered", 4: "manual", 5: "manual"}


@dataclass(frozen=True, slots=True)
class LoggedReview:
    """One answer from a review log, as the memory model needs it."""

    card_id: int
    reviewed_at: datetime  # timezone-aware UTC
    rating: int  # 1 Again .. 4 Easy
    duration_ms: int = 0
    kind: str = "review"


@dataclass
class ReviewLog:
    """The usable reviews of a log, in time order, and what was left out."""

    reviews: list[LoggedReview] = field(default_factory=list)
    #: The log's own UTC offset (from its timestamps), when it states one.
    utc_offset: timedelta | None = None
    source: str = ""
    dropped_manual: int = 0

    @property
    def card_count(self) -> int:
        """How many distinct cards have reviews."""
        return len({r.card_id for r in self.reviews})


def read(path: Path) -> ReviewLog:
    """Read a review-log CSV file, detecting its format from the header."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFormatError(
            f"cannot read the review log ({exc.strerror})",
            path=str(path),
            hint="check the path and that the file is readable",
        ) from None
    return parse(text, source=str(path))


def parse(text: str, *, source: str = "input") -> ReviewLog:
    """Parse review-log CSV text (either supported format)."""
    rows = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(rows, [])]
    if FSRS_REQUIRED.issubset(header):
        return _from_fsrs_csv(rows, {name: i for i, name in enumerate(header)}, source)
    if tuple(header[:9]) == ANKI_REVLOG_COLUMNS:
        return _from_anki_revlog(rows, source)
    raise ImportFormatError(
        f"unrecognised header {','.join(header)[:80]!r}",
        path=source,
        line=1,
        hint=f"expected the columns {','.join(FSRS_CSV_COLUMNS)} or Anki's revlog columns "
        f"{','.join(ANKI_REVLOG_COLUMNS)}",
    )


def from_reviews(reviews: Iterable[Any], *, source: str = "collection") -> ReviewLog:
    """Build a log from the collection's :class:`tokendeck.domain.reviews.Review` rows."""
    log = ReviewLog(source=source)
    by_card: dict[int, list[LoggedReview]] = {}
    for review in reviews:
        if review.kind == "manual" or not 1 <= review.rating <= 4:
            log.dropped_manual += 1
            if _is_reset(review):
                by_card.pop(review.card_id, None)
            continue
        row = LoggedReview(
            review.card_id,
            review.reviewed_at.astimezone(UTC),
            review.rating,
            review.duration_ms,
            review.kind,
        )
        by_card.setdefault(review.card_id, []).append(row)
    log.reviews = _in_time_order(by_card.values())
    return log


def from_rows(
    rows: Iterable[tuple[int, int, int, int]], *, source: str = "collection"
) -> ReviewLog:
    """Build a log from the collection's lean history rows (``Collection.review_rows``).

    Rows are (card id, epoch ms, rating or 0 for a reset, duration ms) in log order.
    """
    log = ReviewLog(source=source)
    by_card: dict[int, list[LoggedReview]] = {}
    for card_id, ms, rating, duration in sorted(rows, key=itemgetter(1)):  # stable: log order
        if rating == 0:
            by_card.pop(card_id, None)
            continue
        at = datetime.fromtimestamp(ms / 1000, UTC)
        by_card.setdefault(card_id, []).append(LoggedReview(card_id, at, rating, duration))
    log.reviews = _in_time_order(by_card.values())
    return log


def _is_reset(review: Any) -> bool:
    """A manual entry that left the card new: a reset or Anki's Forget."""
    state_after = getattr(review, "state_after", None)
    if isinstance(state_after, CardState):
        return state_after == CardState.NEW
    return str(state_after).lower() == "new"


def _from_fsrs_csv(rows: Iterator[list[str]], columns: dict[str, int], source: str) -> ReviewLog:
    log = ReviewLog(source=source)
    found: list[LoggedReview] = []
    card_at, rating_at, time_at = (columns[c] for c in FSRS_CSV_COLUMNS[:3])
    duration_at, state_at = columns.get("review_duration"), columns.get("review_state")
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        try:
            card_id, rating = int(row[card_at]), int(float(row[rating_at]))
            at = _review_time(row[time_at])
            duration = _number(row, duration_at)
            state = _number(row, state_at, default=2)
        except (ValueError, IndexError, OverflowError, OSError):
            raise _bad_row(
                source, line, "expected card_id, rating 1-4, ISO or epoch time, duration ms"
            ) from None
        if at.tzinfo is None:
            raise _bad_row(source, line, "review_time has no UTC offset; add one such as +00:00")
        if log.utc_offset is None and not row[time_at].strip().isdigit():
            log.utc_offset = at.utcoffset()
        if not 1 <= rating <= 4:  # rating 0: a manual reschedule
            log.dropped_manual += 1
            continue
        kind = FSRS_KINDS.get(state, "review")
        found.append(LoggedReview(card_id, at.astimezone(UTC), rating, duration, kind))
    log.reviews = _in_time_order([found])
    return log


def _review_time(text: str) -> datetime:
    """ISO-8601, or epoch milliseconds (FSRS's revlog.csv) or seconds, as UTC."""
    text = text.strip()
    if text.isdigit():
        value = int(text)
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _number(row: list[str], at: int | None, *, default: int = 0) -> int:
    if at is None or at >= len(row) or not row[at].strip():
        return default
    return int(float(row[at]))


def _from_anki_revlog(rows: Iterator[list[str]], source: str) -> ReviewLog:
    log = ReviewLog(source=source)
    by_card: dict[int, list[LoggedReview]] = {}
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        try:
            ms, cid, ease, ivl, factor, time_ms, kind = (
                int(float(row[i])) for i in (0, 1, 3, 4, 6, 7, 8)
            )
        except (ValueError, IndexError):
            raise _bad_row(source, line, "expected nine numeric revlog columns") from None
        if kind in (4, 5) or ease == 0:
            log.dropped_manual += 1
            if ivl == 0 and factor == 0:  # "Forget": the card starts again as new
                by_card.pop(cid, None)
            continue
        at = datetime.fromtimestamp(ms / 1000, UTC)
        review = LoggedReview(cid, at, ease, time_ms, ANKI_KINDS.get(kind, "review"))
        by_card.setdefault(cid, []).append(review)
    log.reviews = _in_time_order(by_card.values())
    return log


def _in_time_order(groups: Iterable[list[LoggedReview]]) -> list[LoggedReview]:
    merged = [review for group in groups for review in group]
    merged.sort(key=lambda r: (r.reviewed_at, r.card_id))
    return merged


def _bad_row(source: str, line: int, why: str) -> ImportFormatError:
    return ImportFormatError(
        f"malformed review-log row ({why})",
        path=source,
        line=line,
        hint="fix or delete that row",
    )
