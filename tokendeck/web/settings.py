"""What the web app is given when it is built (injected, never read from globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tokendeck import clock

#: Uploads bigger than this are refused with 413 (20 MiB is plenty for a deck file).
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class WebSettings:
    """Settings for :func:`tokendeck.web.app.create_app`.

    ``db_path`` None means the same default collection the CLI uses
    (``TOKENDECK_DB`` or the user data directory). ``clock`` is the only way the
    app learns the time, so tests can pin it.
    """

    db_path: Path | None = None
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
