"""What the web app is given when it is built (injected, never read from globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tokendeck import clock

if TYPE_CHECKING:
    from tokendeck.server.passwords import Passwords

#: Uploads bigger than this are refused with 413 (20 MiB is plenty for a deck file).
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class WebSettings:
    """Settings for :func:`tokendeck.web.app.create_app`.

    ``db_path`` None means the same default collection the CLI uses
    (``TOKENDECK_DB`` or the user data directory); ``database``, a
    ``postgresql://`` URL, puts every collection on a PostgreSQL server instead
    (then any number of app processes may serve it). ``clock`` is the only way
    the app learns the time, so tests can pin it.
    """

    db_path: Path | None = None
    database: str | None = None
    clock: Callable[[], datetime] = clock.now
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    title: str = "TokenDeck"
    #: Put the built-in deck into an empty collection (as the CLI does); tests turn it off.
    install_builtin: bool = True
    #: Seed of the scheduler's interval fuzz (None turns fuzz off).
    fuzz_seed: int | None = 0
    #: Load the embedding model before serving (``tokendeck serve`` does): loading it
    #: later, on a worker thread, would hold the interpreter for a moment mid-request.
    preload_model: bool = False
    #: Host names the server answers to (tokendeck.web.security); None: any (behind a
    #: proxy that checks them). Loopback names by default, against DNS rebinding.
    allowed_hosts: tuple[str, ...] | None = ("localhost", "127.0.0.1", "::1")
    #: The multi-user server's database (``tokendeck server``): None is the single-user app.
    database_url: str | None = None
    #: Mark cookies Secure (browsers then send them over HTTPS and to localhost only).
    #: Only tests over plain http to a non-local name turn it off.
    secure_cookies: bool = True
    #: The password hasher (None: Argon2id at its recommended cost; tests pass a cheap one).
    passwords: Passwords | None = None

    @property
    def location(self) -> str | Path | None:
        """Where the collections are: the server's database (a ``postgresql://`` URL or the
        file of ``sqlite:///FILE``), a URL, or a file (None: the default file). What a
        worker thread opens a user's collection from."""
        if self.database_url:
            from tokendeck.server import database_location

            return database_location(self.database_url)
        return self.database or self.db_path


def settings_from_environment() -> WebSettings:
    """Settings from the environment: ``TOKENDECK_DATABASE_URL`` (else ``TOKENDECK_DB``'s file).

    What each worker process of a multi-process server builds its app from.
    """
    from tokendeck.collection import database_url

    return WebSettings(database=database_url())
