"""Cloze deletions as Anki reads and shows them.

``{{c1::answer::hint}}`` hides "answer" on card 1; ``{{c1,2::…}}`` belongs to
cards 1 and 2; clozes nest (``{{c1::a {{c2::b}} c}}``). On the question side
the active cloze becomes ``[hint]`` (``[...]`` without a hint), on the answer
side its text, each in a ``<span class="cloze">``; the others are shown in a
``<span class="cloze-inactive">``. A cloze that is never closed is dropped,
and a field without the card's cloze renders as nothing, as in Anki.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from tokendeck.rendering import occlusion
from tokendeck.rendering.htmltext import strip_html_keeping_entities

# An opening needs at least one number: "{{c::" is text.
_TOKEN = re.compile(r"\{\{c([\d,]*\d[\d,]*)::|\}\}")
# Anki stops nesting at ten open clozes; deeper openings are ignored.
_MAX_DEPTH = 10
# \( or \[ ... \) or \]: HTML inside is dropped after revealing, so a cloze
# inside maths leaves plain TeX for MathJax.
_MATHS = re.compile(r"(\\[(\[])(.*?)(\\[)\]])", re.DOTALL)


@dataclass
class Cloze:
    """One cloze deletion and what it contains (text and nested clozes)."""

    ordinals: tuple[int, ...]
    nodes: list[str | Cloze] = field(default_factory=list)
    hint: str | None = None

    def text(self) -> str:
        """The hidden text, nested clozes included, without any markup."""
        return "".join(n if isinstance(n, str) else n.text() for n in self.nodes)

    def ordinal_list(self) -> str:
        """Ordinals as Anki writes them in ``data-ordinal`` (``"1,2"``)."""
        return ",".join(str(o) for o in self.ordinals)


def _tokens(text: str) -> Iterator[tuple[str, str | tuple[int, ...]]]:
    """("open", ordinals), ("close", "}}") and ("text", ...) tokens, in order."""
    pos = 0
    for match in _TOKEN.finditer(text):
        if match.start() > pos:
            yield "text", text[pos : match.start()]
        if match.group(1) is None:
            yield "close", "}}"
        else:
            yield "open", tuple(sorted({int(n) for n in match.group(1).split(",") if n}))
        pos = match.end()
    if pos < len(text):
        yield "text", text[pos:]


def parse(text: str) -> list[str | Cloze]:
    """Text and clozes of a field, clozes nested as they are written."""
    output: list[str | Cloze] = []
    open_clozes: list[Cloze] = []
    for kind, value in _tokens(text):
        if kind == "open":
            assert isinstance(value, tuple)
            if len(open_clozes) < _MAX_DEPTH:
                open_clozes.append(Cloze(ordinals=value))
        elif kind == "text":
            assert isinstance(value, str)
            if open_clozes:
                cloze = open_clozes[-1]
                if not occlusion.is_mask(value) and "::" in value:
                    value, cloze.hint = value.split("::", 1)
                cloze.nodes.append(value)
            else:
                output.append(value)
        elif open_clozes:
            closed = open_clozes.pop()
            (open_clozes[-1].nodes if open_clozes else output).append(closed)
        else:
            output.append("}}")
    return output


def numbers(texts: Iterable[str]) -> set[int]:
    """Every cloze number (1 and up) used in ``texts``."""
    found: set[int] = set()

    def walk(nodes: list[str | Cloze]) -> None:
        for node in nodes:
            if isinstance(node, Cloze):
                found.update(o for o in node.ordinals if o)
                walk(node.nodes)

    for text in texts:
        if "{{c" in text:
            walk(parse(text))
    return found


def reveal(text: str, number: int, *, question: bool) -> str:
    """The field as card ``number`` shows it, or "" if that cloze is not in it."""
    found = False

    def show(cloze: Cloze, out: list[str]) -> None:
        nonlocal found
        active = number in cloze.ordinals
        found |= active
        mask = cloze.text()
        if occlusion.is_mask(mask):  # a picture's mask: an empty div the page draws
            css = ("cloze" if question else "cloze-highlight") if active else "cloze-inactive"
            out.append(occlusion.mask_div(mask, cloze.ordinal_list(), css))
            return
        if question and active:
            inner: list[str] = []
            write(cloze.nodes, inner)
            content = html.escape("".join(inner), quote=True)
            out.append(
                f'<span class="cloze" data-cloze="{content}" '
                f'data-ordinal="{cloze.ordinal_list()}">[{cloze.hint or "..."}]</span>'
            )
            return
        css = "cloze" if active else "cloze-inactive"
        out.append(f'<span class="{css}" data-ordinal="{cloze.ordinal_list()}">')
        write(cloze.nodes, out)
        out.append("</span>")

    def write(nodes: list[str | Cloze], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Cloze):
                show(node, out)
            else:
                out.append(node)

    output: list[str] = []
    write(parse(text), output)
    return "".join(output) if found else ""


def reveal_only(text: str, number: int, *, question: bool) -> str:
    """Just the texts (answer) or hints (question) of cloze ``number``: ``cloze-only:``."""
    return ", ".join(_active_texts(parse(text), number, question=question))


def typing_answer(text: str, number: int) -> str:
    """What the learner should type for cloze ``number`` (``{{type:cloze:F}}``)."""
    answers = _active_texts(parse(text), number, question=False)
    if answers and all(a == answers[0] for a in answers):
        return answers[0]
    return ", ".join(answers)


def _active_texts(nodes: list[str | Cloze], number: int, *, question: bool) -> list[str]:
    texts: list[str] = []
    for node in nodes:
        if isinstance(node, Cloze):
            if number in node.ordinals:
                texts.append((node.hint or "...") if question else node.text())
            texts.extend(_active_texts(node.nodes, number, question=question))
    return texts


def strip_html_in_maths(text: str) -> str:
    """Tags inside ``\\(…\\)``/``\\[…\\]`` removed (the cloze filter's last step)."""
    if "\\(" not in text and "\\[" not in text:
        return text
    return _MATHS.sub(
        lambda m: m.group(1) + strip_html_keeping_entities(m.group(2)) + m.group(3), text
    )
