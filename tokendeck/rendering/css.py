"""A note type's stylesheet, confined to the element that shows the card.

Anki puts a card in a page of its own whose ``<body>`` has class ``card``, so
deck styles say ``.card { … }``, ``body { … }`` or just ``img { … }``. In a
TokenDeck page the same rules would restyle the whole page, so every selector
is put under one scope (the card's container): ``.card``, ``html``, ``:root`` and
``body`` become the scope itself, anything else a descendant of it. Ids get the
``card-`` prefix that the sanitiser gives the card's own ids. ``@media``
and ``@supports`` blocks are scoped inside; ``@import`` (which loads from
elsewhere) is dropped; ``@font-face`` and ``@keyframes`` stay as they are.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_IMPORT = re.compile(r"@import[^;]*;", re.IGNORECASE)
_ROOTS = re.compile(r"^(?:html|body|\.card|:root)(?![\w-])", re.IGNORECASE)
_NESTING = ("@media", "@supports", "@container", "@layer")
#: An id in a selector (``#front``); not one inside a quoted attribute value.
_ID = re.compile(r"(?<![\w\"'=-])#(-?[A-Za-z_][\w-]*)")


def scope_css(css: str, scope: str) -> str:
    """``css`` with every rule applying only inside elements matching ``scope``."""
    css = _IMPORT.sub("", _COMMENT.sub("", css))
    return _scope_block(css, scope).strip()


def _scope_block(css: str, scope: str) -> str:
    out: list[str] = []
    pos = 0
    while pos < len(css):
        brace = css.find("{", pos)
        if brace < 0:
            break
        prelude = css[pos:brace].strip()
        end = _matching(css, brace)
        body = css[brace + 1 : end]
        if prelude.lower().startswith(_NESTING):
            out.append(f"{prelude} {{\n{_scope_block(body, scope)}}}\n")
        elif prelude.startswith("@"):
            out.append(f"{prelude} {{{body}}}\n")
        else:
            selectors = ", ".join(_scope_selector(s.strip(), scope) for s in prelude.split(","))
            out.append(f"{selectors} {{{body}}}\n")
        pos = end + 1
    return "".join(out)


def _matching(css: str, brace: int) -> int:
    depth = 0
    for index in range(brace, len(css)):
        if css[index] == "{":
            depth += 1
        elif css[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    return len(css)


def _scope_selector(selector: str, scope: str) -> str:
    """One selector under ``scope``: its Anki page roots replaced by the scope, and its
    ids given the ``card-`` prefix the card's HTML gets (rendering/sanitise.py)."""
    if not selector:
        return scope
    selector = _ID.sub(r"#card-\1", selector)
    rooted = _ROOTS.sub(scope, selector, count=1)
    if rooted != selector:
        # "body .card" or ".card.nightMode": the remaining roots are the scope too.
        return re.sub(rf"\s+{re.escape(scope)}(?![\w-])", "", _ROOTS.sub(scope, rooted))
    return f"{scope} {selector}"
