"""Anki's card template language: parsing, rendering, and when a card is empty.

A template is HTML with ``{{Field}}`` replacements, ``{{filter:…:Field}}``
filters (applied right to left), ``{{#Field}}…{{/Field}}`` and
``{{^Field}}…{{/Field}}`` sections, ``{{FrontSide}}`` on the answer side and
``<!-- comments -->`` (kept, and not searched for replacements). A template
that starts with ``{{=<% %>=}}`` uses ``<% %>`` instead of braces, as some very
old decks do. Errors (a section never closed, an unknown field) are
:class:`TemplateError`; Anki shows them in place of the card.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

_ALT_SYNTAX = "{{=<% %>=}}"
_STANDARD = re.compile(r"\{\{(.*?)\}\}|<!--(.*?)-->", re.DOTALL)
_LEGACY = re.compile(r"<%(.*?)%>|<!--(.*?)-->", re.DOTALL)


class TemplateError(ValueError):
    """A template that cannot be rendered; the message says why, as Anki's does."""


@dataclass(frozen=True)
class Text:
    """Literal HTML of the template."""

    text: str


@dataclass(frozen=True)
class Comment:
    """An HTML comment: kept as it is, with any ``{{…}}`` inside left alone."""

    text: str


@dataclass(frozen=True)
class Replacement:
    """``{{filter2:filter1:Field}}``: ``filters`` in the order they apply (1, then 2)."""

    key: str
    filters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """``{{#key}}…{{/key}}``, or ``{{^key}}…{{/key}}`` when ``negated``."""

    key: str
    children: tuple[Node, ...]
    negated: bool = False


Node = Text | Comment | Replacement | Section


@lru_cache(maxsize=512)
def parse(template: str) -> tuple[Node, ...]:
    """The nodes of a template (cached: every card of a note type shares them)."""
    stripped = template.lstrip()
    if stripped.startswith(_ALT_SYNTAX):
        template, pattern = stripped[len(_ALT_SYNTAX) :], _LEGACY
    else:
        pattern = _STANDARD
    nodes, rest = _parse(_tokens(template, pattern), None)
    assert rest is None
    return tuple(nodes)


