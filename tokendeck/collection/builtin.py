"""Installs the packaged "LLM Vocabulary" deck and keeps its text up to date.

On first open of an empty collection the deck is installed. When a newer
TokenDeck ships a newer version of the deck, notes are matched by GUID and
their text updated, so review history is kept. A deck the learner deleted is
not reinstalled: the installed version is remembered per user.
"""

from __future__ import annotations

from datetime import datetime

from tokendeck.collection import Collection

_VERSION_KEY = "builtin.llm-vocabulary.version"


def sync_builtin(col: Collection, now: datetime) -> str:
    """Install or update the built-in deck; returns "installed", "updated" or "current"."""
    installed = col.get_value(_VERSION_KEY)
    if installed is None and not col.is_empty():
        return "current"  # a collection with the learner's own cards: leave it alone
    from tokendeck.builtin import deck as shipped

    # Cheap check first: the full TOML parse is only needed when something changes.
    if installed is not None and int(installed) >= shipped.builtin_version():
        return "current"
    builtin = shipped.load_builtin()
    if installed is not None and int(installed) >= builtin.version:
        return "current"
    mode = "update" if installed is not None else "skip"
    col.import_package(builtin.package, now=now, mode=mode)
    if installed is None:
        deck = col.deck(builtin.deck)
        col.update_deck(deck.id, now=now, description=builtin.description)
    col.set_value(_VERSION_KEY, builtin.version)
    return "updated" if installed is not None else "installed"
