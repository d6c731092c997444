"""Card text rendering: Markdown, sanitising, code and math."""

from __future__ import annotations

import pytest

from tokendeck.web.render import render_full, render_markdown


def test_markdown_emphasis_and_code_block() -> None:
    html = render_markdown("**bold**\n\n```python\nx = 1 < 2\n```")
    assert "<strong>bold</strong>" in html
    assert '<code class="language-python">x = 1 &lt; 2' in html


def test_script_and_event_handlers_are_removed() -> None:
    html = render_markdown('<script>alert(1)</script><b onclick="x()">hi</b><img src=a onerror=x>')
    assert "<script" not in html
    assert "onclick" not in html
    assert "onerror" not in html
    assert "<b>hi</b>" in html


def test_javascript_links_are_dropped() -> None:
    html = render_markdown('<a href="javascript:alert(1)">x</a>')
    assert "javascript:" not in html


def test_inline_and_display_math_survive_markdown() -> None:
    html = render_markdown("Sum $a_1 + b_2$ then $$\\int_0^1 x<y$$")
    assert '<span class="math math-inline">\\(a_1 + b_2\\)</span>' in html
    assert '<span class="math math-display">\\[\\int_0^1 x&lt;y\\]</span>' in html
    assert "<em>" not in html


def test_dollar_amounts_and_code_are_not_math() -> None:
    html = render_markdown("costs $5 and $6, see `$x$`")
    assert "math" not in html
    assert "<code>$x$</code>" in html


@pytest.mark.parametrize(
    "text",
    [
        "What is a T5 model?",
        'He said "hi" - it\'s fine (really) 50% / \u2014 ok',
        "\u00dcn\u00efc\u00f6d\u00e9 w\u00f6rds\u2019 \u201cq\u201d",
        "x > y",
        "snake_case_name",
        "1. not a list?",
        "a  b",
        "- item",
    ],
)
def test_plain_text_shortcut_matches_the_full_renderer(text: str) -> None:
    assert render_markdown(text) == render_full(text)
