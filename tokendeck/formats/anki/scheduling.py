"""Anki's card scheduling columns and review log, in TokenDeck's terms.

Anki keeps a card's due date in three encodings depending on its queue:
a position for new cards, epoch seconds for intraday learning, and a day
number counted from the collection's creation (``col.crt``) for reviews and
interday learning. Filtered decks keep the home deck and due date in
``odid``/``odue``. FSRS memory state, when Anki has it, is in the card's
``data`` JSON (``s`` stability, ``d`` difficulty, ``lrt`` last review).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tokendeck.transfer.package import CardRecord

_STATES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}
_KINDS = {0: "learn", 1: "review", 2: "relearn", 3: "filtered", 4: "manual", 5: "manual"}
#: The card's state when it was answered, by revlog type (Anki logs the type before).
_BEFORE = {"learn": "learning", "review": "review", "relearn": "relearning"}
_SUSPENDED = -1
_JSON = json.JSONDecoder()
_DAY = 86400
#: Due values above this are epoch seconds, not day numbers.
_EPOCH_THRESHOLD = 1_000_000_000


#: Times from a package are kept within [1970, 9000): Anki never writes others, and a
#: damaged card "due in the year 2,739,913" must not overflow date arithmetic later.
_LATEST_SECONDS = int(datetime(9000, 1, 1, tzinfo=UTC).timestamp())
#: Longest interval taken from a package, in days (Anki's own maximum is 36,500).
_MAX_DAYS = 1_000_000


def _instant(seconds: float) -> datetime:
    return datetime.fromtimestamp(min(max(seconds, 0), _LATEST_SECONDS), UTC)


def _positive(value: object) -> float | None:
    """A finite positive number from card data, else None (rebuilt by FSRS)."""
    if type(value) is float:  # the usual case, per card: NaN and infinity fail the test
        return value if 0 < value < math.inf else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number > 0:
            return number
    return None


Meaning = tuple[str, int, str | None, str | None]


def revlog_code(rtype: int, ease: int, ivl: int, factor: int) -> int:
    """The small int that decides a revlog row's meaning: type, ease, whether it
    scheduled days, whether factor is 0 (database.history_select is the same in SQL)."""
    return ((rtype * 16 + ease) * 2 + (ivl > 0)) * 2 + (factor == 0)


def revlog_meaning(code: int, *, v1: bool) -> Meaning:
    """``(kind, rating, state before, state after)`` of a :func:`revlog_code`.

    A manual entry with factor 0 is Anki's "Forget"/reset (the card went back
    to new); other manual entries are "Set due date" or FSRS rescheduling.
    ``v1`` collections gave learning cards three buttons (Again, Good, Easy),
    so there ease 2 and 3 mean Good and Easy (3 and 4 today).
    """
    reset, graduated = code & 1, (code >> 1) & 1
    rtype, ease = code >> 6, (code >> 2) & 15
    kind = _KINDS.get(rtype, "review")
    if ease == 0 or kind == "manual":
        return "manual", 0, None, "new" if reset and kind == "manual" else None
    if v1 and rtype in (0, 2) and ease in (2, 3):
        ease += 1
    # A failed review or relearning step leaves the card relearning.
    after = "review" if graduated else ("learning" if kind == "learn" else "relearning")
    return kind, ease, _BEFORE.get(kind), after


def card_record(
    row: tuple[int, ...],
    data: str,
    *,
    crt: int,
    deck: str | None,
    key: int,
    last_answer: Callable[[], float | None],
) -> CardRecord:
    """A card's scheduling columns as a card record whose history key is ``key``.

    ``row`` is ``(ord, type, queue, due, ivl, reps, lapses, odue, odid)``;
    ``last_answer`` gives the epoch seconds of the card's last answer in the
    review log (asked only when the card data lacks ``lrt``).
    """
    ordinal, ctype, queue, due, ivl, reps, lapses, odue, odid = row
    if odid and odue:  # in a filtered deck: the home schedule is in odue
        due = odue
    state = _STATES.get(ctype, "new")
    memory = _card_data(data)
    due_at = _due(state, due, crt)
    last = _last_review(memory, last_answer, state, due_at, ivl)
    stability, difficulty = memory.get("s"), memory.get("d")
    return CardRecord(
        ordinal=ordinal,
        deck=deck,
        state=state,
        due=due_at,
        stability=_positive(stability),
        difficulty=_positive(difficulty),
        last_review=last,
        reps=reps,
        lapses=lapses,
        suspended=queue == _SUSPENDED,
        key=key,
    )


def learning_step(left: int, step_count: int) -> int:
    """Index of the learning step a card is on, from Anki's ``left`` column.

    ``left % 1000`` is how many steps remain (the thousands count today's).
    """
    remaining = left % 1000
    if not step_count or not remaining:
        return 0
    return max(0, step_count - remaining)


def _card_data(data: str) -> dict[str, object]:
    if not data or data == "{}":
        return {}
    try:
        # raw_decode skips json.loads' two whitespace regexes: this runs per card.
        parsed = _JSON.raw_decode(data)[0]
    except (ValueError, RecursionError):
        return {}  # Anki itself treats unreadable card data as empty
    return parsed if isinstance(parsed, dict) else {}


def _due(state: str, due: int, crt: int) -> datetime | None:
    if state == "new":
        return None
    if due > _EPOCH_THRESHOLD:
        return _instant(due)
    return _instant(crt + due * _DAY)


def _last_review(
    memory: dict[str, object],
    last_answer: Callable[[], float | None],
    state: str,
    due_at: datetime | None,
    ivl: int,
) -> datetime | None:
    lrt = memory.get("lrt")
    if isinstance(lrt, int) and lrt > 0:
        return _instant(lrt)
    if state == "new":
        return None  # never studied, or reset ("Forget"): no review counts yet
    answered = last_answer()
    if answered is not None:
        return _instant(answered)
    if state == "review" and due_at is not None and ivl > 0:
        try:
            return due_at - timedelta(days=min(ivl, _MAX_DAYS))
        except OverflowError:  # before the year 1: the card's columns make no sense
            return None
    return None
