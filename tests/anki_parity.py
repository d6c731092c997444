"""What a rendered card shows, normalised so that Anki's and ours can be compared.

Anki's ``card.question()``/``card.answer()`` (from its ``anki`` package) and our
sanitised HTML differ in markup that does not change what the learner sees:
Anki leaves ``[anki:play:q:0]`` where a sound plays and ``[[type:Field]]`` where
its reviewer puts an answer box; we put ``<audio>`` and a ``type-answer`` box.
So each side is reduced to what it shows: its words (maths and scripts left
out), its images, its sounds, and its formulas (TeX with macro definitions
taken out, whitespace collapsed). Anki's maths is found with a plain pattern
over its text (``\\(…\\)``/``\\[…\\]``), independently of our maths finder.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

from tokendeck.rendering import macros
from tokendeck.rendering.media import PAGE_MEDIA_ROUTE

_PLAY = re.compile(r"\[anki:play:([qa]):(\d+)\]")
_TYPE = re.compile(r"\[\[type:[^\]]*\]\]")
_MATHS = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.DOTALL)
_LATEX_ALT = re.compile(
    r"^\s*(?:\$(.*)\$|\\begin\{displaymath\}(.*)\\end\{displaymath\})\s*$", re.DOTALL
)
_SKIPPED = {"script", "style", "title", "textarea", "template"}


@dataclass
class Shown:
    """What one side of a card shows."""

    words: list[str] = field(default_factory=list)
    images: Counter[str] = field(default_factory=Counter)
    sounds: Counter[str] = field(default_factory=Counter)
    maths: list[str] = field(default_factory=list)

    def differences(self, other: Shown) -> list[str]:
        """What differs from ``other`` (empty when they show the same)."""
        found = []
        if self.words != other.words:
            found.append(f"words {_diff(self.words, other.words)}")
        if self.images != other.images:
            found.append(f"images {dict(self.images)} != {dict(other.images)}")
        if self.sounds != other.sounds:
            found.append(f"sounds {dict(self.sounds)} != {dict(other.sounds)}")
        if self.maths != other.maths:
            found.append(f"maths {self.maths} != {other.maths}")
        return found


def _diff(ours: list[str], theirs: list[str]) -> str:
    start = 0
    while start < min(len(ours), len(theirs)) and ours[start] == theirs[start]:
        start += 1
    return f"at word {start}: {ours[start : start + 8]} != {theirs[start : start + 8]}"


def normalise_tex(tex: str) -> str:
    """A formula without macro definitions, whitespace collapsed."""
    return " ".join(macros.without_definitions(tex).split())


class _Reader(HTMLParser):
    """Text (br as a space), images and sounds of HTML, skipping scripts and styles."""

    def __init__(self, *, ours: bool, latex_images: set[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.ours = ours
        self.latex_images = latex_images
        self.text: list[str] = []
        self.shown = Shown()
        self.skip: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        classes = attributes.get("class", "").split()
        if self.skip or tag in _SKIPPED or (self.ours and "type-answer" in classes):
            self.skip.append(tag)
            return
        if tag == "br":
            self.text.append(" ")
        elif tag == "img":
            self._image(attributes, classes)
        elif tag in ("audio", "video") and attributes.get("src"):
            self.shown.sounds[self._source(attributes["src"])] += 1
        elif tag in ("div", "p", "li", "tr", "td", "hr", "h1", "h2", "h3", "summary"):
            self.text.append(" ")

    def _source(self, value: str) -> str:
        # Our pages load media from the media route; Anki names the file itself.
        name = unquote(value)
        return name.removeprefix(PAGE_MEDIA_ROUTE) if self.ours else name

    def _image(self, attributes: dict[str, str], classes: list[str]) -> None:
        src = self._source(attributes.get("src", ""))
        if "latex" in classes and src not in self.latex_images:
            # Anki's LaTeX image without its file (not rendered here): compare the formula.
            alt = _LATEX_ALT.match(attributes.get("alt", ""))
            tex = next((g for g in alt.groups() if g is not None), "") if alt else ""
            self.text.append(f" \\({tex}\\) ")
            return
        self.shown.images[src] += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if self.skip and self.skip[-1] == tag:
            self.skip.pop()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag == self.skip[-1]:
                self.skip.pop()
            return
        if tag in ("div", "p", "li", "tr", "td", "summary"):
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def shown(html: str, *, ours: bool, latex_images: set[str], sounds: dict[str, list[str]]) -> Shown:
    """What ``html`` shows; ``sounds`` names Anki's ``[anki:play:q|a:n]`` tags by side, index."""
    if not ours:
        html = _TYPE.sub(" ", html)
    reader = _Reader(ours=ours, latex_images=latex_images)
    reader.feed(html)
    reader.close()
    text = "".join(reader.text)
    result = reader.shown
    if not ours:
        for match in _PLAY.finditer(text):
            result.sounds[sounds[match.group(1)][int(match.group(2))]] += 1
        text = _PLAY.sub(" ", text)
    result.maths = [
        t
        for t in (normalise_tex(m.group(1) or m.group(2) or "") for m in _MATHS.finditer(text))
        if t
    ]
    result.words = _MATHS.sub(" ", text).split()
    return result


def anki_sides(card: Any, error_texts: list[str]) -> tuple[str, str, dict[str, list[str]]]:
    """Anki's question and answer HTML (styles and LaTeX-disabled notices removed), and
    the files its ``[anki:play:q|a:n]`` tags play."""
    question, answer = card.question(), card.answer()
    sounds = {
        "q": [getattr(t, "filename", "") for t in card.question_av_tags()],
        "a": [getattr(t, "filename", "") for t in card.answer_av_tags()],
    }
    cleaned = []
    for side in (question, answer):
        side = re.sub(r"^<style>.*?</style>", "", side, flags=re.DOTALL)
        for notice in error_texts:
            side = side.replace(notice, "")
        cleaned.append(side)
    return cleaned[0], cleaned[1], sounds
