"""Maths in Anki cards: MathJax delimiters, macros, legacy LaTeX images and fallbacks."""

from __future__ import annotations

import pytest

from tokendeck.rendering import MediaAccess, latex, macros, maths, render_card
from tokendeck.transfer.package import NoteTypeRecord, TemplateRecord


def _tex(html: str) -> list[tuple[str, bool]]:
    return [(m.tex, m.display) for m in maths.find(html)]


def test_anki_maths_delimiters_and_not_dollars() -> None:
    html = r"a \(x^2\) b \[\sum_i i\] c $$5 and $6 and $y$"
    assert _tex(html) == [("x^2", False), (r"\sum_i i", True)]


def test_line_breaks_entities_and_comments_inside_maths() -> None:
    html = r"\[a &lt; b<br>+ c<br/><!-- x -->\]"
    assert _tex(html) == [("a < b\n+ c\n", True)]


def test_a_tag_inside_delimiters_is_not_maths() -> None:
    assert _tex(r"\(a <b>x</b>\)") == []
    assert _tex(r"\(a < b\)") == [("a < b", False)]  # a "<" that is text


def test_code_and_scripts_are_not_maths() -> None:
    html = r"<code>\(x\)</code><pre>\[y\]</pre><script>'\(z\)'</script>\(w\)"
    assert _tex(html) == [("w", False)]


def test_the_closing_delimiter_is_the_first_outside_braces() -> None:
    assert _tex(r"\( {\)} + \{ \)") == [(r" {\)} + \{ ", False)]
    assert _tex(r"\(x \\) y\)") == [(r"x \\) y", False)]
    assert _tex(r"\(never closed") == []


def test_macro_definitions_are_collected_and_taken_out() -> None:
    tex = r"\newcommand{\E}{\mathbb{E}}\renewcommand\Var{\operatorname{Var}} \Var(X)"
    assert macros.collect([tex]) == {r"\E": r"\mathbb{E}", r"\Var": r"\operatorname{Var}"}
    assert macros.without_definitions(tex) == r"\Var(X)"


def test_macros_with_arguments_def_and_operators() -> None:
    table = macros.collect(
        [
            r"\newcommand{\Cov}[2]{\operatorname{Cov}(#1,#2)}",
            r"\def\norm#1{\lVert #1\rVert}\DeclareMathOperator{\tr}{tr}",
            r"\newcommand{\E}{E}",
            r"\newcommand{\E}{\mathbb{E}}",  # a later definition wins, as on a page
        ]
    )
    assert table[r"\E"] == r"\mathbb{E}" and table[r"\tr"] == r"\operatorname{tr}"
    expanded = macros.expand(r"\Cov{X}{Y} + \norm{v} + \Cov X Y + \E", table)
    assert (
        expanded
        == r"\operatorname{Cov}(X,Y) + \lVert v\rVert + \operatorname{Cov}(X,Y) + \mathbb{E}"
    )


def test_definitions_a_table_cannot_hold_stay_in_the_formula() -> None:
    optional = r"\newcommand{\f}[2][x]{#1+#2}"
    delimited = r"\def\g#1.{#1}"
    assert macros.collect([optional, delimited]) == {}
    assert macros.without_definitions(optional) == optional


def test_a_macro_that_expands_to_itself_stops() -> None:
    assert len(macros.expand(r"\x", {r"\x": r"\x a"})) < 1000


def test_legacy_latex_file_names_are_anki_s() -> None:
    # Anki's own name for this formula (its latex.rs test), and one the
    # EA-numbers deck lists in its media: the same SHA-1 of the cleaned text.
    (image,) = latex.formulas("a[latex]one<br>and<div>two[/latex]b")
    assert (image.latex, image.file_name) == (
        "one\nand\ntwo",
        "latex-ef30b3f4141c33a5bf7044b0d1961d3399c05d50.png",
    )
    (display,) = latex.formulas("[$$]math &amp; stuff[/$$]")
    assert display.file_name == "latex-8899f3f849ffdef6e4e9f2f34a923a1f608ebc07.png"
    (inline,) = latex.formulas(r"Around [$]3 \times 10^{23}[/$].")
    assert inline.file_name == "latex-99a0398138143c5b8f249b9d0febaaac97d3be83.png"


def test_legacy_latex_uses_the_image_when_there_is_one() -> None:
    name = "latex-ef30b3f4141c33a5bf7044b0d1961d3399c05d50.png"
    html = latex.replace("a[latex]one<br>and<div>two[/latex]b", {name}.__contains__)
    assert html == f'a<img class="latex" alt="one\nand\ntwo" src="{name}">b'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r"[$]a &lt; b[/$]", r"\(a &lt; b\)"),
        (r"[$$]\int f[/$$]", r"\[\int f\]"),
        (r"[latex]Let $x \in \RR$ and \[y\].[/latex]", r"Let \(x \in \RR\) and \[y\]."),
        (r"[latex]\begin{align}a&b\end{align}[/latex]", r"\[\begin{align}a&amp;b\end{align}\]"),
    ],
)
def test_legacy_latex_without_its_image_becomes_maths(source: str, expected: str) -> None:
    assert latex.replace(source, lambda _name: False) == expected


def _maths_card(front: str, back: str = "", **extra: str) -> NoteTypeRecord:
    return NoteTypeRecord(
        name="Maths",
        field_names=["Front", "Back"],
        templates=[
            TemplateRecord(
                "Card 1",
                extra.get("question", "") + "{{Front}}",
                "{{FrontSide}}<hr>{{Back}}",
            )
        ],
        latex_pre=extra.get("latex_pre", ""),
    )


def test_a_card_s_macros_come_from_its_template_and_every_field() -> None:
    note_type = _maths_card("", question=r"\(\newcommand{\R}{\mathbb{R}}\)")
    values = {"Front": r"\(\E \in \R\)", "Back": r"\(\newcommand{\E}{\mathbb{E}}\)ok"}
    card = render_card(note_type, values, 0)
    assert card.macros == {r"\R": r"\mathbb{R}", r"\E": r"\mathbb{E}"}
    assert "newcommand" not in card.question_html + card.answer_html
    assert card.question_html == r'<span class="math math-inline">\(\E \in \R\)</span>'
    assert card.answer_html.endswith("<hr>ok")  # the definition-only formula is gone


def test_a_line_break_inside_maths_never_shows_as_a_tag() -> None:
    card = render_card(_maths_card(""), {"Front": r"\[a<br/>b\]"}, 0)
    assert card.question_html == '<span class="math math-display">\\[a\nb\\]</span>'


def test_fallback_maths_may_use_the_latex_header_s_macros() -> None:
    note_type = _maths_card("", latex_pre=r"\newcommand{\RR}{\mathbb{R}}\begin{document}")
    card = render_card(note_type, {"Front": r"[$]x \in \RR[/$]"}, 0)
    assert card.macros == {r"\RR": r"\mathbb{R}"}
    assert card.question_html == r'<span class="math math-inline">\(x \in \RR\)</span>'


def test_latex_images_go_through_the_media_url() -> None:
    name = latex.formulas("[$]x[/$]")[0].file_name
    access = MediaAccess(exists={name}.__contains__, url=lambda n: f"/media/{n}")
    card = render_card(_maths_card(""), {"Front": "[$]x[/$]"}, 0, access=access)
    assert card.question_html == f'<img class="latex" alt="$x$" src="/media/{name}">'
    assert card.media == (name,)
