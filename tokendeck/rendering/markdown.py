"""A Markdown note's text to safe HTML: Markdown, sanitised HTML, code blocks and LaTeX maths.

Math is cut out before Markdown runs (so ``a_1 * b_2`` is not turned into
emphasis), and put back after sanitising as escaped text inside
``<span class="math">`` with ``\\(...\\)`` or ``\\[...\\]`` delimiters, which
KaTeX renders in the browser. Whatever HTML the learner writes goes through
nh3 (Ammonia), so a shared deck cannot run script in the page.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt

from tokendeck.rendering.media import is_local, page_url

# Code (left alone), then $$...$$, \[...\], \(...\) and $...$ (a single $ must hug
# its content, so "$5 and $6" stays text).
_MATH = re.compile(
    r"(?P<code>```.*?```|`[^`\n]*`)"
    r"|\$\$(?P<d1>.+?)\$\$"
    r"|\\\[(?P<d2>.+?)\\\]"
    r"|\\\((?P<i1>.+?)\\\)"
    r"|(?<![\\$\w])\$(?P<i2>[^\s$](?:[^$\n]*?[^\s$])?)\$(?![\w$])",
    re.DOTALL,
)
_TOKEN = "\ue000MATH{}\ue001"
_TOKEN_RE = re.compile("\ue000MATH(\\d+)\ue001")

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "div", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "mark", "ol", "p", "pre", "s",
    "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul", "ruby", "rt", "rp",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "span": {"class"},
    "div": {"class"},
    "td": {"align"},
    "th": {"align"},
}


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "breaks": True}).enable("table")


# One line of words and punctuation that Markdown leaves as it is and that needs no
# escaping: most flashcards. Rendered without the parser (a millisecond saved per side).
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.;:'\"?!()/%\u2018\u2019\u201c\u201d\u2013\u2014-])*")


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> str:
    """Render card text to sanitised HTML with math left for KaTeX.

    Cached: the study page shows each card's text several times (question,
    answer, the answered card).
    """
    if _PLAIN.fullmatch(text) and "  " not in text:
        return f"<p>{text}</p>"
    return render_full(text)


def render_full(text: str) -> str:
    """:func:`render_markdown` without the plain-text shortcut or the cache."""
    maths: list[str] = []

    def cut(match: re.Match[str]) -> str:
        if match.group("code") is not None:
            return match.group("code")
        display = match.group("d1") is not None or match.group("d2") is not None
        body = next(g for g in match.groups()[1:] if g is not None)
        maths.append(_math_html(body, display=display))
        return _TOKEN.format(len(maths) - 1)

    source = _MATH.sub(cut, text)
    rendered = _markdown().render(source)
    clean = nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_media_src,
        link_rel="noopener noreferrer",
    )
    return _TOKEN_RE.sub(lambda m: maths[int(m.group(1))], clean).strip()


def _media_src(tag: str, attribute: str, value: str) -> str | None:
    """An image named by file (``![](cat.png)``) loads from the collection's media route."""
    if tag == "img" and attribute == "src" and is_local(value):
        return page_url(unquote(value))  # Markdown's link syntax percent-encodes the name
    return value


def _math_html(body: str, *, display: bool) -> str:
    opening, closing = (r"\[", r"\]") if display else (r"\(", r"\)")
    kind = "math math-display" if display else "math math-inline"
    return f'<span class="{kind}">{opening}{html.escape(body)}{closing}</span>'
