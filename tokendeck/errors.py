"""The one exception tree of TokenDeck.

Every error a user can cause or meet derives from :class:`TokenDeckError`.
Front-ends translate these in exactly one place: the CLI prints
``Error: <message>`` and exits 1; the web API answers with one JSON error
shape whose HTTP status comes from :attr:`TokenDeckError.status`.
Messages say what went wrong *and* how to fix it.
"""

from __future__ import annotations


class TokenDeckError(Exception):
    """Base class: a problem the user can understand and act on."""

    #: HTTP status the web API uses for this error.
    status: int = 400
    #: Stable machine-readable code for the JSON error shape.
    code: str = "error"

    def __init__(
        self, message: str, *, hint: str | None = None, cli_hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        #: How to fix it, in words any front-end can show (the web shows this one).
        self.hint = hint
        #: How to fix it at the command line, when that differs ("`tokendeck cards` lists ...").
        self.cli_hint = cli_hint

    def __str__(self) -> str:
        """The terminal form (CLI and terminal UI): the command-line hint when there is one."""
        hint = self.cli_hint or self.hint
        if hint:
            return f"{self.message} ({hint})"
        return self.message


class NotFoundError(TokenDeckError):
    """A card, note, deck or user that does not exist."""

    status = 404
    code = "not_found"


class ConflictError(TokenDeckError):
    """The request clashes with what is stored (a duplicate name, say)."""

    status = 409
    code = "conflict"


class ValidationError(TokenDeckError):
    """A value given by the user is not acceptable."""

    status = 400
    code = "invalid"


class NothingToUndoError(TokenDeckError):
    """``undo`` was asked for but no answer is left to take back."""

    status = 409
    code = "nothing_to_undo"


class StorageError(TokenDeckError):
    """The database could not be opened, read or written."""

    status = 500
    code = "storage"


class ImportFormatError(TokenDeckError):
    """A file to import is malformed; names the file, the place and the reason."""

    status = 400
    code = "bad_file"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        record: str | None = None,
        hint: str | None = None,
        cli_hint: str | None = None,
    ) -> None:
        where = path or "input"
        if line is not None:
            where += f", line {line}"
        if record is not None:
            where += f", {record}"
        super().__init__(f"{where}: {message}", hint=hint, cli_hint=cli_hint)
        self.path = path
        self.line = line
        self.record = record


class TooLargeError(TokenDeckError):
    """Input bigger than we are willing to read (a zip bomb, a huge upload)."""

    status = 413
    code = "too_large"


class NotPreparedError(TokenDeckError):
    """Slow work that is left to a background worker is not done yet (a deck's
    similarities); the web server prepares it and answers 202 "preparing"."""

    status = 202
    code = "preparing"

    def __init__(self, message: str, *, deck_id: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        #: The deck (with its subdecks) whose similarities are wanted.
        self.deck_id = deck_id


class ModelUnavailableError(TokenDeckError):
    """An optional component (e.g. the embedding model) is not installed."""

    status = 503
    code = "unavailable"


class AuthenticationError(TokenDeckError):
    """No valid credentials (the multi-user server): log in, or send an API token."""

    status = 401
    code = "unauthorized"


class ForbiddenError(TokenDeckError):
    """The account's role does not allow the action (never used to hide what exists)."""

    status = 403
    code = "forbidden"


class RateLimitedError(TokenDeckError):
    """Too many attempts in a short time (logging in, registering)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_s: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after_s = retry_after_s


class SyncError(TokenDeckError):
    """A sync could not finish: the server is unreachable, refused us, or broke off.

    Nothing is lost when a sync fails: every change stays where it was made and
    travels on the next ``tokendeck sync``.
    """

    status = 502
    code = "sync"


class NotLoggedInError(SyncError):
    """This collection has no server to sync with: it must log in first."""

    status = 409
    code = "not_logged_in"


class ReplicaCopyError(SyncError):
    """A device presented an older sync token than the server holds for it: its
    collection file is a copy or was restored from a backup (the client then syncs it
    as a new device)."""

    status = 409
    code = "sync_copy"


class ServerChangedError(SyncError):
    """The server is not the replica a device last synced with (another account or
    server behind the address, or restored from a backup): the device checks it again
    and sends everything (merging is idempotent)."""

    status = 409
    code = "sync_server_changed"


class SyncVersionError(SyncError):
    """The server and this TokenDeck speak different versions of the sync protocol."""

    status = 426
    code = "sync_protocol"


class DiskFullError(StorageError):
    """The disk holding the data is full; the change that needed the space was not made."""

    status = 507
    code = "disk_full"
