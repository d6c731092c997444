"""Password hashing: Argon2id through argon2-cffi, at the library's recommended cost.

``argon2.PasswordHasher()`` defaults to RFC 9106's second recommended profile
(Argon2id, 3 passes, 64 MiB, 4 lanes). Hashing is deliberately slow (tens of
milliseconds of CPU), so the web layer runs it in a worker thread; the library
releases the GIL while it works.

Checking a name that has no account still verifies the password against a
fixed hash of the same cost, so a wrong name and a wrong password take the same
time and give the same answer.

Only a few hashes run at once (half the CPU cores, at least one; each hash
runs its four lanes in threads, so one hash can keep two cores busy): log-ins
that arrive together finish one after the other at full speed instead of all
sharing the cores and all finishing late, a burst of log-ins cannot take every
core from the answers served meanwhile, and memory stays bounded (64 MiB per
hash running).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any


def default_concurrency() -> int:
    """How many hashes may run at once: half the CPU cores, at least one."""
    return max(1, (os.cpu_count() or 2) // 2)


@dataclass(frozen=True)
class Verified:
    """The outcome of checking a password: whether it matched, and a fresher hash if due."""

    ok: bool
    #: A new hash when the stored one used older parameters (stored on a successful log-in).
    rehashed: str | None = None


class Passwords:
    """Hashes and verifies passwords; one per server process (the hasher holds no state)."""

    def __init__(self, hasher: Any = None, *, concurrency: int | None = None) -> None:
        if hasher is None:
            from argon2 import PasswordHasher

            hasher = PasswordHasher()  # the recommended profile (RFC 9106, low memory)
        self._hasher = hasher
        #: At most this many hashes at once (the others wait in their threads).
        self.concurrency = concurrency or default_concurrency()
        self._running = threading.BoundedSemaphore(self.concurrency)
        #: How many verifications ran (tests check that a missing name costs one too).
        self.verifications = 0

    @property
    def parameters(self) -> dict[str, int]:
        """The Argon2id cost in force (time cost, memory in KiB, parallelism)."""
        return {
            "time_cost": int(self._hasher.time_cost),
            "memory_cost": int(self._hasher.memory_cost),
            "parallelism": int(self._hasher.parallelism),
        }

    def hash(self, password: str) -> str:
        """A new salted Argon2id hash of ``password``."""
        with self._running:
            return str(self._hasher.hash(password))

    def verify(self, stored: str | None, password: str) -> Verified:
        """Check ``password`` against ``stored`` (None: against a dummy, and fail)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        self.verifications += 1
        target = stored if stored is not None else self._dummy()
        try:
            with self._running:
                self._hasher.verify(target, password)
        except (VerificationError, InvalidHashError):
            return Verified(False)
        if stored is None:
            return Verified(False)
        fresher = self.hash(password) if self._hasher.check_needs_rehash(stored) else None
        return Verified(True, fresher)

    def _dummy(self) -> str:
        return _dummy_hash(self._hasher)


@cache
def _dummy_hash(hasher: Any) -> str:
    # A hash of a random password with the live parameters: verifying against it costs
    # exactly what verifying a real account's password costs.
    import secrets

    return str(hasher.hash(secrets.token_urlsafe(16)))
