"""TeX to readable Unicode for the terminal (via pylatexenc).

pylatexenc knows the symbols (``\\Omega`` → Ω, ``\\geq`` → ≥, ``\\sum`` → ∑,
``\\mathbb{R}`` → ℝ) but drops the braces of sub- and superscripts, so
``x_{n+1}`` would read "x_n+1". We first turn scripts into Unicode
superscript and subscript characters where every character has one (x², xᵢ),
and into ``^(…)``/``_(…)`` otherwise, then let pylatexenc do the rest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from tokendeck.rendering import macros as tex_macros

_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()niaeoxhjklmnprstuvwyABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵉᵒˣʰʲᵏˡᵐⁿᵖʳˢᵗᵘᵛʷʸᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SUBSCRIPTS = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_CONTROL = re.compile(r"\\([a-zA-Z@]+|.)")


def maths_text(tex: str, macros: Mapping[str, str] | None = None) -> str:
    """A formula as Unicode text, with ``macros`` (a KaTeX-style table) expanded."""
    expanded = tex_macros.expand(tex, dict(macros or {}))
    return _to_text(_scripts(expanded)).strip()


def _to_text(tex: str) -> str:
    text: str = _converter().latex_to_text(tex)
    return re.sub(r"[ \t]{2,}", " ", text)


@lru_cache(maxsize=1)
def _converter() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text  # lazy: only the terminal needs it

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def _scripts(tex: str) -> str:
    """``^``/``_`` scripts replaced by their Unicode text, inner groups first."""
    out: list[str] = []
    pos = 0
    while pos < len(tex):
        char = tex[pos]
        if char == "\\":
            control = _CONTROL.match(tex, pos)
            end = control.end() if control else pos + 1
            out.append(tex[pos:end])
            pos = end
        elif char == "{":
            body, end = _group(tex, pos)
            out.append("{" + _scripts(body) + "}")
            pos = end
        elif char in "^_" and pos + 1 < len(tex):
            if out and out[-1][-1:].isalpha() and out[-1].startswith("\\"):
                out.append("{}")  # "\sumⁿ" would read as one unknown macro
            argument, pos = _argument(tex, pos + 1)
            out.append(_script(char, _to_text(_scripts(argument)).strip()))
        else:
            out.append(char)
            pos += 1
    return "".join(out)


def _group(tex: str, pos: int) -> tuple[str, int]:
    depth, index = 0, pos
    while index < len(tex):
        if tex[index] == "\\":
            index += 2
            continue
        if tex[index] == "{":
            depth += 1
        elif tex[index] == "}":
            depth -= 1
            if depth == 0:
                return tex[pos + 1 : index], index + 1
        index += 1
    return tex[pos + 1 :], len(tex)


def _argument(tex: str, pos: int) -> tuple[str, int]:
    while pos < len(tex) and tex[pos] == " ":
        pos += 1
    if pos >= len(tex):
        return "", pos
    if tex[pos] == "{":
        return _group(tex, pos)
    if tex[pos] == "\\":
        control = _CONTROL.match(tex, pos)
        end = control.end() if control else pos + 1
        return tex[pos:end], end
    return tex[pos], pos + 1


def _script(kind: str, text: str) -> str:
    table = _SUPERSCRIPTS if kind == "^" else _SUBSCRIPTS
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    if len(text) == 1:
        return kind + text
    return f"{kind}({text})"
