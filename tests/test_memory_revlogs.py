"""Reading review logs: the FSRS CSV, Anki's revlog export, and scoring samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.domain.days import Calendar
from tokendeck.errors import ImportFormatError
from tokendeck.memory.histories import card_histories, samples
from tokendeck.memory.revlogs import parse, read

DATA = Path(__file__).parent / "data" / "review-logs" / "anki-user-12k-reviews.csv"


def test_real_csv_loads_all_reviews_with_its_offset() -> None:
    log = read(DATA)
    assert len(log.reviews) == 12580
    assert log.card_count == 1205
    assert log.utc_offset == timedelta(0)
    assert all(
        a.reviewed_at <= b.reviewed_at for a, b in zip(log.reviews, log.reviews[1:], strict=False)
    )


def test_fsrs_csv_keeps_the_stated_offset_and_stores_utc() -> None:
    log = parse(
        "card_id,review_rating,review_time,review_duration\n7,3,2024-05-01T21:00:00+02:00,1500\n"
    )
    assert log.utc_offset == timedelta(hours=2)
    assert log.reviews[0].reviewed_at == datetime(2024, 5, 1, 19, 0, tzinfo=UTC)
    assert log.reviews[0].duration_ms == 1500


def test_fsrs_optimizer_revlog_with_epoch_times_and_columns_in_its_own_order() -> None:
    """The FSRS optimiser's revlog.csv: epoch milliseconds, a review_state, other order."""
    day = 86_400_000
    text = (
        "card_id,review_time,review_rating,review_state,review_duration\n"
        f"9,{1_700_000_000_000},3,0,4000\n"
        f"9,{1_700_000_000_000 + 3 * day},1,2,9000\n"
        f"9,{1_700_000_000_000 + 3 * day + 600_000},0,4,0\n"  # rating 0: manual, dropped
        f"9,{1_700_000_000_000 + 4 * day},3,3,5000\n"
    )
    log = parse(text)
    assert [r.rating for r in log.reviews] == [3, 1, 3]
    assert [r.kind for r in log.reviews] == ["learn", "review", "relearn"]
    assert log.reviews[0].reviewed_at == datetime.fromtimestamp(1_700_000_000, UTC)
    assert [r.duration_ms for r in log.reviews] == [4000, 9000, 5000]
    assert log.dropped_manual == 1 and log.utc_offset is None  # epoch times state no offset


def test_anki_revlog_drops_manual_entries_and_restarts_after_forget() -> None:
    day = 86_400_000
    text = (
        "id,cid,usn,ease,ivl,lastIvl,factor,time,type\n"
        f"{1 * day},5,0,3,-600,0,0,8000,0\n"  # learn, then forgotten below
        f"{2 * day},5,0,0,0,1,0,0,4\n"  # Forget: manual, ivl 0, factor 0
        f"{3 * day},5,0,1,-600,0,0,9000,0\n"
        f"{4 * day},5,0,0,10,1,2500,0,4\n"  # manual reschedule: dropped, history kept
        f"{5 * day},5,0,3,3,1,2500,7000,1\n"
    )
    log = parse(text)
    assert [r.rating for r in log.reviews] == [1, 3]
    assert [r.kind for r in log.reviews] == ["learn", "review"]
    assert log.dropped_manual == 2


def test_unknown_header_names_the_expected_columns() -> None:
    with pytest.raises(ImportFormatError, match="card_id,review_rating"):
        parse("a,b,c\n1,2,3\n", source="x.csv")


def test_bad_row_names_its_line() -> None:
    with pytest.raises(ImportFormatError, match="line 3"):
        parse(
            "card_id,review_rating,review_time,review_duration\n1,3,2024-05-01T10:00:00+00:00,1\n1,x,y,z\n"
        )


def test_samples_are_first_review_per_later_study_day_with_history() -> None:
    t0 = datetime(2024, 5, 1, 10, tzinfo=UTC)
    text = "card_id,review_rating,review_time,review_duration\n" + "".join(
        f"1,{rating},{(t0 + timedelta(hours=h)).isoformat()},1000\n"
        for rating, h in [(1, 0), (3, 0.1), (1, 24), (3, 24.2), (3, 72)]
    )
    found = samples(card_histories(parse(text).reviews, Calendar(UTC, 4)))
    assert [len(s.steps) for s in found] == [3, 5]  # same-day repeats only feed the history
    assert [s.recalled for s in found] == [0, 1]
    assert [s.target.delta_days for s in found] == [1, 2]
    assert [s.review_number for s in found] == [2, 3]
    assert [s.lapses for s in found] == [0, 1]  # the first-day Again is not a lapse


def test_a_reset_in_the_collection_restarts_the_cards_history(location: str | Path) -> None:
    from datetime import UTC, datetime, timedelta

    from tokendeck.collection import Collection
    from tokendeck.memory.revlogs import from_reviews

    start = datetime(2026, 11, 1, 12, tzinfo=UTC)
    with Collection.open(location, now=start, install_builtin=False) as col:
        note = col.add_note("D", "q", "a", now=start)
        card_id = col.cards_of_note(note.id)[0].id
        col.answer(card_id, "easy", now=start)
        col.reset([card_id], now=start + timedelta(days=1))
        col.answer(card_id, "good", now=start + timedelta(days=2))
        log = from_reviews(col.reviews())
    assert [r.rating for r in log.reviews] == [3]
    assert log.dropped_manual == 1
