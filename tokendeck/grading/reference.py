"""The part of a card's back that a typed answer is compared with.

Backs in TokenDeck start with a one-sentence answer followed by a blank line
and further facts in Markdown (see tokendeck/data/llm-vocabulary.toml). A
learner types the answer, not the notes, so only the first paragraph counts,
with Markdown emphasis, code marks and link targets removed.
"""

from __future__ import annotations

import re

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # [text](target) -> text
_MARKS = re.compile(r"(\*\*|__|`|~~)")
_EMPHASIS = re.compile(r"(?<!\w)[*_]([^*_\n]+)[*_](?!\w)")
_HEADING_OR_BULLET = re.compile(r"^\s*(?:#{1,6}|[-*+]|\d+[.)])\s+", re.MULTILINE)


def reference_text(back: str) -> str:
    """First paragraph of ``back`` as plain text ("" stays "")."""
    text = back.strip()
    first = _PARAGRAPH_BREAK.split(text, maxsplit=1)[0] if text else ""
    first = _LINK.sub(r"\1", first)
    first = _MARKS.sub("", first)
    first = _EMPHASIS.sub(r"\1", first)
    first = _HEADING_OR_BULLET.sub("", first)
    return " ".join(first.split())
