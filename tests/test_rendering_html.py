"""Card HTML: sanitising with Anki's structure kept, media, filters, terminal text."""

from __future__ import annotations

from tokendeck.rendering import MediaAccess, media, render_card, scope_css, terminal_text
from tokendeck.rendering.sanitise import clean
from tokendeck.transfer.package import NoteTypeRecord, TemplateRecord

_MEDIA = MediaAccess(exists=lambda _n: True, url=lambda n: f"/media/{n}")


def _render(
    question: str, values: dict[str, str], answer: str = "{{FrontSide}}"
) -> tuple[str, str]:
    note_type = NoteTypeRecord(
        name="T",
        field_names=list(values) or ["Front"],
        templates=[TemplateRecord("Card 1", question, answer)],
        css='.card { background: url("_paper.png"); }',
    )
    card = render_card(note_type, values, 0, access=_MEDIA)
    return card.question_html, card.answer_html


def test_scripts_handlers_and_page_covering_styles_go() -> None:
    html = clean(
        '<div onclick="steal()" style="color: red; position: fixed; z-index: 9">a</div>'
        '<script>steal()</script><a href="javascript:steal()">x</a><iframe src="https://e"></iframe>',
        str,
    )
    assert (
        html == '<div style="color:red">a</div><a target="_blank" rel="noopener noreferrer">x</a>'
    )


def test_anki_structure_is_kept() -> None:
    source = (
        '<div class="front" dir="rtl"><table><tr><td colspan="2">a</td></tr></table>'
        '<ruby><rb>日本</rb><rt>にほん</rt></ruby><span class="cloze">c</span>'
        '<svg class="placeholder" viewBox="0 0 4 2"><path d="m2 26"></path></svg></div>'
    )
    assert clean(source, str) == source.replace("<table><tr>", "<table><tbody><tr>").replace(
        "</tr></table>", "</tr></tbody></table>"
    )


def test_ids_are_prefixed_and_data_urls_only_for_images() -> None:
    image = '<img src="data:image/png;base64,AA">'
    html = clean(f'<hr id=answer>{image}<a href="data:text/html,x">d</a>', str)
    assert html.startswith(f'<hr id="card-answer">{image}<a ')
    assert "data:text" not in html


def test_every_media_name_goes_through_one_function() -> None:
    question, _ = _render(
        '{{Front}}<img src="https://example.org/x.png">',
        {"Front": '<img src="a b.jpg">[sound:s.mp3][sound:v.mp4]'},
    )
    assert question == (
        '<img src="/media/a b.jpg">'
        '<audio class="sound" controls="" preload="none" src="/media/s.mp3"></audio>'
        '<video class="sound" controls="" preload="none" src="/media/v.mp4"></video>'
        '<img src="https://example.org/x.png">'
    )
    assert media.rewrite_css('a { src: url(_f.woff) url("https://x/y") }', _MEDIA.url) == (
        'a { src: url("/media/_f.woff") url("https://x/y") }'
    )


def test_media_names_are_encoded_once() -> None:
    note_type = NoteTypeRecord(
        name="T", field_names=["Front"], templates=[TemplateRecord("Card 1", "{{Front}}", "")]
    )
    card = render_card(note_type, {"Front": '<img src="a b.png">[sound:c d.mp3]'}, 0)
    assert 'src="a%20b.png"' in card.question_html and 'src="c%20d.mp3"' in card.question_html


def test_the_card_lists_the_media_it_uses() -> None:
    note_type = NoteTypeRecord(
        name="T",
        field_names=["Front"],
        templates=[TemplateRecord("Card 1", "{{Front}}", "{{Front}}[sound:end.ogg]")],
        css="@font-face { src: url('_font.ttf') }",
    )
    card = render_card(note_type, {"Front": "<img src='a.png'>[sound:s.mp3]"}, 0)
    assert card.media == ("a.png", "s.mp3", "end.ogg", "_font.ttf")
    assert media.references('<img src="x.png"><img src="https://e/y.png">[sound:z&amp;.mp3]') == [
        "x.png",
        "z&.mp3",
    ]


