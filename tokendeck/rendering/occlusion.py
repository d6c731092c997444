"""Image occlusion: Anki's masks over a picture, written as clozes.

Anki's "Image Occlusion" note type (Anki 23.10 and later) keeps each mask as
a cloze of its ``Occlusion`` field: ``{{c1::image-occlusion:rect:left=.1:
top=.2:width=.3:height=.1:oi=1}}``, positions as fractions of the picture.
Rendering turns each one into an empty ``<div>`` whose data attributes carry
the shape, as Anki's renderer does; the page then draws the masks over the
picture (``web/static/js/occlusion.js``): on the question side the card's own
masks (``cloze``) and, when ``oi=1`` ("hide all, guess one"), the others
(``cloze-inactive``); on the answer side the card's own masks are outlined
(``cloze-highlight``).
"""

from __future__ import annotations

import html

#: How a cloze's text starts when it is a mask.
PREFIX = "image-occlusion:"

#: Short keys of the cloze text -> the data attribute Anki writes for them.
_ATTRIBUTE_NAMES = {"oi": "occludeInactive", "fs": "font-size"}


def is_mask(text: str) -> bool:
    """Whether a cloze's text is an image-occlusion mask."""
    return text.startswith(PREFIX)


def mask_div(text: str, ordinals: str, css_class: str) -> str:
    """The ``<div>`` Anki renders for one mask (``text`` is the cloze's text)."""
    shape, _, rest = text[len(PREFIX) :].partition(":")
    attributes = [
        f'class="{css_class}"',
        f'data-ordinal="{ordinals}"',
        f'data-shape="{html.escape(shape.strip(), quote=True)}"',
    ]
    for item in rest.split(":"):
        key, found, value = item.partition("=")
        key = key.strip()
        if not found or not key or not all(c.isalnum() or c in "-_" for c in key):
            continue  # not a key=value pair: Anki leaves it out too
        name = _ATTRIBUTE_NAMES.get(key, key)
        attributes.append(f'data-{name}="{html.escape(html.unescape(value), quote=True)}"')
    return f"<div {' '.join(attributes)}></div>"
