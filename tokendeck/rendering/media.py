"""Media in card HTML: which files a card uses, their URLs, and playable sounds.

Cards name media files relative to the collection's media folder: ``<img
src="cat.jpg">``, ``[sound:miaow.mp3]``, ``url("_font.woff")`` in a note type's
CSS. Every such name passes through one :data:`MediaUrl` function, so a page
can point them at its media route (``/media/cat.jpg``); names that are already
URLs (``https:``, ``data:``, ``/…``) are left alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from urllib.parse import quote

#: Turns a media file name into the URL a page loads it from.
MediaUrl = Callable[[str], str]

_SOUND = re.compile(r"\[sound:([^\]]+)\]")
# <img>, <audio>, <video>, <source>, <object> with a src (or data) attribute,
# quoted or not, as Anki finds media references.
_MEDIA_TAG = re.compile(
    r"""<(?:img|audio|video|object|source)\b(?:[^>"']|"[^"]*"|'[^']*')*?"""
    r"""\b(?:src|data)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""", re.IGNORECASE)
_URL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")
_VIDEO = (".mp4", ".webm", ".ogv", ".mov", ".mkv", ".avi", ".m4v", ".mpg", ".mpeg")


#: Where TokenDeck's pages load the collection's media from: the web app serves this
#: route (``/media/<name>``), and every page, the CLI's rendered HTML and the card
#: views point media names at it.
PAGE_MEDIA_ROUTE = "/media/"


def page_url(name: str) -> str:
    """The :data:`MediaUrl` of TokenDeck's pages: ``/media/`` and the encoded name."""
    return PAGE_MEDIA_ROUTE + quote(name, safe="!$&'()*+,;=-._~@")


def relative_url(name: str) -> str:
    """The default :data:`MediaUrl`: the file name itself, percent-encoded."""
    return quote(name, safe="/:@!$&'()*+,;=-._~")


def is_local(reference: str) -> bool:
    """Whether a reference names a file of the media folder (not a URL)."""
    return bool(reference) and _URL.match(reference) is None


def references(text: str) -> list[str]:
    """Media file names an HTML fragment uses (tags and sound tags), in order, once each."""
    names: list[str] = []
    for match in _MEDIA_TAG.finditer(text):
        names.append(html.unescape(next(g for g in match.groups() if g is not None)))
    names.extend(html.unescape(m.group(1)) for m in _SOUND.finditer(text))
    return list(dict.fromkeys(n for n in names if is_local(n)))


def css_references(css: str) -> list[str]:
    """Media file names a stylesheet loads with ``url(…)``."""
    names = [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(css)]
    return list(dict.fromkeys(n for n in names if is_local(n)))


def sounds(text: str) -> str:
    """``[sound:x.mp3]`` tags as players (``<audio>``, or ``<video>`` for video files).

    The file name stays as written; the sanitiser points it at the page's URL,
    as it does for every other media name.
    """
    if "[sound:" not in text:
        return text

    def player(match: re.Match[str]) -> str:
        name = html.unescape(match.group(1))
        src = html.escape(name, quote=True)
        tag = "video" if name.lower().endswith(_VIDEO) else "audio"
        return f'<{tag} class="sound" controls preload="none" src="{src}"></{tag}>'

    return _SOUND.sub(player, text)


def strip_sound_tags(text: str) -> str:
    """``text`` without its ``[sound:…]`` tags."""
    return _SOUND.sub("", text) if "[sound:" in text else text


def rewrite_css(css: str, media_url: MediaUrl) -> str:
    """A stylesheet with its media ``url(…)``s pointed at ``media_url``."""

    def replace(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g is not None)
        if not is_local(name):
            return match.group(0)
        return f'url("{media_url(name)}")'

    return _CSS_URL.sub(replace, css)


def missing(names: Iterable[str], available: Callable[[str], bool]) -> list[str]:
    """The names among ``names`` that ``available`` does not know."""
    return [n for n in names if not available(n)]
