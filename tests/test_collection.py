"""The collection facade: adding, studying, limits, siblings, leeches, undo, bury, reset."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.domain.cards import CardState, Rating
from tokendeck.errors import ConflictError, NotFoundError, NothingToUndoError, ValidationError

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
TOMORROW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def add(col: Collection, n: int, deck: str = "Test", **kw: object) -> list[int]:
    ids = []
    for i in range(n):
        note = col.add_note(deck, f"front {i}", f"back {i}", now=NOW, **kw)  # type: ignore[arg-type]
        ids += [c.id for c in col.cards_of_note(note.id)]
    return ids


def test_add_and_show(col: Collection) -> None:
    note = col.add_note("Spanish", "perro", "dog", now=NOW, tags="animals pets", accepted=["hound"])
    view = col.card(col.cards_of_note(note.id)[0].id)
    assert (view.front, view.back, view.deck_name) == ("perro", "dog", "Spanish")
    assert view.note.tags == ("animals", "pets") and view.note.accepted == ("hound",)
    assert view.card.state == CardState.NEW


def test_reverse_note_has_two_cards_with_swapped_text(col: Collection) -> None:
    note = col.add_note("Spanish", "perro", "dog", now=NOW, reverse=True)
    cards = col.cards_of_note(note.id)
    assert [col.card(c.id).front for c in cards] == ["perro", "dog"]


def test_cloze_note_has_one_card_per_deletion(col: Collection) -> None:
    note = col.add_note(
        "X",
        "The Pile is {{c1::825 GiB}} made by {{c2::EleutherAI}}",
        "extra",
        now=NOW,
        kind="cloze",
    )
    views = [col.card(c.id) for c in col.cards_of_note(note.id)]
    assert [v.front for v in views] == [
        "The Pile is [...] made by EleutherAI",
        "The Pile is 825 GiB made by [...]",
    ]
    assert "**825 GiB**" in views[0].back


def test_empty_front_is_refused(col: Collection) -> None:
    with pytest.raises(ValidationError, match="front is empty"):
        col.add_note("X", "  ", "b", now=NOW)


def test_answer_logs_review_and_undo_restores(col: Collection) -> None:
    (card_id,) = add(col, 1)
    result = col.answer(card_id, Rating.GOOD, now=NOW, duration_ms=1234)
    assert result.card.state == CardState.LEARNING
    history = col.history(card_id)
    assert [(r.rating, r.duration_ms, r.kind) for r in history] == [(3, 1234, "learn")]
    restored = col.undo(NOW)
    assert restored.state == CardState.NEW and col.history(card_id) == []
    with pytest.raises(NothingToUndoError):
        col.undo(NOW)


def test_undo_has_several_levels(col: Collection) -> None:
    a, b = add(col, 2)
    col.answer(a, "good", now=NOW)
    col.answer(b, "easy", now=NOW)
    col.answer(a, "good", now=NOW + timedelta(minutes=11))
    assert col.undo(NOW).id == a
    assert col.undo(NOW).id == b
    assert col.card(a).card.state == CardState.LEARNING
    assert col.undo(NOW).id == a
    assert col.card(a).card.state == CardState.NEW


def test_next_day_scheduling(col: Collection) -> None:
    (card_id,) = add(col, 1)
    col.answer(card_id, "easy", now=NOW)
    assert col.next_card(NOW) is None
    due = col.card(card_id).card.due
    assert due.hour == 4 and due > NOW
    days_later = due + timedelta(hours=5)
    view = col.next_card(days_later)
    assert view is not None and view.id == card_id


def test_nothing_due_says_when_next(col: Collection) -> None:
    (card_id,) = add(col, 1)
    col.answer(card_id, "good", now=NOW)  # learning: due in 10 minutes
    assert col.next_card(NOW) is not None  # learn-ahead: nothing else to do
    col.answer(card_id, "good", now=NOW + timedelta(minutes=10))  # graduates
    assert col.next_card(NOW + timedelta(minutes=10)) is None
    assert col.next_due(NOW + timedelta(minutes=10)) == col.card(card_id).card.due


def test_new_card_daily_limit(col: Collection) -> None:
    add(col, 5)
    col.update_deck(col.deck("Test").id, now=NOW, new_per_day=2)
    assert col.queue_counts(NOW).new == 2
    first = col.next_card(NOW)
    assert first is not None
    col.answer(first.id, "easy", now=NOW)
    assert col.queue_counts(NOW).new == 1
    # a fresh process sees the same limit (counts come from the review log)
    col._core.forget()
    assert col.queue_counts(NOW).new == 1
    assert col.queue_counts(TOMORROW).new == 2


def test_review_daily_limit(col: Collection) -> None:
    ids = add(col, 4)
    for card_id in ids:
        col.answer(card_id, "easy", now=NOW)
    col.update_deck(col.deck("Test").id, now=NOW, reviews_per_day=3)
    later = NOW + timedelta(days=60)
    assert col.queue_counts(later).review == 3


def test_siblings_are_not_shown_the_same_day(col: Collection) -> None:
    note = col.add_note("Spanish", "perro", "dog", now=NOW, reverse=True)
    forward, backward = (c.id for c in col.cards_of_note(note.id))
    first = col.next_card(NOW)
    assert first is not None and first.id == forward
    assert col.queue_counts(NOW).new == 1
    col.answer(forward, "easy", now=NOW)
    assert col.next_card(NOW) is None
    col._core.forget()
    assert col.next_card(NOW) is None  # also after a restart
    view = col.next_card(TOMORROW)
    assert view is not None and view.id == backward


def test_leech_is_tagged_and_suspended(col: Collection) -> None:
    (card_id,) = add(col, 1)
    col.update_deck(col.deck("Test").id, now=NOW, leech_threshold=2)
    moment = NOW
    col.answer(card_id, "easy", now=moment)
    results = []
    for _ in range(2):
        moment = col.card(card_id).card.due + timedelta(hours=1)
        results.append(col.answer(card_id, "again", now=moment))
        moment += timedelta(minutes=15)
        col.answer(card_id, "good", now=moment)
    assert [r.leech for r in results] == [False, True]
    view = col.card(card_id)
    assert view.card.suspended and "leech" in view.note.tags
    # undoing the leech answer unsuspends and untags
    col.undo(moment)
    col.undo(moment)
    view = col.card(card_id)
    assert not view.card.suspended and "leech" not in view.note.tags


def test_suspend_bury_reset(col: Collection) -> None:
    a, b = add(col, 2)
    col.suspend([a], now=NOW)
    assert col.queue_counts(NOW).new == 1
    col.unsuspend([a], now=NOW)
    col.bury([b], now=NOW)
    assert col.queue_counts(NOW).new == 1
    assert col.queue_counts(TOMORROW).new == 2
    col.answer(a, "easy", now=NOW)
    col.reset([a], now=NOW)
    card = col.card(a).card
    assert card.state == CardState.NEW and card.stability is None and card.reps == 0
    assert [r.kind for r in col.history(a)] == ["learn", "manual"]  # history is kept


def test_edit_keeps_schedule(col: Collection) -> None:
    (card_id,) = add(col, 1)
    col.answer(card_id, "easy", now=NOW)
    before = col.card(card_id).card
    view = col.card(card_id)
    col.edit_note(view.note.id, now=NOW, back="a better back", tags=["x"])
    after = col.card(card_id)
    assert after.back == "a better back" and after.card == before and after.note.tags == ("x",)


def test_an_edit_from_a_stale_editor_saves_nothing(col: Collection) -> None:
    """Two editors open on one note: the second to save is told, and the first's text stays."""
    (card_id,) = add(col, 1)
    loaded = col.card(card_id).note  # both editors loaded this version
    first = col.edit_note(
        loaded.id,
        now=NOW + timedelta(minutes=1),
        back="first",
        expected_modified=loaded.modified_at,
    )
    with pytest.raises(ConflictError, match="changed elsewhere since it was opened"):
        col.edit_note(
            loaded.id,
            now=NOW + timedelta(minutes=2),
            back="second",
            tags=["late"],
            expected_modified=loaded.modified_at,
        )
    kept = col.note(loaded.id)
    assert (kept.back, kept.tags) == ("first", ())
    # The version the first save returned is current: editing from it goes through.
    col.edit_note(
        loaded.id, now=NOW + timedelta(minutes=3), back="third", expected_modified=first.modified_at
    )
    assert col.note(loaded.id).back == "third"


