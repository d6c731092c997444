"""TeX macro definitions in card maths: collected, hidden, and expanded on request.

Anki users define macros inside a formula, in a field or in the template:
``\\(\\newcommand{\\E}{\\mathbb{E}}\\)``. MathJax remembers them for the rest of
the page, so later formulas may use ``\\E``. We collect every definition of a
note (``\\newcommand``, ``\\renewcommand``, ``\\providecommand``, ``\\def``,
``\\DeclareMathOperator``) into a table in KaTeX's ``macros`` form (``"\\\\E":
"\\\\mathbb{E}"``, arguments as ``#1``), and take the definitions out of the
formulas (a formula that only defined macros shows nothing, as in Anki). The
terminal, which has no KaTeX, expands them with :func:`expand`.

A definition we cannot express as a table entry (an optional argument with a
default, ``\\def`` with delimited parameters) is left in its formula for
KaTeX to handle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DEFINING = re.compile(r"\\(newcommand|renewcommand|providecommand|def|DeclareMathOperator)\b\*?")
_CONTROL = re.compile(r"\\([a-zA-Z@]+|.)")
_MAX_EXPANSIONS = 200


@dataclass(frozen=True)
class Definition:
    """One macro definition found in TeX, and where its text is."""

    name: str  # with the backslash: "\\E"
    body: str  # "#1" for arguments, as KaTeX wants
    arguments: int
    start: int
    end: int


def definitions(tex: str) -> list[Definition]:
    """The definitions in a formula that a macro table can hold, in order."""
    found: list[Definition] = []
    pos = 0
    while (match := _DEFINING.search(tex, pos)) is not None:
        definition = _definition(tex, match)
        if definition is None:
            pos = match.end()
            continue
        found.append(definition)
        pos = definition.end
    return found


def _definition(tex: str, match: re.Match[str]) -> Definition | None:
    command, pos = match.group(1), _skip_space(tex, match.end())
    name, pos = _macro_name(tex, pos)
    if name is None:
        return None
    if command == "def":
        arguments, pos = _def_parameters(tex, pos)
    elif command == "DeclareMathOperator":
        arguments = 0
    else:
        arguments, pos = _optional_count(tex, pos)
    if arguments is None or tex.startswith("[", _skip_space(tex, pos)):
        return None  # delimited parameters or an optional argument: left for KaTeX
    body, end = _group(tex, _skip_space(tex, pos))
    if body is None:
        return None
    if command == "DeclareMathOperator":
        body = f"\\operatorname{{{body}}}"
    return Definition(name, body, arguments, match.start(), end)


def _skip_space(tex: str, pos: int) -> int:
    while pos < len(tex) and tex[pos].isspace():
        pos += 1
    return pos


def _macro_name(tex: str, pos: int) -> tuple[str | None, int]:
    """``\\name`` or ``{\\name}`` at ``pos``."""
    braced = tex.startswith("{", pos)
    start = _skip_space(tex, pos + 1) if braced else pos
    control = _CONTROL.match(tex, start)
    if control is None:
        return None, pos
    end = control.end()
    if braced:
        end = _skip_space(tex, end)
        if not tex.startswith("}", end):
            return None, pos
        end += 1
    return control.group(0), end


def _optional_count(tex: str, pos: int) -> tuple[int | None, int]:
    """``[n]`` after a \\newcommand's name: the number of arguments (0 without)."""
    start = _skip_space(tex, pos)
    count = re.match(r"\[\s*(\d)\s*\]", tex[start:])
    if count is None:
        return 0, pos
    return int(count.group(1)), start + count.end()


def _def_parameters(tex: str, pos: int) -> tuple[int | None, int]:
    """``#1#2`` after a \\def's name; None for delimited parameters (``#1.``)."""
    params = re.match(r"(?:#\d)*", tex[pos:])
    text = params.group(0) if params else ""
    expected = "".join(f"#{i}" for i in range(1, len(text) // 2 + 1))
    after = _skip_space(tex, pos + len(text))
    if text != expected or not tex.startswith("{", after):
        return None, pos
    return len(text) // 2, pos + len(text)


def _group(tex: str, pos: int) -> tuple[str | None, int]:
    """The content of the brace group at ``pos`` and the index after it."""
    if not tex.startswith("{", pos):
        return None, pos
    depth, index = 0, pos
    while index < len(tex):
        char = tex[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return tex[pos + 1 : index], index + 1
        index += 1
    return None, pos


def collect(formulas: list[str]) -> dict[str, str]:
    """The macro table of these formulas (a later definition wins, as on a page)."""
    table: dict[str, str] = {}
    for tex in formulas:
        for definition in definitions(tex):
            table[definition.name] = definition.body
    return table


def without_definitions(tex: str) -> str:
    """A formula with the definitions a table holds taken out."""
    found = definitions(tex)
    if not found:
        return tex
    pieces: list[str] = []
    pos = 0
    for definition in found:
        pieces.append(tex[pos : definition.start])
        pos = definition.end
    pieces.append(tex[pos:])
    return "".join(pieces).strip()


def expand(tex: str, table: dict[str, str]) -> str:
    """``tex`` with the table's macros expanded (arguments substituted)."""
    if not table:
        return tex
    arities = {name: _arity(body) for name, body in table.items()}
    out: list[str] = []
    rest, budget = tex, _MAX_EXPANSIONS
    while rest:
        control = _CONTROL.match(rest) if rest[0] == "\\" else None
        name = control.group(0) if control else ""
        if control and name in table and budget > 0:
            budget -= 1  # a macro that expands to itself stops here
            arguments, end = _arguments(rest, control.end(), arities[name])
            body = table[name]
            for number, argument in enumerate(arguments, start=1):
                body = body.replace(f"#{number}", argument)
            rest = body + rest[end:]  # the expansion may use other macros
            continue
        step = control.end() if control else 1
        out.append(rest[:step])
        rest = rest[step:]
    return "".join(out)


def _arity(body: str) -> int:
    numbers = [int(n) for n in re.findall(r"#(\d)", body)]
    return max(numbers, default=0)


def _arguments(tex: str, pos: int, count: int) -> tuple[list[str], int]:
    arguments: list[str] = []
    for _ in range(count):
        pos = _skip_space(tex, pos)
        group, end = _group(tex, pos)
        if group is not None:
            arguments.append(group)
            pos = end
        elif pos < len(tex):
            control = _CONTROL.match(tex, pos) if tex[pos] == "\\" else None
            end = control.end() if control else pos + 1
            arguments.append(tex[pos:end])
            pos = end
    return arguments, pos
