"""Deck management: nested decks, rename, delete, the tree and options subdecks inherit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tokendeck.collection import Collection
from tokendeck.domain.decks import DeckConfig
from tokendeck.errors import ConflictError, NotFoundError, ValidationError
from tokendeck.storage.migrations import _keep_own_options


def _add(col: Collection, deck: str, count: int, now: datetime) -> list[int]:
    ids = []
    for i in range(count):
        note = col.add_note(deck, f"{deck} {i}", f"answer {i}", now=now)
        ids += [c.id for c in col.cards_of_note(note.id)]
    return ids


def test_a_subdeck_brings_its_parents(col: Collection, now: datetime) -> None:
    col.create_deck("Lang::Spanish::Verbs", now=now)
    assert [d.name for d in col.decks()] == ["Lang", "Lang::Spanish", "Lang::Spanish::Verbs"]


def test_the_tree_rolls_counts_up(col: Collection, now: datetime) -> None:
    _add(col, "Lang::Spanish", 3, now)
    _add(col, "Lang::French", 2, now)
    _add(col, "Lang", 1, now)
    _add(col, "Maths", 4, now)
    tree = col.deck_tree(now)
    assert [n.deck.name for n in tree] == ["Lang", "Maths"]
    lang = tree[0]
    assert [c.deck.basename for c in lang.children] == ["French", "Spanish"]
    assert (lang.counts.new, lang.counts.total) == (6, 6)
    assert [(c.counts.new, c.counts.total) for c in lang.children] == [(2, 2), (3, 3)]
    assert [n.deck.name for n in lang.walk()] == ["Lang", "Lang::French", "Lang::Spanish"]


def test_rename_moves_subdecks_and_keeps_cards_and_history(col: Collection, now: datetime) -> None:
    [card] = _add(col, "Lang::Spanish", 1, now)
    col.answer(card, "good", now=now)
    col.rename_deck("Lang", "Languages::Romance", now=now)
    names = [d.name for d in col.decks()]
    assert names == ["Languages", "Languages::Romance", "Languages::Romance::Spanish"]
    view = col.card(card)
    assert view.deck_name == "Languages::Romance::Spanish"
    assert len(col.history(card)) == 1 and view.card.reps == 1
    with pytest.raises(NotFoundError):
        col.deck("Lang")


def test_rename_refuses_a_taken_name_and_a_deck_inside_itself(
    col: Collection, now: datetime
) -> None:
    col.create_deck("A::B", now=now)
    col.create_deck("C", now=now)
    with pytest.raises(ConflictError, match="'C'"):
        col.rename_deck("A", "C", now=now)
    with pytest.raises(ValidationError, match="inside itself"):
        col.rename_deck("A", "A::B::X", now=now)
    assert [d.name for d in col.decks()] == ["A", "A::B", "C"]  # nothing half done


def test_rename_by_update_deck_moves_subdecks_too(col: Collection, now: datetime) -> None:
    col.create_deck("A::B", now=now)
    col.update_deck(col.deck("A").id, now=now, name="Z")
    assert [d.name for d in col.decks()] == ["Z", "Z::B"]


def test_delete_takes_subdecks_and_cards_but_not_the_log(col: Collection, now: datetime) -> None:
    cards = _add(col, "Lang::Spanish", 2, now) + _add(col, "Lang", 1, now)
    [kept] = _add(col, "Maths", 1, now)
    col.answer(cards[0], "good", now=now)
    # a note with a card elsewhere keeps that card
    note = col.add_note("Lang", "two-way", "both", now=now, reverse=True)
    _first, second = col.cards_of_note(note.id)
    col.move_cards([second.id], "Maths", now=now)
    gone = col.delete_deck("Lang")
    assert gone.decks == ("Lang", "Lang::Spanish") and (gone.cards, gone.notes) == (4, 3)
    assert [d.name for d in col.decks()] == ["Maths"]
    assert {v.id for v in col.find_cards(now=now)} == {kept, second.id}
    assert len(list(col.reviews())) == 1  # history stays in the log


def test_subdecks_inherit_options_they_do_not_set(col: Collection, now: datetime) -> None:
    col.create_deck("Lang::Spanish::Verbs", now=now)
    lang = col.deck("Lang")
    col.update_deck(lang.id, now=now, new_per_day=5, desired_retention=0.85)
    spanish = col.deck("Lang::Spanish")
    assert (spanish.config.new_per_day, spanish.config.desired_retention) == (5, 0.85)
    col.update_deck(spanish.id, now=now, new_per_day=12)
    verbs = col.deck("Lang::Spanish::Verbs")
    assert (verbs.config.new_per_day, verbs.config.desired_retention) == (12, 0.85)
    assert "new_per_day" in verbs.inherited()
    col.update_deck(spanish.id, now=now, inherit=["new_per_day"])
    assert col.deck("Lang::Spanish::Verbs").config.new_per_day == 5
    assert col.deck("Lang::Spanish").options == {}


def test_a_subdecks_limit_is_its_own_in_the_parents_queue(col: Collection, now: datetime) -> None:
    # A parent with many new cards must not use up the fetch and leave its subdeck none.
    _add(col, "Lang", 150, now)
    _add(col, "Lang::Spanish", 5, now)
    assert col.queue_counts(now, "Lang").new == 25


def test_unknown_options_are_refused(col: Collection, now: datetime) -> None:
    deck = col.create_deck("A", now=now)
    with pytest.raises(ValidationError, match="unknown deck option"):
        col.update_deck(deck.id, now=now, inherit=["colour"])


def test_migration_keeps_every_decks_options_as_they_were(col: Collection, now: datetime) -> None:
    col.create_deck("A::B", now=now)
    db = col.store.db
    full = DeckConfig(new_per_day=7).to_dict()
    child = DeckConfig(new_per_day=20, reviews_per_day=50).to_dict()
    db.execute("UPDATE decks SET config=? WHERE name='A'", (json.dumps(full),))
    db.execute("UPDATE decks SET config=? WHERE name='A::B'", (json.dumps(child),))
    _keep_own_options(db, col.user_id)
    col.store.db.execute("SELECT 1")
    rows = dict(db.fetchall("SELECT name, config FROM decks"))
    assert json.loads(rows["A"]) == {"new_per_day": 7}
    assert json.loads(rows["A::B"]) == {"new_per_day": 20, "reviews_per_day": 50}


def test_an_empty_default_deck_does_not_linger(col: Collection, now: datetime) -> None:
    [card] = _add(col, "Default", 1, now)
    assert "Default" in [d.name for d in col.decks()]
    col.move_cards([card], "Spanish", now=now)
    assert [d.name for d in col.decks()] == ["Spanish"]
    assert [c.deck.name for c in col.deck_counts(now)] == ["Spanish"]
    col.deck("Default")  # still there to add to


def test_flags_are_set_cleared_and_searched(col: Collection, now: datetime) -> None:
    first, second, third = _add(col, "A", 3, now)
    assert col.flag([first, second], "red", now=now) == 1
    col.flag([third], 4, now=now)
    assert {v.id for v in col.find_cards("flag:1", now=now)} == {first, second}
    assert {v.id for v in col.find_cards("flag:blue", now=now)} == {third}
    assert {v.id for v in col.find_cards("-flag:0", now=now)} == {first, second, third}
    col.flag([first], 0, now=now)
    assert col.card(first).card.flag == 0
    with pytest.raises(ValidationError, match="unknown flag"):
        col.flag([first], 9, now=now)


def test_paging_walks_every_card_once_in_any_order(col: Collection, now: datetime) -> None:
    ids = _add(col, "A", 23, now)
    col.answer(ids[3], "again", now=now)
    for order in ("due", "created", "front", "deck", "interval", "lapses"):
        for reverse in (False, True):
            seen: list[int] = []
            after = None
            while True:
                page = col.card_page(now=now, order=order, reverse=reverse, limit=5, after=after)
                assert page.total == 23
                seen += [v.id for v in page.cards]
                after = page.next
                if after is None:
                    break
            assert sorted(seen) == sorted(ids), (order, reverse)
            whole = [v.id for v in col.find_cards(now=now, order=order)]
            assert seen == (whole[::-1] if reverse else whole), (order, reverse)


def test_a_bad_cursor_is_refused(col: Collection, now: datetime) -> None:
    _add(col, "A", 2, now)
    with pytest.raises(ValidationError, match="first page"):
        col.card_page(now=now, after="not-a-cursor!")


def test_custom_study_more_new_cards_today(col: Collection, now: datetime) -> None:
    col.create_deck("A::B", now=now)
    col.update_deck(col.deck("A").id, now=now, new_per_day=2)
    _add(col, "A", 3, now)
    _add(col, "A::B", 4, now)
    assert col.queue_counts(now, "A").new == 4
    done = col.custom_study("A", "new", now=now, amount=10)
    assert (done.cards, done.session) == (3, False)  # only 1 + 2 more exist
    assert col.queue_counts(now, "A").new == 7
    assert col.queue_counts(now + timedelta(days=1), "A").new == 4  # today only


def test_custom_study_sessions_ahead_forgotten_and_by_tag(col: Collection, now: datetime) -> None:
    cards = _add(col, "A", 4, now)
    col.answer(cards[0], "easy", now=now)  # a review due in some days
    col.answer(cards[1], "again", now=now)
    col.edit_note(col.card(cards[2]).note.id, now=now, tags=["verbs"])
    ahead = col.custom_study("A", "ahead", now=now, amount=60)
    assert (ahead.cards, ahead.session) == (1, True)
    assert col.next_card(now, "A", session="custom").id == cards[0]
    forgotten = col.custom_study("A", "forgotten", now=now)
    assert forgotten.cards == 1 and "forgotten" in forgotten.description
    tagged = col.custom_study("A", "tag", now=now, tags=["verbs"], state="new")
    assert tagged.cards == 1
    shown = col.next_card(now, "A", session="custom")
    assert shown is not None and shown.id == cards[2]
    col.answer(shown.id, "easy", now=now)  # graduates: the session is done
    assert col.queue_counts(now, "A", session="custom").new == 0
    col.undo(now)
    assert col.queue_counts(now, "A", session="custom").new == 1  # undo puts it back
    with pytest.raises(ValidationError, match="no cards of A match"):
        col.custom_study("A", "tag", now=now, tags=["nothing"])
    col.end_custom_study("A")
    assert col.next_card(now, "A", session="custom") is None
