"""Cloze suggestions from long backs, and accepting them as linked cloze notes."""

from __future__ import annotations

from tests.conftest import NOW
from tokendeck.collection import Collection
from tokendeck.domain.notes import Note
from tokendeck.quiz.cloze import clozed, key_facts, source_of, suggest

PILE = "What is the Pile dataset?"


def _note(col: Collection, front: str) -> Note:
    return next(v.note for v in col.find_cards(now=NOW) if v.note.front == front)


def test_pile_suggestion_hides_size_and_maker_not_the_term(builtin_col: Collection) -> None:
    found = suggest(_note(builtin_col, PILE), ("the Pile", "Pile"))
    first = found[0]
    assert "{{c1::825 GiB}}" in first.text and "::EleutherAI}}" in first.text
    assert first.text.startswith("The Pile is an")  # the term stays as context
    assert all(len(s.gaps) <= 3 for s in found)


def test_key_facts_prefer_titles_dates_numbers_and_coined_names() -> None:
    sentence = "CLIP was released by OpenAI in January 2021, trained on 400 million images."
    assert key_facts(sentence, ("CLIP",)) == ("OpenAI", "January 2021", "400 million")
    title = "It was introduced in “Attention Is All You Need” by Google researchers in 2017."
    assert key_facts(title) == ("Attention Is All You Need", "Google", "2017")


def test_quoted_speech_is_not_a_title() -> None:
    assert "so a lot of adaptations" not in " ".join(
        key_facts("“Language is discrete,” said Anna Rumshisky, “so a lot of adaptations”.")
    )


def test_clozed_numbers_gaps_in_order() -> None:
    text = clozed("Made by EleutherAI in 2020.", ("EleutherAI", "2020"))
    assert text == "Made by {{c1::EleutherAI}} in {{c2::2020}}."


def test_short_backs_get_no_suggestions(col: Collection) -> None:
    note = col.add_note("Geo", "Capital of Australia", "Canberra, since 1913.", now=NOW)
    assert suggest(note) == []


def test_accept_makes_a_linked_cloze_note_in_the_same_deck(builtin_col: Collection) -> None:
    source = _note(builtin_col, PILE)
    [card] = builtin_col.cards_of_note(source.id)
    found = builtin_col.suggest_clozes(now=NOW, card_id=card.id)
    note = builtin_col.accept_cloze(found[0], now=NOW)
    assert note.kind == "cloze" and note.source == source_of(source.guid)
    assert note.back == PILE and "cloze" in note.tags
    cards = builtin_col.cards_of_note(note.id)
    assert len(cards) == len(found[0].gaps) and cards[0].deck_id == card.deck_id
    assert builtin_col.card(cards[0].id).front.startswith("The Pile is an [...]")
    again = builtin_col.suggest_clozes(now=NOW, card_id=card.id)
    assert found[0].text not in {s.text for s in again}  # accepted ones are not offered again


def test_accept_an_edited_suggestion(builtin_col: Collection) -> None:
    source = _note(builtin_col, PILE)
    found = builtin_col.suggest_clozes(now=NOW, deck="LLM Vocabulary")
    mine = next(s for s in found if s.note_id == source.id)
    text = "The Pile was made by {{c1::EleutherAI}}."
    note = builtin_col.accept_cloze(mine, now=NOW, text=text)
    assert note.front == text and len(builtin_col.cards_of_note(note.id)) == 1
