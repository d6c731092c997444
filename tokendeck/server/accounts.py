"""Accounts: registering, logging in and out, sessions, API tokens, passwords, deletion.

Logging in is split in three so that a web server can run the slow part in a
worker thread while the database stays on its own thread:
:meth:`Accounts.begin_login` (rate limit, fetch the hash),
:meth:`Passwords.verify` (Argon2id, CPU only), :meth:`Accounts.finish_login`
(count the failure, or open the session). :meth:`Accounts.login` does all
three for callers that do not care (the CLI, tests).

Every failure to log in gives the same error, whether the name exists or not,
and costs one Argon2id verification either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tokendeck.domain.accounts import (
    Account,
    ApiToken,
    Registration,
    Role,
    check_password,
    check_username,
)
from tokendeck.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from tokendeck.server import credentials
from tokendeck.server.passwords import Passwords, Verified
from tokendeck.storage.rows import to_ms
from tokendeck.storage.server import ServerStore

#: A session lasts this long after its last use.
SESSION_IDLE = timedelta(days=14)
#: Activity is written at most this often per session (a write per request would cost an fsync).
TOUCH_EVERY = timedelta(minutes=10)
#: Log-in failures counted per window, per name and per client address.
WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_NAME = 10
MAX_FAILURES_PER_ADDRESS = 100
#: Accounts one address may register per window (a bot filling the server is slowed down).
MAX_REGISTRATIONS_PER_ADDRESS = 20
INVITE_LIFETIME = timedelta(days=14)
REGISTRATION_KEY = "server.registration"

BAD_LOGIN = "the user name or password is wrong"
BAD_LOGIN_HINT = "check both; names are not case-sensitive"


@dataclass(frozen=True)
class LoginAttempt:
    """What :meth:`Accounts.begin_login` found: the stored hash (None: no such account)."""

    name: str
    client: str
    account: Account | None
    stored_hash: str | None


@dataclass(frozen=True)
class Session:
    """A browser session as the server hands it out (the cookie is shown once)."""

    account: Account
    cookie: str
    csrf: str


@dataclass(frozen=True)
class Identity:
    """Who a request is from, once its session cookie or API token checked out."""

    account: Account
    #: "session" or "token"
    via: str
    #: The session's CSRF token (None for an API token, which needs none).
    csrf: str | None = None
    #: The session's digest (to log out) or the token's id.
    handle: str = ""


class Accounts:
    """The account part of the server facade."""

    def __init__(self, store: ServerStore, passwords: Passwords) -> None:
        self.store = store
        self.passwords = passwords

    # -- registration ------------------------------------------------------------------------
    def registration(self) -> Registration:
        """Who may register (set by ``server init`` and the admin)."""
        stored = self.store.get_meta(REGISTRATION_KEY)
        return Registration(stored) if stored else Registration.CLOSED

    def set_registration(self, mode: Registration) -> None:
        """Open, restrict or close registration."""
        with self.store.transaction():
            self.store.put_meta(REGISTRATION_KEY, mode.value)

    def check_registration(
        self,
        name: str,
        password: str,
        *,
        invite: str | None,
        client: str,
        now: datetime,
        class_code: str | None = None,
    ) -> tuple[str, Role, str | None]:
        """Everything about a registration that needs no hashing: (name, role, invite digest).

        Raises before the slow hash when the request cannot succeed. Where registration
        is by invitation, a class's join code (its link) is an invitation to be a learner.
        """
        mode = self.registration()
        if mode is Registration.CLOSED:
            raise ForbiddenError(
                "registration is closed on this server", hint="ask its admin for an account"
            )
        self._limit(f"register:{client}", MAX_REGISTRATIONS_PER_ADDRESS, now)
        cleaned = check_username(name)
        check_password(password)
        role, invite_digest = Role.LEARNER, None
        if invite:
            invite_digest = credentials.digest(invite.strip())
            found = self.store.invites.role(invite_digest, to_ms(now))
            if found is None:
                raise ValidationError(
                    "that invitation is not valid (used, expired or mistyped)",
                    hint="ask for a new invitation",
                )
            role = found
        elif mode is Registration.INVITE and not self._class_exists(class_code):
            raise ForbiddenError(
                "registration on this server needs an invitation",
                hint="ask the admin or your teacher for an invitation code or link",
            )
        if self.store.users.name_taken(cleaned):
            raise ConflictError(f"the name {cleaned!r} is taken", hint="choose another name")
        return cleaned, role, invite_digest

    def register(
        self,
        name: str,
        password: str,
        *,
        now: datetime,
        invite: str | None = None,
        client: str = "",
        password_hash: str | None = None,
        class_code: str | None = None,
    ) -> Account:
        """Create an account (a learner, or the invitation's role) as registration allows.

        ``password_hash``: a hash already computed off the event loop (the web layer);
        ``class_code``: the join code of the class the person was invited to (it does
        not join them: the caller does that once the account exists).
        """
        cleaned, role, invite_digest = self.check_registration(
            name, password, invite=invite, client=client, now=now, class_code=class_code
        )
        hashed = password_hash or self.passwords.hash(password)
        with self.store.transaction():
            user_id = self._create_user(cleaned, role, now)
            if invite_digest is not None and not self.store.invites.claim(
                invite_digest, user_id, to_ms(now)
            ):
                raise ValidationError(
                    "that invitation was used meanwhile", hint="ask for a new invitation"
                )
            self._count(f"register:{client}", now)
        self._store_password(user_id, hashed, now)
        return self._account(user_id)

    def create_account(
        self,
        name: str,
        password: str,
        role: Role,
        *,
        now: datetime,
        password_hash: str | None = None,
    ) -> Account:
        """An account made by the admin (or ``server init``), whatever the registration mode."""
        cleaned = check_username(name)
        check_password(password)
        hashed = password_hash or self.passwords.hash(password)
        with self.store.transaction():
            user_id = self._create_user(cleaned, role, now)
        self._store_password(user_id, hashed, now)
        return self._account(user_id)

    def _create_user(self, name: str, role: Role, now: datetime) -> int:
        """The shared ``users`` row (inside the caller's transaction)."""
        if self.store.users.name_taken(name):  # also re-checked here: another worker may race
            raise ConflictError(f"the name {name!r} is taken", hint="choose another name")
        return self.store.users.create(name, role, to_ms(now))

    def _store_password(self, user_id: int, password_hash: str, now: datetime) -> None:
        """The account's password row, on the new user's own handle.

        A second step because that handle is another connection on PostgreSQL; if
        it fails the user row goes too, so no account is left without a password.
        """
        try:
            mine = self.store.user(user_id)
            with mine.transaction():
                mine.passwords.create(password_hash, to_ms(now))
        except BaseException:
            self.store.forget(user_id)
            with self.store.transaction():
                self.store.users.delete(user_id)
            raise

    def invite(self, admin: Account, role: Role, *, now: datetime) -> str:
        """A single-use registration invitation giving ``role``; the code is shown once."""
        _require_admin(admin)
        code = credentials.invite_code()
        with self.store.transaction():
            self.store.invites.create(
                credentials.digest(code),
                role,
                admin.user_id,
                to_ms(now),
                to_ms(now + INVITE_LIFETIME),
            )
        return code

    # -- logging in --------------------------------------------------------------------------
    def begin_login(self, name: str, client: str, now: datetime) -> LoginAttempt:
        """Check the rate limits and fetch the stored hash (no account: None, same path)."""
        key = name.strip().lower()
        self._limit(_name_key(key), MAX_FAILURES_PER_NAME, now)
        self._limit(f"addr:{client}", MAX_FAILURES_PER_ADDRESS, now)
        found = self.store.users.by_name(key)
        if found is None:
            return LoginAttempt(key, client, None, None)
        return LoginAttempt(key, client, found, self.stored_hash(found))

    def finish_login(self, attempt: LoginAttempt, verified: Verified, now: datetime) -> Account:
        """Count a failure (AuthenticationError) or clear the counts and return the account."""
        if not verified.ok or attempt.account is None:
            with self.store.transaction():
                self._count(_name_key(attempt.name), now)
                self._count(f"addr:{attempt.client}", now)
            raise AuthenticationError(BAD_LOGIN, hint=BAD_LOGIN_HINT)
        with self.store.transaction():
            self.store.attempts.clear(_name_key(attempt.name))
        if verified.rehashed is not None:
            mine = self.store.user(attempt.account.user_id)
            with mine.transaction():
                mine.passwords.set(verified.rehashed, to_ms(now))
        return attempt.account

    def login(self, name: str, password: str, *, now: datetime, client: str = "") -> Account:
        """Check a name and password (rate limited); AuthenticationError if they do not match."""
        attempt = self.begin_login(name, client, now)
        return self.finish_login(attempt, self.passwords.verify(attempt.stored_hash, password), now)

    def open_session(self, account: Account, *, now: datetime) -> Session:
        """A new browser session for a logged-in account."""
        secret = credentials.new_secret()
        mine = self.store.user(account.user_id)
        with mine.transaction():
            mine.sessions.purge(to_ms(now))
            mine.sessions.create(credentials.digest(secret), to_ms(now), to_ms(now + SESSION_IDLE))
        cookie = credentials.session_cookie(account.user_id, secret)
        return Session(account, cookie, credentials.csrf_token(secret))

    def from_cookie(self, cookie: str, *, now: datetime) -> Identity | None:
        """The identity of a live session cookie, or None."""
        presented = credentials.parse_cookie(cookie)
        if presented is None:
            return None
        mine = self.store.user(presented.user_id)
        found = mine.sessions.identify(presented.digest, to_ms(now))
        if found is None:
            return None
        account, seen = found
        if to_ms(now) - seen > TOUCH_EVERY.total_seconds() * 1000:
            mine.sessions.touch(presented.digest, to_ms(now), to_ms(now + SESSION_IDLE))
        csrf = credentials.csrf_token(presented.secret)
        return Identity(account, "session", csrf, presented.digest)

    def logout(self, identity: Identity) -> None:
        """End the session the identity came from (an API token is revoked instead)."""
        if identity.via != "session":
            raise ValidationError(
                "an API token does not log out", hint="revoke it (DELETE /api/v1/auth/tokens/ID)"
            )
        self.store.user(identity.account.user_id).sessions.delete(identity.handle)

    # -- API tokens --------------------------------------------------------------------------
    def create_token(self, account: Account, name: str, *, now: datetime) -> tuple[int, str]:
        """A new personal API token: (its id, its text, shown this once)."""
        label = name.strip()[:100] or "API token"
        secret = credentials.new_secret()
        mine = self.store.user(account.user_id)
        token_id = mine.tokens.create(credentials.digest(secret), label, to_ms(now))
        return token_id, credentials.api_token(account.user_id, secret)

    def from_token(self, token: str, *, now: datetime) -> Identity | None:
        """The identity of a live API token, or None (revoked, malformed or unknown)."""
        presented = credentials.parse_token(token)
        if presented is None:
            return None
        mine = self.store.user(presented.user_id)
        found = mine.tokens.identify(presented.digest)
        if found is None:
            return None
        account, token_id, last_used = found
        if last_used is None or to_ms(now) - last_used > TOUCH_EVERY.total_seconds() * 1000:
            mine.tokens.touch(token_id, to_ms(now))
        return Identity(account, "token", None, str(token_id))

    def tokens(self, account: Account) -> list[ApiToken]:
        """The account's tokens (live and revoked), newest first."""
        return self.store.user(account.user_id).tokens.all()

    def revoke_token(self, account: Account, token_id: int, *, now: datetime) -> None:
        """Revoke one of the account's tokens (NotFoundError for any other id)."""
        mine = self.store.user(account.user_id)
        with mine.transaction():
            if not mine.tokens.revoke(token_id, to_ms(now)):
                raise NotFoundError(
                    f"you have no live API token {token_id}", hint="list them: GET /auth/tokens"
                )

    # -- the account itself ------------------------------------------------------------------
    def change_password(self, identity: Identity, current: str, new: str, *, now: datetime) -> None:
        """Replace the password once the current one checks out; other sessions end."""
        check_password(new)
        self.verify_current(identity.account, current)
        self.set_password(identity, self.passwords.hash(new), now=now)

    def set_password(self, identity: Identity, password_hash: str, *, now: datetime) -> None:
        """Store a new password hash (the caller checked the current password); every other
        session of the account ends."""
        mine = self.store.user(identity.account.user_id)
        with mine.transaction():
            mine.passwords.set(password_hash, to_ms(now))
            mine.sessions.delete_all(keep=identity.handle if identity.via == "session" else None)

    def stored_hash(self, account: Account) -> str | None:
        """The account's password hash (to verify it off the event loop)."""
        return self.store.user(account.user_id).passwords.get()

    def verify_current(self, account: Account, password: str) -> None:
        """AuthenticationError unless ``password`` is the account's password."""
        self.require(self.passwords.verify(self.stored_hash(account), password))

    @staticmethod
    def require(verified: Verified) -> None:
        """AuthenticationError unless a check of the current password succeeded."""
        if not verified.ok:
            raise AuthenticationError(
                "the current password is wrong", hint="type the password you log in with"
            )

    def delete_account(self, account: Account) -> None:
        """Delete the account and all its data: collection, history, sessions, tokens, classes.

        The front-end confirms the password first (:meth:`verify_current`).

        Learners of a deleted teacher's classes keep their copies of its decks.
        The last admin cannot go (the server would have nobody to run it).
        """
        with self.store.transaction():
            if account.role is Role.ADMIN and self.store.users.count(Role.ADMIN) <= 1:
                raise ConflictError(
                    "the last admin cannot delete their account",
                    hint="make another account admin first",
                )
            self.store.users.delete(account.user_id)
        self.store.forget(account.user_id)

    def get(self, user_id: int) -> Account:
        """An account by user id (NotFoundError)."""
        return self._account(user_id)

    @staticmethod
    def require_admin(account: Account) -> None:
        """ForbiddenError unless the account is an admin."""
        _require_admin(account)

    def all(self, admin: Account) -> list[Account]:
        """Every account (admins only)."""
        _require_admin(admin)
        return self.store.users.all()

    def set_role(self, admin: Account, user_id: int, role: Role) -> Account:
        """Change an account's role (admins only; the last admin keeps theirs)."""
        _require_admin(admin)
        target = self._account(user_id)
        with self.store.transaction():
            last_admin = target.role is Role.ADMIN and self.store.users.count(Role.ADMIN) <= 1
            if last_admin and role is not Role.ADMIN:
                raise ConflictError(
                    "the last admin cannot stop being admin",
                    hint="make another account admin first",
                )
            self.store.users.set_role(user_id, role)
        return self._account(user_id)

    # -- helpers -----------------------------------------------------------------------------
    def _class_exists(self, code: str | None) -> bool:
        return (
            bool(code)
            and self.store.classes.by_code(credentials.normalise_code(code or "")) is not None
        )

    def _account(self, user_id: int) -> Account:
        found = self.store.users.get(user_id)
        if found is None:
            raise NotFoundError(
                f"there is no account {user_id}", hint="list them: GET /admin/users"
            )
        return found

    def _limit(self, key: str, most: int, now: datetime) -> None:
        failures = self.store.attempts.failures(key, to_ms(now - WINDOW))
        if failures >= most:
            raise RateLimitedError(
                "too many attempts; wait a few minutes",
                retry_after_s=int(WINDOW.total_seconds()),
                hint=f"try again in {int(WINDOW.total_seconds() // 60)} minutes",
            )

    def _count(self, key: str, now: datetime) -> None:
        self.store.attempts.record_failure(key, to_ms(now), to_ms(now - WINDOW))


def _name_key(name: str) -> str:
    # A digest, so the table of attempts does not list the names people tried.
    return "name:" + credentials.digest(name)


def _require_admin(account: Account) -> None:
    if account.role is not Role.ADMIN:
        raise ForbiddenError("only an admin can do that", hint="ask the server's admin")