def test_delete_card_removes_note_but_keeps_history(col: Collection) -> None:
    (card_id,) = add(col, 1)
    col.answer(card_id, "good", now=NOW)
    col.delete_card(card_id)
    with pytest.raises(NotFoundError):
        col.card(card_id)
    assert len(list(col.reviews())) == 1


def test_search(col: Collection) -> None:
    col.add_note("AI", "Transformer", "attention based network", now=NOW, tags="model")
    col.add_note("AI", "CLIP", "contrastive image text model", now=NOW, tags="vision")
    col.add_note("Other", "Canberra", "capital of Australia", now=NOW)
    assert [v.front for v in col.find_cards("ansfor", now=NOW)] == ["Transformer"]
    assert [v.front for v in col.find_cards("tag:vision", now=NOW)] == ["CLIP"]
    assert {v.front for v in col.find_cards("model", now=NOW)} == {"Transformer", "CLIP"}
    assert [v.front for v in col.find_cards("", now=NOW, deck="Other")] == ["Canberra"]
    assert col.find_cards("-tag:model deck:AI", now=NOW)[0].front == "CLIP"
    assert col.count_cards("is:new", now=NOW) == 3
    ids = col.find_card_ids("model", now=NOW, order="created")
    assert [col.card(i).front for i in ids] == ["Transformer", "CLIP"]
    with pytest.raises(ValidationError, match="unknown is:"):
        col.find_cards("is:nonsense", now=NOW)


