"""Anki's template language and cloze rules, rendered by tokendeck.rendering."""

from __future__ import annotations

import pytest

from tokendeck.rendering import CardInfo, card_ordinals, cloze, render_card, template
from tokendeck.rendering.htmltext import field_is_empty, strip_html
from tokendeck.transfer.package import NoteTypeRecord, TemplateRecord


def _type(question: str, answer: str = "{{FrontSide}}<hr>{{Back}}") -> NoteTypeRecord:
    return NoteTypeRecord(
        name="Test",
        field_names=["Front", "Back", "Extra"],
        templates=[TemplateRecord("Card 1", question, answer)],
    )


def _card(question: str, values: dict[str, str], answer: str = "{{Back}}") -> tuple[str, str]:
    rendered = render_card(_type(question, answer), values, 0)
    return rendered.question_html, rendered.answer_html


def test_fields_and_front_side() -> None:
    values = {"Front": "chat", "Back": "cat"}
    question, answer = _card("<b>{{Front}}</b>", values, "{{FrontSide}}<hr id=answer>{{Back}}")
    assert question == "<b>chat</b>"
    assert answer == '<b>chat</b><hr id="card-answer">cat'


def test_front_side_is_empty_on_the_question_side() -> None:
    assert _card("{{Front}}[{{FrontSide}}]", {"Front": "a"})[0] == "a[]"


@pytest.mark.parametrize(
    ("extra", "shown"), [("note", "yes note"), ("", "no"), ("<br>", "no"), ("<div> </div>", "no")]
)
def test_sections_follow_whether_a_field_is_empty(extra: str, shown: str) -> None:
    question = "{{Front}}{{#Extra}} yes {{Extra}}{{/Extra}}{{^Extra}} no{{/Extra}}"
    html, _ = _card(question, {"Front": "x", "Extra": extra})
    assert html.replace("x ", "").replace("x", "").strip() == shown


def test_filters_apply_right_to_left_and_unknown_ones_pass_text_through() -> None:
    values = {"Front": "<b>bold</b> &amp; {{c1::hidden}}"}
    html, _ = _card("{{text:cloze:Front}}|{{nosuchfilter:Front}}", values)
    assert html == "bold &amp; [...]|<b>bold</b> &amp; {{c1::hidden}}"


def test_comments_are_kept_and_not_searched() -> None:
    html, _ = _card("<!-- {{Nope}} -->{{Front}}", {"Front": "a"})
    assert html == "a"  # nh3 drops the comment; the unknown field inside raised nothing


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("{{Nope}}", "Found '{{Nope}}', but there is no field called 'Nope'"),
        ("{{text:Nope}}", "Found '{{text:Nope}}', but there is no field called 'Nope'"),
        ("{{#Front}}x", "Missing '{{/Front}}'"),
        ("{{#Front}}x{{/Back}}", "Found '{{/Back}}', but expected '{{/Front}}'"),
        ("x{{/Front}}", "Found '{{/Front}}', but missing '{{#Front}}' or '{{^Front}}'"),
        ("{{#Nope}}x{{/Nope}}", "Found '{{#Nope}}', but there is no field called 'Nope'"),
    ],
)
def test_template_errors_say_what_is_wrong(question: str, message: str) -> None:
    rendered = render_card(_type(question), {"Front": "a"}, 0)
    assert rendered.error == message
    assert message.replace("'", "&#x27;") in rendered.question_html


def test_legacy_alternative_delimiters() -> None:
    assert _card("{{=<% %>=}}<%Front%> {{Front}}", {"Front": "a"})[0] == "a {{Front}}"


def test_special_fields() -> None:
    info = CardInfo(tags=["fr", "verb"], deck="Languages::French")
    note_type = _type("{{Tags}}|{{Deck}}|{{Subdeck}}|{{Card}}|{{Type}}|{{CardFlag}}")
    html = render_card(note_type, {"Front": "x"}, 0, info=info).question_html
    assert html == "fr verb|Languages::French|French|Card 1|Test|flag0"


def test_cloze_number_sections_are_true_only_on_their_card() -> None:
    note_type = NoteTypeRecord(
        name="Two",
        field_names=["Front"],
        templates=[
            TemplateRecord(n, "{{Front}}{{#c1}}one{{/c1}}{{#c2}}two{{/c2}}", "") for n in "AB"
        ],
    )
    assert render_card(note_type, {"Front": "x"}, 0).question_html == "xone"
    assert render_card(note_type, {"Front": "x"}, 1).question_html == "xtwo"


def test_a_blank_front_is_an_empty_card() -> None:
    rendered = render_card(_type("{{#Extra}}{{Front}}{{/Extra}}"), {"Front": "a"}, 0)
    assert rendered.is_empty
    assert "The front of this card is blank." in rendered.question_html
    assert rendered.answer_html == rendered.question_html