def _tokens(template: str, pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    for match in pattern.finditer(template):
        if match.start() > pos:
            tokens.append(("text", template[pos : match.start()]))
        if match.group(1) is not None:
            tokens.append(_classify(match.group(1)))
        else:
            tokens.append(("comment", match.group(2)))
        pos = match.end()
    if pos < len(template):
        tokens.append(("text", template[pos:]))
    tokens.reverse()  # popped from the end
    return tokens


def _classify(handle: str) -> tuple[str, str]:
    inner = handle.lstrip("{").strip()
    if len(inner) >= 2 and inner[0] in "#/^":
        return {"#": "open", "/": "close", "^": "negated"}[inner[0]], inner[1:].lstrip()
    return "replace", inner


def _parse(tokens: list[tuple[str, str]], open_key: str | None) -> tuple[list[Node], str | None]:
    nodes: list[Node] = []
    while tokens:
        kind, value = tokens.pop()
        if kind == "text":
            nodes.append(Text(value))
        elif kind == "comment":
            nodes.append(Comment(value))
        elif kind == "replace":
            *filters, key = value.split(":")
            nodes.append(Replacement(key, tuple(reversed(filters))))
        elif kind in ("open", "negated"):
            children, _ = _parse(tokens, value)
            nodes.append(Section(value, tuple(children), negated=kind == "negated"))
        elif value == open_key:
            return nodes, None
        elif open_key is not None:
            raise TemplateError(f"Found '{{{{/{value}}}}}', but expected '{{{{/{open_key}}}}}'")
        else:
            raise TemplateError(
                f"Found '{{{{/{value}}}}}', but missing '{{{{#{value}}}}}' or '{{{{^{value}}}}}'"
            )
    if open_key is not None:
        raise TemplateError(f"Missing '{{{{/{open_key}}}}}'")
    return nodes, None


def is_cloze_key(key: str) -> bool:
    """``c1``, ``c2``…: sections on cloze numbers never count as unknown fields."""
    return key.startswith("c") and key[1:].isdigit()


#: Applies one template's filters to a field's text: (text, filters, field name).
FilterRunner = Callable[[str, tuple[str, ...], str], str]


@dataclass
class RenderContext:
    """What one side of one card is rendered with."""

    #: Field name -> HTML, special fields (Tags, Deck, Card…) included.
    fields: Mapping[str, str]
    #: Names of the fields that are not empty.
    nonempty: frozenset[str]
    apply_filters: FilterRunner
    #: The rendered question, on the answer side; None on the question side.
    frontside: str | None = None
    _out: list[str] = field(default_factory=list)

    def section_is_shown(self, key: str, *, negated: bool) -> bool:
        """Whether ``{{#key}}`` (or ``{{^key}}``) shows its content."""
        if key in self.nonempty:
            return not negated
        if key in self.fields or is_cloze_key(key):
            return negated
        prefix = "^" if negated else "#"
        raise TemplateError(f"Found '{{{{{prefix}{key}}}}}', but there is no field called '{key}'")


def render(nodes: tuple[Node, ...], context: RenderContext) -> str:
    """The HTML of one side: fields filled in, sections resolved."""
    out: list[str] = []
    _render(nodes, context, out)
    return "".join(out)


def _render(nodes: tuple[Node, ...], context: RenderContext, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Comment):
            out.append(f"<!--{node.text}-->")
        elif isinstance(node, Replacement):
            out.append(_replace(node, context))
        else:
            shown = context.section_is_shown(node.key, negated=node.negated)
            # A hidden section is still rendered, so its errors are reported.
            _render(node.children, context, out if shown else [])


def _replace(node: Replacement, context: RenderContext) -> str:
    if node.key == "FrontSide":
        return context.frontside or ""
    if not node.key:
        return ""  # {{filter:}}: only add-on filters make text from nothing
    text = context.fields.get(node.key)
    if text is None:
        written = ":".join((*reversed(node.filters), node.key))
        raise TemplateError(f"Found '{{{{{written}}}}}', but there is no field called '{node.key}'")
    return context.apply_filters(text, node.filters, node.key) if node.filters else text


def is_empty(nodes: tuple[Node, ...], nonempty: frozenset[str]) -> bool:
    """Whether a question template shows no field with these fields filled: no card."""
    for node in nodes:
        if isinstance(node, Replacement):
            if node.key in nonempty:
                return False
        elif isinstance(node, Section):
            if node.negated and node.key in nonempty:
                continue
            if not node.negated and node.key not in nonempty:
                continue
            if not is_empty(node.children, nonempty):
                return False
    return True


def referenced_fields(nodes: tuple[Node, ...]) -> set[str]:
    """Names used by replacements and sections (special fields included)."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, Replacement):
            names.add(node.key)
        elif isinstance(node, Section):
            names.add(node.key)
            names |= referenced_fields(node.children)
    return names


def requirements(nodes: tuple[Node, ...], field_names: list[str]) -> tuple[str, list[int]]:
    """Anki's legacy ``req`` entry for a template: ("any"|"all"|"none", field indexes).

    "any": the card exists when one of these fields is filled; "all": when all
    are. Negated sections count as shown, as older Anki versions computed it.
    """
    loose = _without_negation(nodes)
    anyof = [i for i, n in enumerate(field_names) if not is_empty(loose, frozenset({n}))]
    if anyof:
        return "any", anyof
    every = frozenset(field_names)
    allof = [i for i, n in enumerate(field_names) if is_empty(loose, every - {n})]
    if allof and not is_empty(loose, every):
        return "all", allof
    return "none", []


def _without_negation(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, Section) and node.negated:
            out.extend(_without_negation(node.children))
        elif isinstance(node, Section):
            out.append(Section(node.key, _without_negation(node.children)))
        else:
            out.append(node)
    return tuple(out)
