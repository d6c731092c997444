"""Where a collection's API token is kept: a file only its owner can read (mode 0600).

One file per collection, in TokenDeck's configuration folder (``sync/`` under
the user config directory, or ``TOKENDECK_CONFIG_DIR``), named after the
collection's absolute path, so two collections may sync with two accounts.
The token never enters the collection file itself: a backup or a copy of the
collection carries no credential. ``tokendeck logout`` deletes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from tokendeck.errors import StorageError


@dataclass(frozen=True)
class Credentials:
    """The server, the account and the token a collection syncs with."""

    server: str
    user: str
    token: str
    token_id: int | None = None


def folder() -> Path:
    """The folder of token files (created on first use, mode 0700)."""
    configured = os.environ.get("TOKENDECK_CONFIG_DIR")
    if configured:
        base = Path(configured)
    else:
        from platformdirs import user_config_dir

        base = Path(user_config_dir("tokendeck", appauthor=False))
    return base / "sync"


def path_for(collection: str) -> Path:
    """The token file of a collection (by its absolute path)."""
    location = collection if "://" in collection else str(Path(collection).resolve())
    name = hashlib.sha256(location.encode()).hexdigest()[:24]
    return folder() / f"{name}.json"


def save(collection: str, credentials: Credentials) -> Path:
    """Write the token file, readable by its owner only; returns its path."""
    target = path_for(collection)
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = json.dumps(
            {
                "collection": collection,
                "server": credentials.server,
                "user": credentials.user,
                "token": credentials.token,
                "token_id": credentials.token_id,
            }
        )
        temporary = target.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except OSError as exc:
        raise StorageError(
            f"cannot save the sync token in {target}: {exc.strerror}",
            hint="check that folder's permissions, or set TOKENDECK_CONFIG_DIR",
        ) from exc
    return target


def load(collection: str) -> Credentials | None:
    """The collection's token, or None when it is not logged in."""
    target = path_for(collection)
    try:
        data = json.loads(target.read_text())
        return Credentials(
            str(data["server"]), str(data["user"]), str(data["token"]), data.get("token_id")
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError) as exc:
        raise StorageError(
            f"the sync token file {target} is unreadable",
            hint="log in again: tokendeck login URL --user NAME",
        ) from exc


def forget(collection: str) -> bool:
    """Delete the collection's token file; whether there was one."""
    try:
        path_for(collection).unlink()
    except FileNotFoundError:
        return False
    return True
