"""The multi-user server: accounts, classes and shared decks (the :class:`Server` facade).

Front-ends import :class:`Server` from here; the parts (accounts, classes,
sharing) and the password hasher are imported by it. Nothing here is loaded
by the single-user app.
"""

from tokendeck.server.facade import Server
from tokendeck.storage.server import database_location

__all__ = ["Server", "database_location"]
