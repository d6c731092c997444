"""Accounts: registration modes, log-in without user enumeration, rate limits, sessions,
API tokens, password changes and deleting an account with all its data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.server.conftest import PASSWORD, START, make_account
from tokendeck.domain.accounts import Registration, Role
from tokendeck.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from tokendeck.server import Server
from tokendeck.server.accounts import MAX_FAILURES_PER_NAME, WINDOW
from tokendeck.server.passwords import Passwords


def test_init_makes_one_admin_and_refuses_a_second_init(server: Server) -> None:
    assert server.initialised
    admin = server.accounts.login("ROOT1", PASSWORD, now=START)
    assert admin.role is Role.ADMIN and admin.name == "root1"
    with pytest.raises(ConflictError, match="already has an admin"):
        server.initialise("other", PASSWORD, now=START)


def test_open_registration_makes_learners_with_case_insensitive_unique_names(
    server: Server,
) -> None:
    ada = server.accounts.register("Ada", PASSWORD, now=START)
    assert ada.name == "ada" and ada.role is Role.LEARNER
    with pytest.raises(ConflictError, match="taken"):
        server.accounts.register("ADA", PASSWORD, now=START)
    with pytest.raises(ValidationError, match="3 to 32"):
        server.accounts.register("a b", PASSWORD, now=START)
    with pytest.raises(ValidationError, match="shorter than 8"):
        server.accounts.register("bob", "short", now=START)
    with pytest.raises(ValidationError, match="reserved"):
        server.accounts.register("local", PASSWORD, now=START)


def test_closed_registration_refuses_everyone(server: Server) -> None:
    server.accounts.set_registration(Registration.CLOSED)
    with pytest.raises(ForbiddenError, match="closed"):
        server.accounts.register("ada", PASSWORD, now=START)


def test_invite_only_registration_needs_a_single_use_invitation_that_gives_its_role(
    server: Server,
) -> None:
    server.accounts.set_registration(Registration.INVITE)
    admin = server.accounts.login("root1", PASSWORD, now=START)
    with pytest.raises(ForbiddenError, match="invitation"):
        server.accounts.register("ada", PASSWORD, now=START)
    code = server.accounts.invite(admin, Role.TEACHER, now=START)
    teacher = server.accounts.register("ada", PASSWORD, now=START, invite=code)
    assert teacher.role is Role.TEACHER
    with pytest.raises(ValidationError, match="not valid"):
        server.accounts.register("bob", PASSWORD, now=START, invite=code)
    late = server.accounts.invite(admin, Role.LEARNER, now=START)
    with pytest.raises(ValidationError, match="not valid"):
        server.accounts.register("cyd", PASSWORD, now=START + timedelta(days=15), invite=late)
    learner = server.accounts.login("ada", PASSWORD, now=START)
    with pytest.raises(ForbiddenError):
        server.accounts.invite(learner, Role.ADMIN, now=START)


def test_a_wrong_name_and_a_wrong_password_fail_alike_and_cost_one_check_each(
    server: Server,
) -> None:
    make_account(server, "ada")
    errors = []
    for name in ("ada", "nobody-here"):
        before = server.passwords.verifications
        with pytest.raises(AuthenticationError) as caught:
            server.accounts.login(name, "wrong password", now=START)
        assert server.passwords.verifications == before + 1
        errors.append((type(caught.value), caught.value.message, caught.value.hint))
    assert errors[0] == errors[1]


def test_failed_logins_are_limited_per_name_whether_or_not_it_exists(server: Server) -> None:
    make_account(server, "ada")
    for name in ("ada", "ghost"):
        for _ in range(MAX_FAILURES_PER_NAME):
            with pytest.raises(AuthenticationError):
                server.accounts.login(name, "wrong", now=START, client="10.0.0.1")
        before = server.passwords.verifications
        with pytest.raises(RateLimitedError):
            server.accounts.login(name, PASSWORD, now=START, client="10.0.0.1")
        assert server.passwords.verifications == before  # refused before any hashing
    later = START + WINDOW + timedelta(seconds=1)
    assert server.accounts.login("ada", PASSWORD, now=later).name == "ada"


def test_sessions_live_until_logout_or_idle_expiry_and_reject_tampering(server: Server) -> None:
    ada = make_account(server, "ada")
    session = server.accounts.open_session(ada, now=START)
    identity = server.accounts.from_cookie(session.cookie, now=START)
    assert identity is not None and identity.account.name == "ada" and identity.csrf
    assert identity.csrf == session.csrf
    user_id, secret = session.cookie.split(".")
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert server.accounts.from_cookie(f"{user_id}.{tampered}", now=START) is None
    other = make_account(server, "bob")
    assert server.accounts.from_cookie(f"{other.user_id}.{secret}", now=START) is None
    assert server.accounts.from_cookie(session.cookie, now=START + timedelta(days=15)) is None
    server.accounts.logout(identity)
    assert server.accounts.from_cookie(session.cookie, now=START) is None


def test_api_tokens_are_stored_as_digests_and_revocable_only_by_their_owner(
    server: Server,
) -> None:
    ada, bob = make_account(server, "ada"), make_account(server, "bob")
    token_id, token = server.accounts.create_token(ada, "laptop", now=START)
    assert token.startswith(f"tdk_{ada.user_id}_")
    mine = server.store.db.scoped(ada.user_id)
    stored = mine.fetchall("SELECT hash FROM api_tokens WHERE user_id=?", (ada.user_id,))
    assert stored and all(token.split("_")[-1] not in row[0] for row in stored)
    identity = server.accounts.from_token(token, now=START)
    assert identity is not None and identity.account.name == "ada" and identity.via == "token"
    with pytest.raises(NotFoundError):
        server.accounts.revoke_token(bob, token_id, now=START)
    server.accounts.revoke_token(ada, token_id, now=START)
    assert server.accounts.from_token(token, now=START) is None
    assert [t.revoked for t in server.accounts.tokens(ada)] == [True]


def test_changing_the_password_checks_the_old_one_and_ends_other_sessions(
    server: Server,
) -> None:
    ada = make_account(server, "ada")
    here = server.accounts.open_session(ada, now=START)
    elsewhere = server.accounts.open_session(ada, now=START)
    identity = server.accounts.from_cookie(here.cookie, now=START)
    assert identity is not None
    with pytest.raises(AuthenticationError, match="current password"):
        server.accounts.change_password(identity, "wrong", "a new password", now=START)
    server.accounts.change_password(identity, PASSWORD, "a new password", now=START)
    assert server.accounts.from_cookie(here.cookie, now=START) is not None
    assert server.accounts.from_cookie(elsewhere.cookie, now=START) is None
    with pytest.raises(AuthenticationError):
        server.accounts.login("ada", PASSWORD, now=START)
    assert server.accounts.login("ada", "a new password", now=START).name == "ada"


def test_deleting_an_account_deletes_every_row_of_it(server: Server) -> None:
    ada, bob = make_account(server, "ada"), make_account(server, "bob")
    for account in (ada, bob):
        col = server.collection(account)
        col.add_note("Mine", "front", "back", now=START)
        card = col.cards()[0]
        from tokendeck.domain.cards import Rating

        col.answer(card.id, Rating.GOOD, now=START)
        server.accounts.create_token(account, "t", now=START)
        server.accounts.open_session(account, now=START)
    tables = _tables_with_user_id(server)
    assert {"cards", "notes", "decks", "reviews", "sessions", "api_tokens", "accounts"} <= tables

    def rows_of(user_id: int) -> dict[str, int]:
        # Through the user's own handle: on PostgreSQL row-level security shows no other rows.
        db = server.store.db.scoped(user_id)
        return {
            t: int(db.scalar(f"SELECT count(*) FROM {t} WHERE user_id=?", (user_id,)))
            for t in sorted(tables)
        }

    assert rows_of(ada.user_id)["reviews"] == 1 and rows_of(ada.user_id)["accounts"] == 1
    server.accounts.delete_account(ada)
    assert set(rows_of(ada.user_id).values()) == {0}
    assert rows_of(bob.user_id)["reviews"] == 1
    with pytest.raises(AuthenticationError):
        server.accounts.login("ada", PASSWORD, now=START)


def _tables_with_user_id(server: Server) -> set[str]:
    db = server.store.db
    if db.dialect == "postgresql":
        rows = db.fetchall(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'user_id'"
        )
        return {str(r[0]) for r in rows}
    names = [r[0] for r in db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")]
    return {
        n for n in names if any(c[1] == "user_id" for c in db.fetchall(f"PRAGMA table_info({n})"))
    }


def test_the_last_admin_can_neither_leave_nor_stop_being_admin(server: Server) -> None:
    admin = server.accounts.login("root1", PASSWORD, now=START)
    with pytest.raises(ConflictError, match="last admin"):
        server.accounts.delete_account(admin)
    with pytest.raises(ConflictError, match="last admin"):
        server.accounts.set_role(admin, admin.user_id, Role.LEARNER)
    ada = make_account(server, "ada")
    with pytest.raises(ForbiddenError):
        server.accounts.set_role(ada, ada.user_id, Role.ADMIN)
    server.accounts.set_role(admin, ada.user_id, Role.ADMIN)
    server.accounts.delete_account(admin)
    assert server.accounts.get(ada.user_id).role is Role.ADMIN


def test_the_default_hasher_is_argon2id_at_the_librarys_recommended_cost() -> None:
    from argon2 import PasswordHasher, profiles

    recommended = profiles.RFC_9106_LOW_MEMORY
    hasher = Passwords()
    assert hasher.parameters == {
        "time_cost": recommended.time_cost,
        "memory_cost": recommended.memory_cost,
        "parallelism": recommended.parallelism,
    }
    assert PasswordHasher().memory_cost == recommended.memory_cost
    stored = hasher.hash("a password")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "a password").ok
    assert not hasher.verify(stored, "another").ok


def test_an_old_cheaper_hash_is_upgraded_on_a_successful_login(server_url: str) -> None:
    from tests.server.conftest import cheap_passwords

    with Server.open(server_url, passwords=cheap_passwords()) as cheap:
        cheap.initialise("root1", PASSWORD, now=START)
    with Server.open(server_url) as real:
        stored_before = real.accounts.stored_hash(real.accounts.get(1))
        assert stored_before is not None and "m=8," in stored_before
        real.accounts.login("root1", PASSWORD, now=START)
        stored_after = real.accounts.stored_hash(real.accounts.get(1))
        assert stored_after is not None and "m=65536," in stored_after


def test_only_so_many_hashes_run_at_once() -> None:
    """Log-ins arriving together take turns at the CPU instead of all slowing each other:
    while ``concurrency`` hashes run, another waits for a free slot."""
    import threading

    class Recording:
        """A hasher (the argon2 interface) that notes whether a slot was free while it ran."""

        time_cost, memory_cost, parallelism = 1, 8, 1

        def __init__(self) -> None:
            self.free_while_running: list[bool] = []

        def _probe(self) -> None:
            free = passwords._running.acquire(blocking=False)
            if free:
                passwords._running.release()
            self.free_while_running.append(free)

        def hash(self, password: str) -> str:
            self._probe()
            return f"hash-of-{password}"

        def verify(self, stored: str, password: str) -> bool:
            self._probe()
            return True

        def check_needs_rehash(self, stored: str) -> bool:
            return False

    one_at_a_time, two_at_a_time = Recording(), Recording()
    passwords = Passwords(one_at_a_time, concurrency=1)
    threads = [threading.Thread(target=passwords.verify, args=("h", "pw")) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert passwords.hash("pw") == "hash-of-pw"
    assert one_at_a_time.free_while_running == [False] * 4
    passwords = Passwords(two_at_a_time, concurrency=2)
    assert passwords.verify("h", "pw").ok
    assert two_at_a_time.free_while_running == [True]
    assert Passwords(one_at_a_time).concurrency >= 1
