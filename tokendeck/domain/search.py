"""The search language shared by the CLI, the browser and the API. Pure.

``transformer tag:model deck:"LLM Vocabulary" is:due -is:suspended``

* plain words (or "quoted phrases") must all appear in the front, back or tags
  (substring match, case-insensitive);
* ``tag:T``, ``deck:D`` (subdecks included), ``state:new|learning|review|relearning``,
  ``is:due``, ``is:new``, ``is:suspended``, ``is:buried``, ``is:leech``;
* ``flag:N`` (1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple, or the
  colour's name; ``flag:0`` is no flag);
* a leading ``-`` negates a filter word or tag.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from tokendeck.domain.cards import CardState, check_flag
from tokendeck.errors import ValidationError

_IS_FLAGS = ("due", "new", "suspended", "buried", "leech", "learning", "review")


@dataclass
class SearchQuery:
    """A parsed search."""

    words: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    decks: list[str] = field(default_factory=list)
    states: list[CardState] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    not_flags: set[str] = field(default_factory=set)
    #: flag:N (coloured flags, 0 for none), and -flag:N
    flag_numbers: list[int] = field(default_factory=list)
    not_flag_numbers: list[int] = field(default_factory=list)


def parse(text: str) -> SearchQuery:
    """Parse a search string; raises ValidationError with a hint on bad syntax."""
    query = SearchQuery()
    try:
        tokens = shlex.split(text)
    except ValueError:
        raise ValidationError(
            f"unbalanced quotes in search {text!r}", hint='close the "quote"'
        ) from None
    for token in tokens:
        _add(query, token)
    return query


def _add(query: SearchQuery, token: str) -> None:
    negated = token.startswith("-") and len(token) > 1
    body = token[1:] if negated else token
    key, sep, value = body.partition(":")
    if not sep or key.lower() not in ("tag", "deck", "state", "is", "flag"):
        query.words.append(token)
        return
    key = key.lower()
    if not value:
        raise ValidationError(f"empty {key}: in search", hint=f"write e.g. {key}:something")
    if key == "tag":
        (query.not_tags if negated else query.tags).append(value)
    elif key == "deck":
        query.decks.append(value)
    elif key == "state":
        query.states.append(CardState.parse(value))
    elif key == "flag":
        (query.not_flag_numbers if negated else query.flag_numbers).append(check_flag(value))
    else:
        flag = value.lower()
        if flag not in _IS_FLAGS:
            raise ValidationError(f"unknown is:{value}", hint=f"use one of {', '.join(_IS_FLAGS)}")
        (query.not_flags if negated else query.flags).add(flag)
