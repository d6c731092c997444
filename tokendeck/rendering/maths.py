"""Finding the maths in card HTML the way Anki's MathJax does.

Anki configures MathJax with ``\\(…\\)`` for inline and ``\\[…\\]`` for displayed
maths, and nothing else: ``$…$`` and ``$$…$$`` stay text, and environments
outside those delimiters are not typeset. MathJax reads the page's text, so a
formula may contain entities (``&lt;``), ``<br>`` (a line break, which TeX
reads as a space) and comments, but no other tag: ``\\(a<b>x</b>\\)`` is not
maths. Nothing inside ``<script>``, ``<style>``, ``<textarea>``, ``<pre>`` or
``<code>`` is maths. The closing delimiter is the first one outside braces.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

# A tag or comment: "<" then a letter, "/" or "!". A "<" followed by anything
# else is text to a browser ("a < b").
_TAG = re.compile(r"<!--.*?-->|<[a-zA-Z/!][^>]*>", re.DOTALL)
_TAG_NAME = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)")
_SKIPPED = frozenset({"script", "style", "textarea", "pre", "code", "noscript"})
# Inside maths: what MathJax reads as text (line breaks) and what it ignores.
_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_IGNORED = re.compile(r"<wbr\s*/?>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_ALLOWED_INSIDE = re.compile(r"<(?:br|wbr)\b[^>]*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)
_CLOSE = {"(": "\\)", "[": "\\]"}


@dataclass(frozen=True)
class Maths:
    """One formula found in HTML: where it is, and the TeX MathJax would read."""

    start: int
    end: int
    tex: str
    display: bool


def find(text: str) -> list[Maths]:
    """Every formula in an HTML fragment, in order."""
    if "\\(" not in text and "\\[" not in text:
        return []
    return list(_scan(text))


def _scan(text: str) -> Iterator[Maths]:
    pos, skipping = 0, ""
    while pos < len(text):
        tag = _TAG.match(text, pos) if text[pos] == "<" else None
        if tag:
            skipping = _skip_state(tag.group(0), skipping)
            pos = tag.end()
            continue
        if skipping or text[pos] != "\\" or text[pos + 1 : pos + 2] not in ("(", "["):
            pos += 1
            continue
        end = _closing(text, pos + 2, _CLOSE[text[pos + 1]])
        if end is None:
            pos += 2  # no end: not maths, look for the next opening
            continue
        raw = text[pos + 2 : end]
        yield Maths(start=pos, end=end + 2, tex=_tex(raw), display=text[pos + 1] == "[")
        pos = end + 2


def _skip_state(tag: str, skipping: str) -> str:
    """Which element we are inside whose text is not maths ("" for none)."""
    name_match = _TAG_NAME.match(tag)
    if name_match is None:
        return skipping
    name = name_match.group(1).lower()
    if skipping:
        return "" if tag.startswith("</") and name == skipping else skipping
    if name in _SKIPPED and not tag.startswith("</") and not tag.endswith("/>"):
        return name
    return ""


def _closing(text: str, pos: int, close: str) -> int | None:
    """Index of the closing delimiter (outside braces), or None if there is none."""
    braces = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            allowed = _ALLOWED_INSIDE.match(text, pos)
            if allowed is None:
                if _TAG.match(text, pos):
                    return None  # a tag ends MathJax's run of text
                pos += 1
                continue
            pos = allowed.end()
            continue
        if text.startswith(close, pos) and braces == 0:
            return pos
        if char == "\\":
            pos += _control_length(text, pos)
            continue
        if char == "{":
            braces += 1
        elif char == "}" and braces:
            braces -= 1
        pos += 1
    return None


def _control_length(text: str, pos: int) -> int:
    """Length of the TeX control sequence at ``pos``: ``\\name`` or ``\\x``."""
    end = pos + 1
    while end < len(text) and (text[end].isalpha() or text[end] == "@"):
        end += 1
    return max(end - pos, 2)


def _tex(raw: str) -> str:
    """The TeX of a formula's HTML: breaks as newlines, comments gone, entities decoded."""
    if "<" in raw:
        raw = _IGNORED.sub("", _BREAKS.sub("\n", raw))
    return html.unescape(raw) if "&" in raw else raw


def wrap(tex: str, *, display: bool) -> str:
    """A formula as the pages show it: escaped TeX in a span that KaTeX renders."""
    opening, closing = ("\\[", "\\]") if display else ("\\(", "\\)")
    kind = "math math-display" if display else "math math-inline"
    return f'<span class="{kind}">{opening}{html.escape(tex, quote=False)}{closing}</span>'
