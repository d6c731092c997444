"""Installs the packaged "LLM Vocabulary" deck and keeps its text up to date.

On first open of an empty collection the deck is installed. When a newer
TokenDeck ships a newer version of the deck, notes are matched by GUID and
their text updated, so review history is kept. A deck the learner deleted is
not reinstalled: the installed version is remembered per user.
"""

from __future__ import annotations

from datetime import datetime

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.transfers import Transfers

_VERSION_KEY = "builtin.llm-vocabulary.version"


def sync_builtin(core: Core, decks: Decks, transfers: Transfers, now: datetime) -> str:
    """Install or update the built-in deck; returns "installed", "updated" or "current"."""
    store = core.store
    installed = store.settings.all().get(_VERSION_KEY)
    if installed is None and store.notes.any():
        return "current"  # a collection with the learner's own cards: leave it alone
    from tokendeck.builtin import deck as shipped

    # Cheap check first: the full TOML parse is only needed when something changes.
    if installed is not None and int(installed) >= shipped.builtin_version():
        return "current"
    builtin = shipped.load_builtin()
    if installed is not None and int(installed) >= builtin.version:
        return "current"
    mode = "update" if installed is not None else "skip"
    transfers.import_package(builtin.package, now=now, mode=mode)
    if installed is None:
        deck = decks.get(builtin.deck)
        decks.update(deck.id, now=now, description=builtin.description)
    with store.transaction():
        store.settings.put(_VERSION_KEY, builtin.version)
    return "updated" if installed is not None else "installed"