def test_card_generation_counts_special_fields_and_tags() -> None:
    note_type = NoteTypeRecord(
        name="Gen",
        field_names=["A", "B"],
        templates=[
            TemplateRecord(str(i), q, "")
            for i, q in enumerate(["{{A}}", "{{B}}{{Tags}}", "{{B}}", "{{Deck}}{{#B}}x{{/B}}"])
        ],
    )
    assert card_ordinals(note_type, {"A": "a"}, tags=["t"]) == [0, 1, 3]
    assert card_ordinals(note_type, {"A": "a"}) == [0, 3]
    assert card_ordinals(note_type, {}) == [3]


def test_requirements_as_older_anki_stores_them() -> None:
    names = ["Front", "Back", "Add Reverse"]
    assert template.requirements(template.parse("{{Front}}"), names) == ("any", [0])
    both = template.parse("{{#Add Reverse}}{{Back}}{{/Add Reverse}}")
    assert template.requirements(both, names) == ("all", [1, 2])
    assert template.requirements(template.parse("text"), names) == ("none", [])


def test_empty_fields_as_anki_counts_them() -> None:
    assert field_is_empty(" <br> <div></div>\n<BR/>")
    assert not field_is_empty("<img src=a.png>")
    assert not field_is_empty("&nbsp;")


def test_strip_html_drops_scripts_styles_and_comments() -> None:
    assert strip_html("<style>x</style>a<!-- c --><script>y</script> &lt;b&gt;&nbsp;") == "a <b> "


# Clozes ------------------------------------------------------------------------------


def _cloze(text: str, ordinal: int) -> tuple[str, str]:
    note_type = NoteTypeRecord(
        name="Cloze",
        kind="cloze",
        field_names=["Text", "Extra"],
        templates=[TemplateRecord("Cloze", "{{cloze:Text}}", "{{cloze:Text}}")],
    )
    rendered = render_card(note_type, {"Text": text}, ordinal)
    return strip_html(rendered.question_html), strip_html(rendered.answer_html)


def test_cloze_hints_and_inactive_clozes() -> None:
    text = "{{c1::Paris::city}} and {{c2::Rome}}"
    assert _cloze(text, 0) == ("[city] and Rome", "Paris and Rome")
    assert _cloze(text, 1) == ("Paris and [...]", "Paris and Rome")


def test_cloze_markup_marks_the_active_one() -> None:
    assert cloze.reveal("{{c1::a}} {{c2::b}}", 1, question=True) == (
        '<span class="cloze" data-cloze="a" data-ordinal="1">[...]</span> '
        '<span class="cloze-inactive" data-ordinal="2">b</span>'
    )
    assert cloze.reveal("{{c1::a}}", 1, question=False) == (
        '<span class="cloze" data-ordinal="1">a</span>'
    )


def test_nested_and_shared_clozes() -> None:
    text = "{{c1::Water {{c2::boils}} here}}; {{c1,3::both}}"
    assert _cloze(text, 0)[0] == "[...]; [...]"
    assert _cloze(text, 1)[0] == "Water [...] here; both"
    assert _cloze(text, 2)[0] == "Water boils here; [...]"
    assert cloze.numbers([text]) == {1, 2, 3}


def test_a_card_without_its_cloze_is_empty() -> None:
    question, answer = _cloze("{{c1::one}}", 2)
    assert question.startswith("No cloze 3 found on card.") and answer == question


def test_unclosed_clozes_are_dropped_and_stray_closers_kept() -> None:
    assert cloze.reveal("a {{c1::b}} }} {{c2::lost", 1, question=False) == (
        'a <span class="cloze" data-ordinal="1">b</span> }} '
    )
    assert cloze.numbers(["{{c0::x}} {{c::y}}"]) == set()


def test_html_inside_maths_is_dropped_after_revealing() -> None:
    question, answer = _cloze(r"\(x = {{c1::<b>2</b>}}\)", 0)
    assert question == r"\(x = [...]\)"
    assert answer == r"\(x = 2\)"


def test_typed_cloze_answers_and_cloze_only() -> None:
    assert cloze.typing_answer("{{c1::a}} {{c1::a}} {{c2::b}}", 1) == "a"
    assert cloze.typing_answer("{{c1::Mercury}} and {{c1::Venus}}", 1) == "Mercury, Venus"
    assert cloze.reveal_only("{{c1::a::hint}} {{c1::b}}", 1, question=True) == "hint, ..."
    assert cloze.reveal_only("{{c1::a::hint}} {{c1::b}}", 1, question=False) == "a, b"
