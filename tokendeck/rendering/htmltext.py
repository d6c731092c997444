"""Small HTML helpers with Anki's semantics: what is "empty", what ``text:`` leaves.

Anki decides whether a field is empty, strips HTML for the ``text:`` filter and
for LaTeX, with regular expressions rather than an HTML parser; cards must come
out the same, so these follow the same rules (not the browser's).
"""

from __future__ import annotations

import html
import re

# Comments, style and script blocks go whole; any other tag goes alone.
_HTML = re.compile(
    r"<!--.*?-->|<style.*?>.*?</style>|<script.*?>.*?</script>|<.*?>",
    re.DOTALL | re.IGNORECASE,
)
# Whitespace, <br> and (empty) <div> tags: what an "empty" field may contain.
_EMPTY = re.compile(r"(?:\s|</?(?:br|div) ?/?>)*", re.IGNORECASE)


def strip_html_keeping_entities(text: str) -> str:
    """``text`` without tags, comments, styles and scripts; entities left as they are."""
    if "<" not in text:
        return text
    return _HTML.sub("", text)


def decode_entities(text: str) -> str:
    """Entities decoded, with non-breaking spaces as plain spaces (as Anki does)."""
    if "&" not in text:
        return text
    return html.unescape(text).replace("\xa0", " ")


def strip_html(text: str) -> str:
    """Plain text of an HTML fragment: Anki's ``text:`` filter."""
    return decode_entities(strip_html_keeping_entities(text))


def field_is_empty(text: str) -> bool:
    """Whether a field counts as empty for card generation and ``{{#Field}}``."""
    return _EMPTY.fullmatch(text) is not None
