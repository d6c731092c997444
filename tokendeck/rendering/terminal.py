"""Rendered card HTML as readable terminal text.

Line breaks, paragraphs, lists and table rows stay; images read
``[image: name]`` and sounds ``[sound: name]``; maths becomes Unicode
(``\\Omega`` → Ω, ``\\geq`` → ≥, ``x^2`` → x²) with the card's macros expanded,
and LaTeX images show their formula. Hidden elements stay hidden, and a
``{{hint:}}`` shows only its label unless ``reveal_hints``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import unquote

from tokendeck.rendering.texttex import maths_text

_BLOCKS = {
    "address", "article", "aside", "blockquote", "center", "details", "dd", "div", "dl",
    "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "main", "ol", "p", "pre", "section", "summary", "table", "tr", "ul", "li",
}  # fmt: skip
_VOID = {"br", "hr", "img", "wbr", "col", "source", "input"}
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_RULE = "─" * 24
_LATEX_WRAPPERS = re.compile(
    r"^\s*(?:\$\$?(.*?)\$\$?|\\begin\{displaymath\}(.*?)\\end\{displaymath\})\s*$", re.DOTALL
)


def terminal_text(
    html: str, macros: Mapping[str, str] | None = None, *, reveal_hints: bool = False
) -> str:
    """The text of rendered card HTML, for a terminal."""
    writer = _Writer(dict(macros or {}), reveal_hints=reveal_hints)
    writer.feed(html)
    writer.close()
    return writer.text()


class _Writer(HTMLParser):
    def __init__(self, macros: dict[str, str], *, reveal_hints: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.macros = macros
        self.reveal_hints = reveal_hints
        self.out: list[str] = []
        #: Open elements: (tag, hides its content, list counter or None).
        self.stack: list[tuple[str, bool, list[int] | None]] = []
        self.maths: list[str] | None = None
        self.pre = 0
        self.cells = 0

    # Parsing events -------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag in _VOID:
            if not self.hidden:
                self._void(tag, attributes)
            return
        hides = bool(_HIDDEN.search(attributes.get("style", "")))
        classes = attributes.get("class", "").split()
        if tag == "details" and not self.reveal_hints and not self.hidden:
            self._write("[hint]" if not classes or "hint" in classes else "[more]")
            hides = True
        if tag in ("audio", "video") and not self.hidden:
            name = attributes.get("src")
            self._write(f"[sound: {_file_name(name)}]" if name else "[sound]")
            hides = True  # a player's fallback text is not card text
        counter: list[int] | None = None
        if tag in ("ol", "ul"):
            counter = [int(attributes.get("start") or 1) if tag == "ol" else 0]
        self.stack.append((tag, self.hidden or hides, counter))
        if self.hidden:
            return
        self._open(tag, classes)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(t == tag for t, _h, _c in self.stack):
            return
        while self.stack:
            open_tag, hidden, _counter = self.stack.pop()
            if not hidden:
                self._close(open_tag)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.maths is not None:
            self.maths.append(data)
        elif self.pre:
            self.out.append(data)
        else:
            self._write(re.sub(r"\s+", " ", data))

    # Elements ----------------------------------------------------------------

    @property
    def hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def _void(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "hr":
            self._newline()
            self.out.append(_RULE + "\n")
        elif tag == "img":
            self._write(self._image(attributes))

    def _image(self, attributes: dict[str, str]) -> str:
        if "latex" in attributes.get("class", "").split() and attributes.get("alt"):
            alt = attributes["alt"]
            wrapped = _LATEX_WRAPPERS.match(alt)
            tex = next((g for g in wrapped.groups() if g is not None), alt) if wrapped else alt
            return maths_text(tex, self.macros)
        return f"[image: {_file_name(attributes.get('src', ''))}]"

    def _open(self, tag: str, classes: list[str]) -> None:
        if "math" in classes and tag == "span":
            self.maths = []
            return
        if tag in _BLOCKS:
            self._newline()
        if tag == "li":
            self._bullet()
        elif tag in ("td", "th"):
            if self.cells:
                self._write(" | ")
            self.cells += 1
        elif tag == "tr":
            self.cells = 0
        elif tag == "pre":
            self.pre += 1
        elif tag == "rt":
            self._write("(")
        elif "type-answer" in classes:
            self._write("[type the answer] ")

    def _close(self, tag: str) -> None:
        if self.maths is not None and tag == "span":
            tex = "".join(self.maths)
            self.maths = None
            self._write(maths_text(_strip_delimiters(tex), self.macros))
            return
        if tag == "rt":
            self._write(")")
        elif tag == "pre":
            self.pre -= 1
        if tag in _BLOCKS:
            self._newline()

    def _bullet(self) -> None:
        depth = sum(1 for t, _h, c in self.stack if c is not None) - 1
        lists = [c for _t, _h, c in self.stack if c is not None]
        indent = "  " * max(depth, 0)
        if lists and lists[-1][0] > 0:
            self._write(f"{indent}{lists[-1][0]}. ")
            lists[-1][0] += 1
        else:
            self._write(f"{indent}• ")

    # Output ------------------------------------------------------------------

    def _write(self, text: str) -> None:
        if text:
            self.out.append(text)

    def _newline(self) -> None:
        if self.out and not "".join(self.out[-2:]).endswith("\n"):
            self.out.append("\n")

    def text(self) -> str:
        joined = "".join(self.out)
        lines = [line.strip() if not line.startswith("  ") else line.rstrip() for line in
                 joined.split("\n")]  # fmt: skip
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)


def _file_name(src: str) -> str:
    return unquote(src.rsplit("/", 1)[-1]) if src else "?"


def _strip_delimiters(tex: str) -> str:
    tex = tex.strip()
    if tex[:2] in ("\\(", "\\[") and tex[-2:] in ("\\)", "\\]"):
        return tex[2:-2]
    return tex
