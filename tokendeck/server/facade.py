"""The multi-user server facade: accounts, classes and shared decks over one database.

:class:`Server` is to the multi-user server what
:class:`~tokendeck.collection.Collection` is to one learner: the one object the
front-ends (``tokendeck server`` and its web app, the CLI's ``server init``)
call. It is composed of parts over one :class:`~tokendeck.storage.server.ServerStore`:
:class:`~tokendeck.server.accounts.Accounts`,
:class:`~tokendeck.server.classes.Classes` and
:class:`~tokendeck.server.sharing.Sharing`. Each user's own collection is an
ordinary ``Collection`` over the same database (:meth:`Server.collection`),
so everything a learner does alone works the same on the server.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType

from tokendeck.collection import Collection
from tokendeck.domain.accounts import Account, Registration, Role
from tokendeck.errors import ConflictError
from tokendeck.server.accounts import Accounts
from tokendeck.server.classes import Classes
from tokendeck.server.passwords import Passwords
from tokendeck.server.sharing import Sharing
from tokendeck.storage.server import ServerStore


class Server:
    """Accounts, classes and shared decks, and every user's collection, in one database."""

    def __init__(
        self, store: ServerStore, *, passwords: Passwords | None = None, fuzz_seed: int | None = 0
    ) -> None:
        self.store = store
        self.passwords = passwords or Passwords()
        self.fuzz_seed = fuzz_seed
        self.accounts = Accounts(store, self.passwords)
        self._collections: dict[int, Collection] = {}
        self._collections_lock = threading.Lock()  # requests of several threads open them
        self.classes = Classes(store)
        self.sharing = Sharing(store, self.classes)

    @classmethod
    def open(
        cls, url: str, *, passwords: Passwords | None = None, fuzz_seed: int | None = 0
    ) -> Server:
        """Open (creating and migrating if needed) the server database at ``url``."""
        return cls(ServerStore.open(url), passwords=passwords, fuzz_seed=fuzz_seed)

    def initialise(
        self,
        admin: str,
        password: str,
        *,
        now: datetime,
        registration: Registration = Registration.CLOSED,
    ) -> Account:
        """Create the first admin and set the registration mode (``tokendeck server init``).

        Refused once an admin exists, so running it twice cannot add a second
        admin behind the first one's back.
        """
        if self.store.users.count(Role.ADMIN):
            raise ConflictError(
                f"the server at {self.store.location} already has an admin",
                hint="log in as that admin to add accounts, or use a new database",
            )
        account = self.accounts.create_account(admin, password, Role.ADMIN, now=now)
        self.accounts.set_registration(registration)
        return account

    @property
    def initialised(self) -> bool:
        """Whether ``server init`` ran (an admin exists)."""
        return self.store.users.count(Role.ADMIN) > 0

    def collection(self, account: Account) -> Collection:
        """The account's own collection (no built-in deck: an admin publishes it to classes).

        One per user for the life of the server object, so its caches (today's queue)
        outlive a request; they are dropped when another process changes the user's data.
        """
        from tokendeck.collection import Collection

        store = self.store.user(account.user_id).store
        with self._collections_lock:
            found = self._collections.get(account.user_id)
            if found is None or found.store is not store:  # new, or the account was deleted
                found = Collection(store, account.name, self.fuzz_seed)
                self._collections[account.user_id] = found
        return found

    @property
    def threads(self) -> int:
        """How many requests may use the database at once from worker threads.

        0 when the database handle belongs to one thread (SQLite): requests then
        stay on the event loop. On PostgreSQL each thread's transaction is its
        own, so concurrent learners' commits share the server's group commit;
        one user's requests must still run one at a time (their collection's
        caches are not shared between threads at once).
        """
        return self.store.db.threads

    def holding(self, account: Account) -> AbstractContextManager[None]:
        """The account's statements in this thread share one pooled connection for the block
        (set to the user once, instead of borrowed and set per statement)."""
        return self.store.user(account.user_id).db.hold()

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
