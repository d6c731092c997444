"""The built-in deck: installed once into an empty collection, updated by GUID, never duplicated."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.builtin import deck as builtin
from tokendeck.collection import Collection

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def test_first_open_installs_every_entry(builtin_col: Collection) -> None:
    counts = builtin_col.deck_counts(NOW)
    assert [(c.deck.name, c.total) for c in counts] == [("LLM Vocabulary", 17)]
    fronts = {v.front for v in builtin_col.find_cards(now=NOW)}
    assert "What does GPT stand for?" in fronts and "GPT-J" in fronts
    assert builtin_col.deck("LLM Vocabulary").description


def test_reopening_never_duplicates(location: str | Path) -> None:
    for _ in range(3):
        with Collection.open(location, now=NOW) as col:
            total = col.count_cards(now=NOW)
    assert total == 17


def test_not_installed_into_a_collection_with_own_cards(location: str | Path) -> None:
    with Collection.open(location, now=NOW, install_builtin=False) as col:
        col.add_note("Mine", "q", "a", now=NOW)
    with Collection.open(location, now=NOW) as col:
        assert [d.name for d in col.decks()] == ["Mine"]


def test_newer_version_updates_text_and_keeps_history(
    builtin_col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = builtin_col.next_card(NOW)
    assert card is not None
    builtin_col.answer(card.id, "good", now=NOW)
    shipped = builtin.load_builtin()
    first = replace(shipped.package.notes[0], back="Updated answer.\n\nMore.")
    newer = replace(
        shipped,
        version=shipped.version + 1,
        package=replace(shipped.package, notes=[first, *shipped.package.notes[1:]]),
    )
    monkeypatch.setattr(builtin, "load_builtin", lambda: newer)
    monkeypatch.setattr(builtin, "builtin_version", lambda: newer.version)
    assert builtin_col.update_builtin(now=NOW) == "updated"
    view = builtin_col.card(card.id)
    assert view.back.startswith("Updated answer.")
    assert len(builtin_col.history(card.id)) == 1
    assert builtin_col.count_cards(now=NOW) == 17
    assert builtin_col.update_builtin(now=NOW) == "current"


def test_deleted_builtin_deck_is_not_reinstalled(location: str | Path) -> None:
    with Collection.open(location, now=NOW) as col:
        for view in col.find_cards(now=NOW):
            col.delete_card(view.id)
    with Collection.open(location, now=NOW) as col:
        assert col.count_cards(now=NOW) == 0


def test_version_3_corrects_the_fronts_of_installed_decks(builtin_col: Collection) -> None:
    # Issue 11: a collection installed with version 2 has the seed's slips on its
    # fronts ("What does GTP stand for?"); the update finds each note by GUID and
    # spells its front correctly, keeping the card's history.
    gpt = builtin_col.note_by_guid("llmvocab-gpt")
    assert gpt is not None
    [card] = builtin_col.cards_of_note(gpt.id)
    builtin_col.answer(card.id, "good", now=NOW)
    builtin_col.edit_note(gpt.id, now=NOW, front="What does GTP stand for?")
    builtin_col.set_value("builtin.llm-vocabulary.version", 2)
    assert builtin_col.update_builtin(now=NOW) == "updated"
    assert builtin_col.card(card.id).front == "What does GPT stand for?"
    assert builtin_col.card(card.id).back.startswith("GPT stands for Generative Pre-trained")
    assert len(builtin_col.history(card.id)) == 1
    assert builtin_col.count_cards(now=NOW) == 17
