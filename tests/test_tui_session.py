"""The session record behind the summary printed when `tokendeck study` ends (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tokendeck.domain.cards import CardState, Rating
from tokendeck.tui.session import Session, format_summary

START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_retention_counts_only_answers_to_review_cards() -> None:
    session = Session(started=START)
    session.record(1, Rating.AGAIN, CardState.NEW)  # learning: not part of retention
    session.record(2, Rating.AGAIN, CardState.REVIEW)
    session.record(3, Rating.HARD, CardState.REVIEW)
    session.record(4, Rating.GOOD, CardState.REVIEW)
    session.record(5, Rating.EASY, CardState.REVIEW)
    session.record(2, Rating.GOOD, CardState.RELEARNING)  # relearning step: not counted
    summary = session.summary(START + timedelta(minutes=3, seconds=7))
    assert summary.review_answers == 4
    assert summary.retention == 0.75
    assert (summary.answers, summary.cards) == (6, 5)
    assert summary.ratings == {Rating.AGAIN: 2, Rating.HARD: 1, Rating.GOOD: 2, Rating.EASY: 1}
    assert format_summary(summary).splitlines() == [
        "Studied 5 cards (6 answers) in 3m 07s.",
        "Retention: 75% of 4 reviews",
        "Ratings:   again 2  hard 1  good 2  easy 1",
    ]


def test_take_back_forgets_only_the_newest_answer_of_that_card() -> None:
    session = Session(started=START)
    session.record(1, Rating.GOOD, CardState.NEW)
    session.record(2, Rating.GOOD, CardState.NEW)
    session.take_back(1)  # an older answer (or another session's): left alone
    assert session.summary(START).answers == 2
    session.take_back(2)
    assert [a.card_id for a in session.answers] == [1]


def test_an_empty_session_says_so() -> None:
    summary = Session(started=START).summary(START + timedelta(seconds=5))
    assert summary.retention is None
    assert format_summary(summary) == "No cards studied this session."


def test_long_sessions_read_in_hours_and_a_clock_going_back_is_zero() -> None:
    session = Session(started=START)
    session.record(1, Rating.GOOD, CardState.NEW)
    hours = format_summary(session.summary(START + timedelta(hours=1, minutes=2, seconds=9)))
    assert "in 1h 02m." in hours
    assert session.summary(START - timedelta(seconds=30)).elapsed == timedelta(0)
    assert "Retention: - (no review cards answered yet)" in format_summary(session.summary(START))
