"""Items: terms, names and definitions of cards; masking names."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import pytest
from quiz_fixtures import NOW, items, llm_col  # noqa: F401

from tokendeck.collection import Collection
from tokendeck.quiz.items import Item, first_sentence, item_from_view, mask_names


def _terms(items: list[Item]) -> dict[str, Item]:
    return {i.term: i for i in items}


def test_terms_come_from_short_fronts_and_what_is_questions(items: list[Item]) -> None:
    terms = _terms(items)
    assert {"T5", "the Pile", "GPT", "GPT-J", "CLIP", "DALL-E 2", "Diffusion model"} <= set(terms)
    assert not terms["Why is the Pile a good training set?"].is_term


def test_the_built_in_fronts_are_asked_by_their_own_names(items: list[Item]) -> None:
    # The built-in fronts are spelled correctly (issue 11): each is its own term.
    by_prompt = {i.prompt: i.term for i in items}
    assert by_prompt["What does GPT stand for?"] == "GPT"
    assert by_prompt["Multi-modal"] == "Multi-modal"
    assert by_prompt["Inpainting"] == "Inpainting"
    assert by_prompt["Transformers"] == "Transformers"


def test_only_a_swapped_or_wrong_letter_counts_as_a_slip(col: Collection) -> None:
    col.add_note("S", "Colour", "What light looks like.", now=NOW, accepted=["hue", "Colours"])
    col.add_note("S", "GTP", "A typo of mine.", now=NOW, accepted=["guanosine triphosphate"])
    col.add_note("S", "Recieve", "To get something.", now=NOW, accepted=["Receive"])
    terms = {item_from_view(v).prompt: item_from_view(v).term for v in col.find_cards(now=NOW)}
    assert terms == {"Colour": "Colour", "GTP": "GTP", "Recieve": "Receive"}


def test_names_include_alternatives_and_expansions(items: list[Item]) -> None:
    terms = _terms(items)
    assert "Vision Transformer" in terms["ViT"].names  # ViT abbreviates it
    assert "Dalle2" in terms["DALL-E 2"].names
    assert "Generative Pre-trained Transformer" in terms["GPT"].names
    assert "Pile BPB" in terms["Why is the Pile a good benchmark?"].accepted
    assert "Text-To-Text Transfer Transformer" in terms["T5"].names  # a definition card
    assert terms["T5"].accepted == ()


def test_definition_is_the_backs_first_line_without_markup(items: list[Item]) -> None:
    pile = _terms(items)["the Pile"]
    assert pile.definition.startswith("The Pile is an 825 GiB open-source dataset")
    assert "\n" not in pile.definition and "**" not in pile.definition


def test_user_accepted_answers_stay_alternatives_of_the_back(col: Collection) -> None:
    note = col.add_note("Geo", "Capital of Australia", "Canberra", now=NOW, accepted=["ACT"])
    item = item_from_view(col.card(col.cards_of_note(note.id)[0].id))
    assert item.names == ("Capital of Australia",) and item.accepted == ("ACT",)


def test_reversed_card_shares_its_notes_term(col: Collection) -> None:
    note = col.add_note("X", "CLIP", "An OpenAI model pairing images and text.", now=NOW,
                        reverse=True, accepted=["clip model"])  # fmt: skip
    second = col.cards_of_note(note.id)[1]
    item = item_from_view(col.card(second.id))
    assert item.term == "CLIP" and item.expected == "CLIP"
    assert item.prompt == "An OpenAI model pairing images and text."


@pytest.mark.parametrize(
    ("text", "names", "masked"),
    [
        ("The Pile is big.", ("the Pile", "Pile"), "_____ is big."),
        ("Diffusion models denoise.", ("diffusion model",), "_____ denoise."),
        ("DALL-E 2 uses CLIP.", ("DALL-E 2", "Dalle2"), "_____ uses CLIP."),
        ("An in-painting model.", ("inpainting", "in painting"), "An _____ model."),
        ("Clipping is not CLIP.", ("CLIP",), "Clipping is not _____."),
    ],
)
def test_mask_names(text: str, names: tuple[str, ...], masked: str) -> None:
    assert mask_names(text, names) == masked


def test_first_sentence() -> None:
    assert first_sentence("GLIDE is a model. It came in 2021.") == "GLIDE is a model."
    assert first_sentence("It has e.g. lots.") == "It has e.g. lots."
