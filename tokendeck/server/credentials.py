"""The secrets the server hands out: session cookies, API tokens, invitation and join codes.

A session cookie is ``<user id>.<secret>`` and an API token
``tdk_<user id>_<secret>``: the user id lets a lookup touch one user's rows
(one shard, in a distributed database), and only the secret's SHA-256 digest
is stored, so a copy of the database gives no working credential. Secrets
have 256 random bits, so a fast digest is safe (a slow hash protects guessable
passwords, not random keys).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "tdk_"
_COOKIE = re.compile(r"^([1-9][0-9]{0,17})\.([A-Za-z0-9_-]{43})$")
_TOKEN = re.compile(r"^tdk_([1-9][0-9]{0,17})_([A-Za-z0-9_-]{43})$")
#: Join codes: no 0/O, 1/I/L, so they can be read aloud and typed from a board.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Presented:
    """A credential as presented: whose it claims to be and the digest to look up."""

    user_id: int
    digest: str
    secret: str


def new_secret() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def session_cookie(user_id: int, secret: str) -> str:
    """The cookie value of a new session."""
    return f"{user_id}.{secret}"


def api_token(user_id: int, secret: str) -> str:
    """The text of a new API token."""
    return f"{TOKEN_PREFIX}{user_id}_{secret}"


def parse_cookie(value: str) -> Presented | None:
    """A session cookie's parts, or None if it is not one."""
    match = _COOKIE.match(value)
    if match is None:
        return None
    return Presented(int(match.group(1)), digest(match.group(2)), match.group(2))


def parse_token(value: str) -> Presented | None:
    """An API token's parts, or None if it is not one."""
    match = _TOKEN.match(value)
    if match is None:
        return None
    return Presented(int(match.group(1)), digest(match.group(2)), match.group(2))


def csrf_token(session_secret: str) -> str:
    """The CSRF token of a session: derived from its secret, so nothing more is stored.

    Pages embed it; a state-changing request made with the session cookie must
    send it back (header ``X-TokenDeck-CSRF`` or form field ``csrf_token``).
    Another site can make the browser send the cookie but cannot read the token.
    """
    mac = hmac.new(session_secret.encode(), b"tokendeck-csrf", hashlib.sha256)
    return mac.hexdigest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two tokens."""
    return hmac.compare_digest(given.encode(), expected.encode())


def join_code(length: int = 8) -> str:
    """A class's join code: 8 characters from 31, about 40 bits."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


def invite_code() -> str:
    """A registration invitation code (single use; stored as a digest)."""
    return secrets.token_urlsafe(18)


def normalise_code(code: str) -> str:
    """A join code as typed (spaces, dashes, lower case) in its stored form."""
    return re.sub(r"[\s-]", "", code).upper()
