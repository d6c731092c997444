"""The field filters of Anki's templates: ``{{text:F}}``, ``{{cloze:F}}``, ``{{hint:F}}``…

Filters apply right to left (``{{text:cloze:F}}`` reveals the cloze, then
strips HTML). A filter Anki does not know itself (an add-on's) leaves the
text unchanged, as Anki does when the add-on is missing. ``type:`` leaves a
``[[type:…]]`` marker that the card renderer turns into an answer box (question)
or the expected answer (answer side).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from tokendeck.rendering import cloze
from tokendeck.rendering.htmltext import strip_html

# "kanji[reading]", with an optional leading space that the reading replaces.
_FURIGANA = re.compile(r" ?([^ >]+?)\[(.+?)\]")
TYPE_MARKER = re.compile(r"\[\[type:(?:(cloze|nc):)?([^\]]+)\]\]")


@dataclass(frozen=True)
class FilterContext:
    """What filters need to know about the card: its cloze number and side."""

    card_ord: int
    question: bool


def apply(text: str, filters: tuple[str, ...], field_name: str, context: FilterContext) -> str:
    """``text`` after ``filters`` (in the order they apply)."""
    if filters == ("cloze", "type"):
        filters = ("type-cloze",)
    elif filters == ("nc", "type"):
        filters = ("type-nc",)
    elif filters and filters[-1] == "type":
        filters = ("type",)
    for name in filters:
        text = _apply_one(name, text, field_name, context)
    return text


def _apply_one(name: str, text: str, field_name: str, context: FilterContext) -> str:
    number = context.card_ord + 1
    if name == "text":
        return strip_html(text)
    if name == "cloze":
        revealed = cloze.reveal(text, number, question=context.question)
        return cloze.strip_html_in_maths(revealed)
    if name == "cloze-only":
        return cloze.reveal_only(text, number, question=context.question)
    if name in ("furigana", "kana", "kanji"):
        return _reading(name, text)
    if name == "hint":
        return _hint(text, field_name)
    if name == "type":
        return f"[[type:{field_name}]]"
    if name == "type-cloze":
        return f"[[type:cloze:{field_name}]]"
    if name == "type-nc":
        return f"[[type:nc:{field_name}]]"
    if name.startswith("tts "):
        return _tts(name[4:], text)
    return text  # "" and unknown (add-on) filters


def _reading(name: str, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        base, reading = match.group(1), match.group(2)
        if reading.startswith("sound:"):
            return match.group(0)  # [sound:…] is not a reading
        if name == "kana":
            return reading
        if name == "kanji":
            return base
        return f"<ruby><rb>{base}</rb><rt>{reading}</rt></ruby>"

    return _FURIGANA.sub(replace, text.replace("&nbsp;", " "))


def _hint(text: str, field_name: str) -> str:
    """A hint that opens when clicked: ``<details>`` works without script."""
    if not text.strip():
        return text
    return (
        f'<details class="hint"><summary>{html.escape(field_name)}</summary>'
        f'<div class="hint">{text}</div></details>'
    )


def _tts(options: str, text: str) -> str:
    """Text for the browser to speak (Anki's ``tts`` filter); the language first."""
    language = options.split()[0] if options.split() else ""
    return (
        f'<span class="tts" lang="{html.escape(language.replace("_", "-"))}" '
        f'data-text="{html.escape(strip_html(text))}"></span>'
    )