def test_subdecks_are_included(col: Collection) -> None:
    col.add_note("Lang::Spanish", "perro", "dog", now=NOW)
    col.add_note("Lang", "Hund", "dog", now=NOW)
    assert col.queue_counts(NOW, "Lang").new == 2
    assert col.queue_counts(NOW, "Lang::Spanish").new == 1


def test_unknown_deck_names_the_decks(col: Collection) -> None:
    add(col, 1)
    with pytest.raises(NotFoundError, match="decks: Test"):
        col.deck("Nope")


def test_deck_options_are_validated(col: Collection) -> None:
    add(col, 1)
    with pytest.raises(ValidationError, match="retention"):
        col.update_deck(col.deck("Test").id, now=NOW, desired_retention=1.5)


def test_answers_survive_reopening(location: str | Path) -> None:
    with Collection.open(location, now=NOW, install_builtin=False) as first:
        note = first.add_note("D", "q", "a", now=NOW)
        card_id = first.cards_of_note(note.id)[0].id
        first.answer(card_id, "good", now=NOW)
    with Collection.open(location, now=NOW, install_builtin=False) as second:
        assert len(second.history(card_id)) == 1
        assert second.card(card_id).card.state == CardState.LEARNING


def test_two_connections_see_each_others_answers(location: str | Path) -> None:
    with Collection.open(location, now=NOW, install_builtin=False) as a:
        note = a.add_note("D", "q", "a", now=NOW)
        card_id = a.cards_of_note(note.id)[0].id
        with Collection.open(location, now=NOW, install_builtin=False) as b:
            assert b.queue_counts(NOW).new == 1
            a.answer(card_id, "easy", now=NOW)
            assert b.queue_counts(NOW).new == 0  # b's cached queue was invalidated