def test_hints_open_without_script() -> None:
    question, _ = _render("{{hint:Hint}}", {"Hint": "starts with <b>P</b>"})
    assert question == (
        '<details class="hint"><summary>Hint</summary>'
        '<div class="hint">starts with <b>P</b></div></details>'
    )


def test_readings() -> None:
    values = {"Reading": "日本[にほん] 語[ご][sound:a.mp3]"}
    question, _ = _render("{{furigana:Reading}}|{{kana:Reading}}|{{kanji:Reading}}", values)
    assert question.startswith(
        "<ruby><rb>日本</rb><rt>にほん</rt></ruby><ruby><rb>語</rb><rt>ご</rt></ruby>"
    )
    assert "|にほんご<audio" in question and "|日本語<audio" in question


def test_type_answer_box_and_expected_answer() -> None:
    note_type = NoteTypeRecord(
        name="Typed",
        field_names=["Front", "Back"],
        templates=[TemplateRecord("Card 1", "{{Front}}{{type:Back}}", "{{FrontSide}}")],
    )
    card = render_card(note_type, {"Front": "rouge", "Back": "<b>red</b>[sound:r.mp3]"}, 0)
    assert card.question_html == 'rouge<div class="type-answer" data-field="Back"></div>'
    assert card.answer_html.endswith('<code class="type-expected">red</code></div>')
    assert card.typed_answer is not None and card.typed_answer.expected == "red"


def test_terminal_text_keeps_lines_lists_and_tables() -> None:
    html = (
        "<div>Title</div>line one<br>line two<ul><li>first</li><li>second<ol><li>a</li>"
        "<li>b</li></ol></li></ul><table><tr><td>x</td><td>y</td></tr><tr><td>z</td>"
        "<td>w</td></tr></table><hr>after"
    )
    assert terminal_text(html) == (
        "Title\nline one\nline two\n• first\n• second\n  1. a\n  2. b\nx | y\nz | w\n"
        + "─" * 24
        + "\nafter"
    )


def test_terminal_text_names_images_and_sounds_and_hides_hidden_things() -> None:
    html = (
        '<img src="/media/cat%20photo.jpg"> <audio class="sound" controls src="/media/m.mp3">'
        'fallback</audio><span style="display:none">secret</span>'
        '<details class="hint"><summary>Hint</summary><div>Paris</div></details>'
    )
    assert terminal_text(html) == "[image: cat photo.jpg] [sound: m.mp3][hint]"
    assert "Paris" in terminal_text(html, reveal_hints=True)


def test_terminal_maths_is_unicode_with_macros_expanded() -> None:
    html = (
        r'<span class="math math-inline">\(\Omega \geq \sum_{i=1}^n \E[x_i^2]\)</span>'
        r' and <img class="latex" alt="$\alpha \leq \beta$" src="latex-1.png">'
    )
    text = terminal_text(html, {r"\E": r"\mathbb{E}"})
    assert text == "Ω≥∑ᵢ₌₁ⁿ 𝔼[xᵢ²] and α≤β"
    assert "newcommand" not in terminal_text(_render(r"\(\newcommand{\E}{E}\)x", {"F": "1"})[0])


def test_a_note_type_s_css_is_confined_to_the_card() -> None:
    css = (
        '@import url("https://tracker.example/x.css"); .card { color: red } '
        ".card.nightMode .cloze, body p, img { margin: 0 } "
        "@media (max-width: 600px) { .card { font-size: 10px } }"
    )
    assert scope_css(css, "#c") == (
        "#c { color: red }\n#c.nightMode .cloze, #c p, #c img { margin: 0 }\n"
        "@media (max-width: 600px) {\n#c { font-size: 10px }\n}"
    )


def test_a_decks_root_variables_are_scoped_to_the_card() -> None:
    from tokendeck.rendering import scope_css

    css = scope_css(":root { --bg: #434343 } .card { background: var(--bg) }", ".td-card")
    expected = ".td-card { --bg: #434343 }\n.td-card { background: var(--bg) }"
    assert " ".join(css.split()) == " ".join(expected.split())
