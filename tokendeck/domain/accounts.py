"""Accounts of the multi-user server: roles, registration modes, names and passwords.

Pure values and rules; the server facade (:mod:`tokendeck.server`) stores and
checks them. Names are case-insensitive and kept in lower case, so "Ada" and
"ada" are one account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tokendeck.errors import ValidationError


class Role(StrEnum):
    """What an account may do beyond studying its own collection."""

    #: Runs the server: registration, invitations, roles; publishes the built-in deck.
    ADMIN = "admin"
    #: Creates classes, publishes decks to them, sees their learners' progress.
    TEACHER = "teacher"
    #: Studies: their own decks and the decks of the classes they joined.
    LEARNER = "learner"

    @property
    def teaches(self) -> bool:
        """Whether the role may create classes and publish decks."""
        return self in (Role.ADMIN, Role.TEACHER)

    @classmethod
    def parse(cls, text: str) -> Role:
        """A role from its name; ValidationError lists the names."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValidationError(f"unknown role {text!r}", hint=f"use one of {names}") from None


class Registration(StrEnum):
    """Who may create an account."""

    #: Anyone who reaches the server.
    OPEN = "open"
    #: Only with an invitation code (from an admin, or a class's join code).
    INVITE = "invite"
    #: Nobody registers: an admin creates the accounts.
    CLOSED = "closed"

    @classmethod
    def parse(cls, text: str) -> Registration:
        """A mode from its name; ValidationError lists the names."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(r.value for r in cls)
            raise ValidationError(
                f"unknown registration mode {text!r}", hint=f"use one of {names}"
            ) from None


@dataclass(frozen=True, slots=True)
class Account:
    """A person who can log in: their user id (the owner of their rows), name and role."""

    user_id: int
    name: str
    role: Role
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A personal API token as listed to its owner (the secret itself is never stored)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


#: Letters, digits and . _ - ; starts with a letter or digit.
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
#: Names the server keeps for itself ("local" owns the single-user collection).
RESERVED_NAMES = frozenset({"local", "admin-system", "anonymous", "root", "system"})
MIN_PASSWORD = 8
#: Long enough for any passphrase or manager; short enough that hashing cannot be abused.
MAX_PASSWORD = 1024


def check_username(name: str) -> str:
    """The account name in its stored (lower-case) form, or ValidationError saying why not."""
    cleaned = name.strip().lower()
    if not _NAME.match(cleaned):
        raise ValidationError(
            "a user name is 3 to 32 letters, digits, '.', '_' or '-', starting with a letter or"
            " digit",
            hint="choose a name such as ada.lovelace",
        )
    if cleaned in RESERVED_NAMES:
        raise ValidationError(f"the name {cleaned!r} is reserved", hint="choose another name")
    return cleaned


def check_password(password: str) -> str:
    """The password if it is acceptable (length only, as NIST SP 800-63B advises)."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"the password is shorter than {MIN_PASSWORD} characters",
            hint="a few unrelated words make a long password that is easy to remember",
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            f"the password is longer than {MAX_PASSWORD} characters", hint="use a shorter one"
        )
    return password