def test_a_burst_looks_for_others_changes_once(
    location: str | Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Collection.open(location, now=NOW, install_builtin=False) as a:
        note = a.add_note("D", "q", "a", now=NOW)
        card_id = a.cards_of_note(note.id)[0].id
        looks = []
        real = a.store.data_version
        monkeypatch.setattr(a.store, "data_version", lambda: looks.append(1) or real())
        with Collection.open(location, now=NOW, install_builtin=False) as b:
            with a.burst():
                assert a.queue_counts(NOW).new == 1
                b.answer(card_id, "easy", now=NOW)
                with a.burst():  # nested: still the one look
                    assert a.queue_counts(NOW).new == 1
                assert a.queue_counts(NOW).new == 1
            assert len(looks) == 1
            assert a.queue_counts(NOW).new == 0  # the next call after the burst looks again
            assert len(looks) == 2


def test_attempts_are_logged_with_the_review_and_undone_with_it(col: Collection) -> None:
    from tokendeck.domain.attempts import Attempt

    (card_id,) = add(col, 1)
    attempt = Attempt(
        "typed", "a dgo", score=0.9, verdict="correct", suggested_rating=3, overridden=True
    )
    col.answer(card_id, "easy", now=NOW, attempt=attempt)
    (logged,) = col.attempts()
    assert logged.card_id == card_id and logged.rating == 4 and logged.attempt == attempt
    col.undo(NOW)
    assert col.attempts() == []


def test_bad_attempt_is_refused_before_anything_is_written(col: Collection) -> None:
    from tokendeck.domain.attempts import Attempt

    (card_id,) = add(col, 1)
    with pytest.raises(ValidationError, match="question format"):
        col.answer(card_id, "good", now=NOW, attempt=Attempt("essay"))
    assert col.history(card_id) == []


def test_deck_options_changed_by_another_process_apply_at_once(location: str | Path) -> None:
    with Collection.open(location, now=NOW, install_builtin=False) as a:
        for i in range(3):
            a.add_note("D", f"q{i}", "a", now=NOW)
        assert a.queue_counts(NOW).new == 3
        with Collection.open(location, now=NOW, install_builtin=False) as b:
            b.update_deck(b.deck("D").id, now=NOW, new_per_day=1, learning_steps=[120.0])
        assert a.queue_counts(NOW).new == 1
        card = a.next_card(NOW)
        assert card is not None
        # the new learning step (2 minutes) is used, not the cached old one
        assert a.answer(card.id, "again", now=NOW).card.due == NOW + timedelta(minutes=2)


def test_reset_is_logged_as_manual_and_can_be_undone(col: Collection) -> None:
    (card_id,) = add(col, 1)
    col.answer(card_id, "easy", now=NOW)
    col.reset([card_id], now=NOW)
    assert [(r.kind, r.rating, r.state_after) for r in col.history(card_id)][-1] == (
        "manual",
        0,
        CardState.NEW,
    )
    assert col.undo(NOW).state == CardState.REVIEW
    assert [r.kind for r in col.history(card_id)] == ["learn"]


def test_set_memory_states(col: Collection) -> None:
    from tokendeck.collection.study import MemoryState

    a, b = add(col, 2)
    due = NOW + timedelta(days=9)
    col.set_memory_states({a: MemoryState(12.5, 4.2, due)}, now=NOW)
    card = col.card(a).card
    assert (card.stability, card.difficulty, card.due) == (12.5, 4.2, due)
    with pytest.raises(NotFoundError):
        col.set_memory_states({b: MemoryState(1, 1, due), 999: MemoryState(1, 1, due)}, now=NOW)
    assert col.card(b).card.stability is None  # nothing written


def test_batch_groups_answers_and_rolls_back_together(col: Collection) -> None:
    a, b = add(col, 2)
    with pytest.raises(NotFoundError), col.batch():
        col.answer(a, "good", now=NOW)
        col.answer(999, "good", now=NOW)
    assert col.history(a) == [] and col.card(a).card.state == CardState.NEW
    assert col.queue_counts(NOW).new == 2  # the cached queue forgot the rolled-back answer
    with col.batch():
        col.answer(a, "good", now=NOW)
        col.answer(b, "good", now=NOW)
    assert len(list(col.reviews())) == 2
