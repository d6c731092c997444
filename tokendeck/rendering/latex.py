"""Anki's legacy LaTeX: ``[latex]…[/latex]``, ``[$]…[/$]`` and ``[$$]…[/$$]``.

Anki renders each with the ``latex`` program into ``latex-<sha1>.png`` (or
``.svg``), named by the SHA-1 of the LaTeX text, and shows that image. A deck
that was shared with its images keeps them: we show the same file. Without
the image (nobody rendered it, or the file was lost) the formula becomes
MathJax/KaTeX maths instead: ``[$]`` inline, ``[$$]`` displayed, and the
``$…$``/``$$…$$`` inside ``[latex]`` text likewise.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from tokendeck.rendering.htmltext import strip_html

_LEGACY = re.compile(
    r"\[latex\](.+?)\[/latex\]|\[\$\](.+?)\[/\$\]|\[\$\$\](.+?)\[/\$\$\]",
    re.DOTALL | re.IGNORECASE,
)
_NEWLINES = re.compile(r"<br( /)?>|<div>", re.IGNORECASE)
# Maths inside [latex] text: $$…$$ and \[…\] displayed, $…$ and \(…\) inline,
# a bare environment displayed.
_TEXT_MATHS = re.compile(
    r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\$(.+?)\$|\\\((.+?)\\\)"
    r"|(\\begin\{(\w+\*?)\}.*?\\end\{\6\})",
    re.DOTALL,
)


@dataclass(frozen=True)
class LatexImage:
    """One legacy formula: the LaTeX Anki renders, and the image file it names."""

    latex: str
    file_name: str


def contains_latex(text: str) -> bool:
    """Whether ``text`` has any legacy LaTeX."""
    return "[" in text and _LEGACY.search(text) is not None


def file_name(latex: str, *, svg: bool = False) -> str:
    """The media file Anki renders ``latex`` (the text inside the tags) into."""
    digest = hashlib.sha1(latex.encode("utf-8")).hexdigest()
    return f"latex-{digest}.{'svg' if svg else 'png'}"


def formulas(text: str, *, svg: bool = False) -> list[LatexImage]:
    """Every legacy formula of ``text``, with the image file it would use."""
    return [_image(match, svg) for match in _LEGACY.finditer(text)]


def _image(match: re.Match[str], svg: bool) -> LatexImage:
    standard, inline, display = match.groups()
    if standard is not None:
        source = standard
    elif inline is not None:
        source = f"${inline}$"
    else:
        source = f"\\begin{{displaymath}}{display}\\end{{displaymath}}"
    # Anki's cleaning: line breaks kept as newlines, other HTML dropped, entities decoded.
    latex = strip_html(_NEWLINES.sub("\n", source))
    return LatexImage(latex=latex, file_name=file_name(latex, svg=svg))


def replace(text: str, has_media: Callable[[str], bool], *, svg: bool = False) -> str:
    """``text`` with each formula shown as its image, or as maths when there is none."""
    if not contains_latex(text):
        return text

    def convert(match: re.Match[str]) -> str:
        image = _image(match, svg)
        if has_media(image.file_name):
            alt = html.escape(image.latex, quote=True)
            return f'<img class="latex" alt="{alt}" src="{image.file_name}">'
        _standard, inline, display = match.groups()
        if inline is not None:
            return "\\(" + _escaped(strip_html(_NEWLINES.sub("\n", inline))) + "\\)"
        if display is not None:
            return "\\[" + _escaped(strip_html(_NEWLINES.sub("\n", display))) + "\\]"
        return _text_with_maths(image.latex)

    return _LEGACY.sub(convert, text)


def _text_with_maths(latex: str) -> str:
    """``[latex]`` text without its image: its maths as MathJax, the rest as text."""
    out: list[str] = []
    pos = 0
    for match in _TEXT_MATHS.finditer(latex):
        out.append(html.escape(latex[pos : match.start()], quote=False))
        display_body = match.group(1) or match.group(2) or match.group(5)
        if display_body is not None:
            out.append("\\[" + _escaped(display_body) + "\\]")
        else:
            out.append("\\(" + _escaped(match.group(3) or match.group(4)) + "\\)")
        pos = match.end()
    out.append(html.escape(latex[pos:], quote=False))
    return "".join(out).replace("\n", "<br>")


def _escaped(tex: str) -> str:
    # Back into HTML, where the maths finder decodes entities again.
    return html.escape(tex, quote=False)
