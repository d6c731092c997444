"""Accepted alternatives written into a reference answer.

Card authors write ``inpainting / in-painting`` for two equally good answers
and ``(Text-To-Text) Transfer Transformer`` for a part the learner may leave
out. This module expands such a reference into every form it accepts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

#: A slash with spaces around it separates alternatives ("colour / color").
#: A bare slash does not, because "TCP/IP" and "input/output" are one answer.
_ALTERNATIVE_SPLIT = re.compile(r"\s+/\s+|\s*\|\s*")
#: "(part)" standing alone between spaces is optional; "O(log n)" or "f(x)" is notation.
_OPTIONAL = re.compile(r"(?:(?<=\s)|^)\(([^()]*)\)(?=[\s.,;:!?]|$)")
#: Past this many optional parts the combinations explode; keep all parts then.
_MAX_OPTIONAL = 4


def split_alternatives(reference: str) -> list[str]:
    """``"a / b | c"`` -> ``["a", "b", "c"]`` (empty parts dropped)."""
    parts = (part.strip() for part in _ALTERNATIVE_SPLIT.split(reference))
    return [part for part in parts if part]


def expand_optional(form: str) -> list[str]:
    """Every version of ``form`` with each parenthesised part kept or left out.

    The full form (all parts kept, parentheses removed) comes first.
    """
    pieces = _OPTIONAL.split(form)
    texts, optional = pieces[0::2], pieces[1::2]
    if not optional or len(optional) > _MAX_OPTIONAL:
        return [_tidy(_OPTIONAL.sub(r"\1", form))]
    forms: list[str] = []
    for keep in itertools.product((True, False), repeat=len(optional)):
        out = texts[0]
        for kept, part, text in zip(keep, optional, texts[1:], strict=True):
            out += (part if kept else "") + text
        tidy = _tidy(out)
        if tidy and tidy not in forms:
            forms.append(tidy)
    return forms


def accepted_forms(reference: str, accepted: Iterable[str] = ()) -> list[str]:
    """All answers a reference accepts, the reference's own full form first."""
    forms: list[str] = []
    for source in [reference, *accepted]:
        for alternative in split_alternatives(source):
            for form in expand_optional(alternative):
                if form not in forms:
                    forms.append(form)
    return forms


def primary_form(reference: str, accepted: Sequence[str] = ()) -> str:
    """The form used for meaning and concepts: the reference written in full."""
    forms = accepted_forms(reference, accepted)
    return forms[0] if forms else reference.strip()


def _tidy(text: str) -> str:
    return " ".join(text.split())
