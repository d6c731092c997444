"""The pure parts of sync: the hybrid clock, the batch codec, the merge rules, the replay."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokendeck.domain.cards import Card, CardState
from tokendeck.domain.days import Calendar, zone
from tokendeck.domain.decks import DeckConfig
from tokendeck.errors import ValidationError
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.sync import clock, codec
from tokendeck.sync.merge import dump_stamps, merge_fields, parse_stamps, survives
from tokendeck.sync.model import Batch, columns
from tokendeck.sync.replay import Step, replay

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
HOUR_MS = 3_600_000


# -- the hybrid clock -----------------------------------------------------------------------------
def test_a_tick_is_after_everything_seen_and_not_before_its_own_time() -> None:
    last = clock.from_ms(1_000)
    assert clock.tick(last, 500) == last + 1  # the wall clock is behind: the counter moves
    assert clock.tick(last, 2_000) == clock.from_ms(2_000)
    assert clock.physical_ms(clock.tick(last, 2_000)) == 2_000


def test_an_edit_made_after_seeing_another_wins_whatever_the_wall_clocks_say() -> None:
    phone_edit = clock.tick(0, 10 * HOUR_MS)  # the phone's clock is right
    laptop = clock.observe(0, phone_edit)  # the laptop pulls the phone's edit
    laptop_edit = clock.tick(laptop, 7 * HOUR_MS)  # its clock runs three hours slow
    assert laptop_edit > phone_edit
    assert clock.skew_ms(phone_edit, 7 * HOUR_MS) == 3 * HOUR_MS


# -- the codec ------------------------------------------------------------------------------------
def _review_row(i: int) -> tuple[object, ...]:
    return (
        bytes([i % 256]) * 16,
        i % 7,
        1_700_000_000_000 + i,
        1 + i % 4,
        i * 3,
        ("learn", "review", "relearn")[i % 3],
        i % 4,
        (i + 1) % 4,
        0.5 * i,
        -1 if i % 5 == 0 else i,
        None if i % 3 == 0 else 1.5 * i,
        None if i % 3 == 0 else 5.0,
        None if i % 2 else '{"card": {"state": 2}}',
        None,
    )


def test_a_batch_survives_encoding_with_nulls_dictionaries_and_odd_text() -> None:
    batch = Batch(header={"phase": "cards", "cursor": 12})
    batch.add("reviews", [_review_row(i) for i in range(1000)])
    batch.add(
        "notes",
        [
            ("g1", "basic", "front\x00with nul", "b", " t ", "[]", "{}", "", "", None, "markdown",
             1, 2, "{}"),
            ("g2", "cloze", "日本語 {{c1::x}}", "", "", "[]", "{}", "s", "n", "t1", "html", 3, 4,
             '{"a":5}'),
        ],
    )  # fmt: skip
    batch.add(
        "note_types",
        [("t1", "Maths", "standard", '["Front","Back"]', "[]", ".card{}", "", "", 1, 0, None, 5,
          "{}")],
    )  # fmt: skip
    batch.add("settings", [("timezone", '"UTC"', 0)])
    decoded = codec.decode(codec.encode(batch))
    assert decoded.header == batch.header
    assert decoded.rows("reviews") == batch.rows("reviews")
    assert decoded.rows("notes") == batch.rows("notes")
    assert decoded.rows("note_types") == batch.rows("note_types")
    assert decoded.rows("settings") == batch.rows("settings")
    assert decoded.rows("cards") == []


@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=20)),
            st.one_of(st.none(), st.integers(-(2**62), 2**62)),
        ),
        max_size=60,
    )
)
def test_any_text_and_integers_round_trip(rows: list[tuple[str | None, int | None]]) -> None:
    batch = Batch()
    batch.add("tombstones", [("note", key, deleted) for key, deleted in rows])
    assert codec.decode(codec.encode(batch)).rows("tombstones") == batch.rows("tombstones")


def test_a_damaged_or_foreign_body_is_refused_not_half_read() -> None:
    batch = Batch()
    batch.add("reviews", [_review_row(i) for i in range(50)])
    data = codec.encode(batch)
    with pytest.raises(ValidationError):
        codec.decode(b"{}")
    with pytest.raises(ValidationError):
        codec.decode(data[:-5])
    import zstandard

    body = zstandard.ZstdDecompressor().decompress(data[len(codec.MAGIC) :])
    with pytest.raises(ValidationError):
        codec.decode(codec.MAGIC + zstandard.ZstdCompressor().compress(body[:-3]))


def test_reviews_compress_to_a_fraction_of_their_rows() -> None:
    batch = Batch()
    batch.add("reviews", [_review_row(i) for i in range(10_000)])
    assert len(codec.encode(batch)) < 10_000 * 40
    assert columns("reviews")[0] == "uid"


# -- merge rules ----------------------------------------------------------------------------------
FIELDS = ("front", "back", "tags")


def test_fields_merge_one_by_one_and_the_loser_is_returned() -> None:
    local = {"front": "hola", "back": "hello", "tags": "a"}
    incoming = {"front": "hola!", "back": "hi", "tags": "a"}
    merged = merge_fields(
        FIELDS, local, {"front": 5, "back": 1}, incoming, {"front": 3, "back": 9},
        incoming_wins_ties=False,
    )  # fmt: skip
    assert merged.values == {"front": "hola", "back": "hi", "tags": "a"}
    assert merged.stamps == {"front": 5, "back": 9, "tags": 0}
    assert merged.changed == ["back"]
    assert merged.kept == ["front"]
    assert sorted(merged.lost) == [("back", "hello", 1), ("front", "hola!", 3)]


def test_ties_go_to_the_server_on_both_sides() -> None:
    local = {"front": "mine", "back": "", "tags": ""}
    incoming = {"front": "theirs", "back": "", "tags": ""}
    on_server = merge_fields(FIELDS, local, {}, incoming, {}, incoming_wins_ties=False)
    on_client = merge_fields(FIELDS, local, {}, incoming, {}, incoming_wins_ties=True)
    assert on_server.values["front"] == "mine" and on_client.values["front"] == "theirs"


def test_a_deletion_takes_rows_created_before_it_and_spares_later_ones() -> None:
    deleted = clock.tick(clock.from_ms(5_000), 5_000)
    assert not survives(4_000, deleted)
    assert not survives(5_000, deleted)
    assert survives(6_000, deleted)
    assert survives(1, None)


def test_stamps_round_trip_without_zeros() -> None:
    assert parse_stamps(dump_stamps({"b": 2, "a": 0, "c": 7})) == {"b": 2, "c": 7}
    assert dump_stamps({}) == "{}" and parse_stamps(None) == {}


# -- replay ---------------------------------------------------------------------------------------
def _scheduler() -> Scheduler:
    return Scheduler(DeckConfig(), Calendar(zone("UTC"), 4), fuzz_seed=0)


def _new_card(card_id: int) -> Card:
    return Card(card_id, 1, 1, 1, 0, CardState.NEW, NOW)


def _steps(seed: int, n: int) -> list[Step]:
    rng = random.Random(seed)
    at, steps = NOW, []
    for _ in range(n):
        at += timedelta(hours=rng.choice((0.2, 5, 30, 200)))
        steps.append(Step(rng.randbytes(16), at, rng.choice((1, 3, 3, 3, 4, 2))))
    return steps


def test_a_replay_is_the_same_in_any_input_order_and_for_any_local_id() -> None:
    steps = _steps(1, 12)
    first = replay(_new_card(7), steps, _scheduler(), key="guid:0").card
    shuffled = list(reversed(steps))
    second = replay(_new_card(99_999), shuffled, _scheduler(), key="guid:0").card
    assert (first.due, first.stability, first.reps) == (second.due, second.stability, second.reps)
    assert first.reps == 12


def test_a_replay_that_meets_a_reset_starts_the_card_over() -> None:
    steps = _steps(2, 4)
    reset = Step(b"\xff" * 16, steps[-1].at + timedelta(hours=1), 0)
    after = replay(_new_card(1), [*steps, reset], _scheduler(), key="g:0")
    assert after.card.state == CardState.NEW and after.card.reps == 0
    assert [uid for uid, _ in after.before][-1] == reset.uid
