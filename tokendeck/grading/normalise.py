"""Normalising typed answers so that trivial differences never cost a mark.

Case, accents, punctuation, typographic quotes and dashes, runs of spaces and
Unicode composition all vanish here. Numbers keep their decimal point and lose
thousands separators, because "1,000" and "1000" are the same answer but
"3.14" and "314" are not.
"""

from __future__ import annotations

import re
import unicodedata

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_DECIMAL_MARK = "\u2024"  # stands in for a decimal point while punctuation is removed
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+(?:\u2024\d+)?", re.UNICODE)
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def strip_accents(text: str) -> str:
    """Drop combining marks: "Señor Müller" -> "Senor Muller"."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS" and ch != _DECIMAL_MARK


def normalise(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form with single spaces.

    Hyphens and slashes become spaces, so "in-painting" normalises to
    "in painting"; :func:`compact` also removes the spaces for comparisons
    where "inpainting" must equal "in-painting".
    """
    text = unicodedata.normalize("NFC", text)
    text = strip_accents(text).casefold()
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub(_DECIMAL_MARK, text)
    text = "".join(" " if _is_punctuation(ch) else ch for ch in text)
    text = _SPACES.sub(" ", text).strip()
    return text.replace(_DECIMAL_MARK, ".")


def compact(text: str) -> str:
    """Normalised form without spaces or a leading article (for exact matching)."""
    return _LEADING_ARTICLE.sub("", normalise(text)).replace(" ", "")


def words(text: str) -> list[str]:
    """The normalised words of ``text`` (numbers keep their decimal point)."""
    return normalise(text).split()


def surface_words(text: str) -> list[str]:
    """Words as typed (case kept, punctuation dropped), for spotting names."""
    text = unicodedata.normalize("NFC", text)
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL.sub(_DECIMAL_MARK, text)
    return [w.replace(_DECIMAL_MARK, ".") for w in _WORD.findall(text)]
