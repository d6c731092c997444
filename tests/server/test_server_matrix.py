"""The authorisation matrix: every route of the server x every kind of caller.

The callers: the **owner** (learner ada, whose ids the request names), **another
learner** of the same class (bob), the **teacher** of the class (tess), the
**teacher of another class** (tom), an **anonymous** caller, a **revoked** token
of the owner, and the **admin**. Each route's expected answer for each caller is
written down below and asserted; a route of the app without a row here fails
the test, so a new route cannot skip the matrix.

Every deny leaks nothing: what a caller may not see answers 404 exactly as an
id that does not exist does (same status, same body once numbers are masked),
never 403 with a name, and the body holds none of the owner's text.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from tests.server.conftest import PASSWORD, START
from tokendeck.domain.accounts import Role
from tokendeck.server import Server

ACTORS = ("owner", "other", "teacher", "other_teacher", "anonymous", "revoked", "admin")
#: Text only the owner (or the class) holds; no deny may contain it.
SECRETS = ("secret front", "secret back", "Secret Class", "Private-A")
MISSING = 999_999


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]]
    ids: dict[str, Any]
    round: int = 0
    calls: int = 0

    def unique(self, stem: str) -> str:
        """A name no earlier call used (each caller registers, or names a class, afresh)."""
        self.calls += 1
        return f"{stem}{self.round}-{self.calls}"


@dataclass(frozen=True)
class Case:
    """One route: how to call it for the owner's resources, and who may."""

    method: str
    path: str
    expect: dict[str, str]
    body: Callable[[World], dict[str, Any]] | None = None
    query: str = ""
    page: bool = False
    form: bool = False
    #: Ask for another resource than the owner's (e.g. the owner's own token).
    kind: str = "json"


def _e(rest: str = "404", **given: str) -> dict[str, str]:
    """Expectations: the callers named, ``rest`` for the other logged-in callers, and 401
    for the anonymous caller and the revoked token unless named."""
    found = {actor: rest for actor in ACTORS}
    found.update(anonymous="401", revoked="401")
    found.update(given)
    return found


#: The owner's own data (ids in the path or body): only the owner.
OWN = _e(owner="ok")
#: No ids: every logged-in caller works on their own collection.
ANYONE = _e(rest="ok")
#: Readable by the class (its teacher and learners).
CLASS = _e(owner="ok", other="ok", teacher="ok")
#: The class's teacher only (learners of the class get 404 like strangers).
TEACHER = _e(teacher="ok")
#: Admins only; the others are refused for their role (403 names nothing).
ADMIN = _e(rest="403", admin="ok")
#: Needs no credentials at all.
PUBLIC = _e(rest="ok", anonymous="ok", revoked="ok")


def _note(world: World) -> dict[str, Any]:
    return {"deck": "Mine", "front": "f", "back": "b"}


CASES: tuple[Case, ...] = (
    # -- the single-user app's API, for the token's user --------------------------------
    Case("GET", "/api/v1/decks", ANYONE),
    Case("POST", "/api/v1/decks", ANYONE, body=lambda w: {"name": "New deck"}),
    Case("GET", "/api/v1/decks/{deck}", OWN),
    Case("PATCH", "/api/v1/decks/{deck}/config", OWN, body=lambda w: {"new_per_day": 5}),
    Case("GET", "/api/v1/decks/tree", ANYONE),
    Case("PATCH", "/api/v1/decks/{deck}", OWN, body=lambda w: {"description": "mine"}),
    Case("DELETE", "/api/v1/decks/{deck}", OWN, query="confirm={deck_name}"),
    Case("POST", "/api/v1/notes", ANYONE, body=_note),
    Case("GET", "/api/v1/notes/{note}", OWN),
    Case("PATCH", "/api/v1/notes/{note}", OWN, body=lambda w: {"back": "changed"}),
    Case("DELETE", "/api/v1/notes/{note}", OWN),
    Case("POST", "/api/v1/preview", ANYONE, body=lambda w: {"text": "*hi*"}),
    Case("GET", "/api/v1/cards", ANYONE),
    Case("GET", "/api/v1/cards/{card}", OWN),
    Case("GET", "/api/v1/cards/{card}/info", OWN),
    Case("DELETE", "/api/v1/cards/{card}", OWN),
    Case(
        "POST",
        "/api/v1/cards/bulk",
        OWN,
        body=lambda w: {"action": "suspend", "card_ids": [w.ids["card"]]},
    ),
    Case("GET", "/api/v1/study/next", ANYONE),
    Case(
        "POST",
        "/api/v1/study/answer",
        OWN,
        body=lambda w: {"card_id": w.ids["card"], "rating": "good"},
    ),
    Case(
        "POST",
        "/api/v1/study/action",
        OWN,
        body=lambda w: {"card_id": w.ids["card"], "action": "flag", "flag": 1},
    ),
    Case("POST", "/api/v1/study/undo", _e(rest="409")),  # nobody has answered yet
    Case(
        "POST",
        "/api/v1/study/custom",
        OWN,
        body=lambda w: {"deck": w.ids["deck_name"], "kind": "new", "amount": 5},
    ),
    Case("DELETE", "/api/v1/study/custom", OWN, query="deck={deck_name}"),
    Case("GET", "/api/v1/formats", ANYONE),
    Case("GET", "/api/v1/export", OWN, query="format=csv&deck={deck_name}"),
    Case("POST", "/api/v1/import", ANYONE, kind="upload"),
    Case("POST", "/api/v1/import/preview", ANYONE, kind="upload"),
    Case("GET", "/api/v1/stats", ANYONE),
    Case("GET", "/api/v1/stats/simulation", OWN, query="deck={deck_name}&days=30"),
    Case("GET", "/api/v1/settings", ANYONE),
    Case("PATCH", "/api/v1/settings", ANYONE, body=lambda w: {"rollover_hour": 5}),
    Case("POST", "/api/v1/check", ANYONE),
    Case("GET", "/api/v1/media/check", ANYONE),
    Case("GET", "/media/{media}", OWN),
    # -- sync: every caller syncs their own collection; a JSON body is no batch (400) ----
    Case("GET", "/api/v1/sync/info", ANYONE),
    Case("POST", "/api/v1/sync/push", _e(rest="400"), body=lambda w: {"not": "a batch"}),
    Case("POST", "/api/v1/sync/pull", ANYONE, body=lambda w: {"protocol": 1, "device": "d1"}),
    Case(
        "POST",
        "/api/v1/quiz/questions",
        OWN,
        body=lambda w: {"card_id": w.ids["card"], "format": "flip"},
    ),
    Case("GET", "/api/v1/quiz/learn/next", OWN, query="deck={deck_name}"),
    Case(
        "POST",
        "/api/v1/quiz/answers",
        OWN,
        body=lambda w: {"token": w.ids["question"], "rating": 3},
    ),
    Case("POST", "/api/v1/quiz/records", OWN, body=lambda w: {"token": w.ids["answered"]}),
    Case(
        "POST", "/api/v1/quiz/tests", OWN, body=lambda w: {"deck": w.ids["deck_name"], "count": 1}
    ),
    Case("POST", "/api/v1/quiz/tests/{test}/score", OWN, body=lambda w: {"responses": {}}),
    Case("GET", "/api/v1/quiz/clozes", OWN, query="card_id={card}"),
    Case(
        "POST",
        "/api/v1/quiz/clozes",
        OWN,
        body=lambda w: {"note_id": w.ids["note"], "text": "{{c1::secret}} front"},
    ),
    Case("GET", "/api/v1/quiz/lint", OWN, query="deck={deck_name}"),
    Case("GET", "/api/v1/quiz/cards/{card}/related", OWN),
    Case("GET", "/api/v1/quiz/graph", OWN, query="deck={deck_name}"),
    # -- accounts --------------------------------------------------------------------------
    Case(
        "POST",
        "/api/v1/auth/register",
        PUBLIC,
        body=lambda w: {"username": w.unique("newbie"), "password": PASSWORD},
    ),
    Case(
        "POST",
        "/api/v1/auth/token",
        PUBLIC,
        body=lambda w: {"username": "root1", "password": PASSWORD},
    ),
    Case(
        "POST",
        "/api/v1/auth/login",
        PUBLIC,
        body=lambda w: {"username": "root1", "password": PASSWORD},
    ),
    Case("POST", "/api/v1/auth/logout", _e(rest="400")),  # a bearer token does not log out
    Case("GET", "/api/v1/auth/me", ANYONE),
    Case(
        "POST",
        "/api/v1/auth/password",
        _e(rest="401"),
        body=lambda w: {"current": "not it", "new": "another password"},
    ),
    Case("DELETE", "/api/v1/auth/me", _e(rest="401"), body=lambda w: {"password": "not it"}),
    Case("GET", "/api/v1/auth/tokens", ANYONE),
    Case("POST", "/api/v1/auth/tokens", ANYONE, body=lambda w: {"name": "x"}),
    Case("DELETE", "/api/v1/auth/tokens/{token}", OWN),
    Case("GET", "/api/v1/admin/registration", ADMIN),
    Case("PUT", "/api/v1/admin/registration", ADMIN, body=lambda w: {"mode": "open"}),
    Case("POST", "/api/v1/admin/invites", ADMIN, body=lambda w: {"role": "learner"}),
    Case("GET", "/api/v1/admin/users", ADMIN),
    Case(
        "POST",
        "/api/v1/admin/users",
        ADMIN,
        body=lambda w: {"username": w.unique("made"), "password": PASSWORD},
    ),
    Case("PATCH", "/api/v1/admin/users/{owner_id}", ADMIN, body=lambda w: {"role": "teacher"}),
    # -- classes and shared decks ----------------------------------------------------------
    Case("GET", "/api/v1/classes", ANYONE),
    Case(
        "POST",
        "/api/v1/classes",
        _e(teacher="ok", other_teacher="ok", admin="ok", rest="403"),
        body=lambda w: {"name": w.unique("Another")},
    ),
    # Whoever holds the code may join (it is the invitation); its teacher is told they teach it.
    Case(
        "POST",
        "/api/v1/classes/join",
        _e(rest="ok", teacher="409"),
        body=lambda w: {"code": w.ids["code"]},
    ),
    Case("GET", "/api/v1/classes/{class}", CLASS),
    Case("DELETE", "/api/v1/classes/{class}", TEACHER),
    Case("POST", "/api/v1/classes/{class}/code", TEACHER),
    Case("POST", "/api/v1/classes/{class}/leave", _e(owner="ok", other="ok")),
    Case("DELETE", "/api/v1/classes/{class}/learners/{owner_id}", TEACHER),
    Case("GET", "/api/v1/classes/{class}/progress", TEACHER),
    Case("GET", "/api/v1/classes/{class}/progress.csv", TEACHER),
    Case("GET", "/api/v1/classes/{class}/hardest", TEACHER),
    Case("GET", "/api/v1/classes/{class}/hardest.csv", TEACHER),
    Case("GET", "/api/v1/classes/{class}/decks", CLASS),
    Case("POST", "/api/v1/classes/{class}/decks", TEACHER, body=lambda w: {"deck": "Chemistry"}),
    Case("GET", "/api/v1/published/{pub}/versions", CLASS),
    Case("GET", "/api/v1/published/{pub}/pending", TEACHER),
    Case("POST", "/api/v1/published/{pub}/versions", TEACHER),
    Case("DELETE", "/api/v1/published/{pub}", TEACHER),
    Case("GET", "/api/v1/shared/updates", ANYONE),
    Case("POST", "/api/v1/shared/updates/{conflict}", OWN, body=lambda w: {"choice": "mine"}),
    # -- pages ---------------------------------------------------------------------------
    *(
        Case("GET", path, _e(rest="ok"), page=True)
        for path in (
            "/",
            "/study",
            "/decks",
            "/browse",
            "/transfer",
            "/stats",
            "/settings",
            "/classes",
            "/account",
            "/updates",
        )
    ),
    Case("GET", "/learn", ANYONE, page=True),
    Case("GET", "/test", ANYONE, page=True),
    Case("GET", "/graph", ANYONE, page=True),
    Case("GET", "/cards/{card}", OWN, page=True),
    Case("GET", "/classes/{class}", CLASS, page=True),
    Case("GET", "/classes/{class}/progress.csv", TEACHER, page=True),
    Case("GET", "/classes/{class}/hardest.csv", TEACHER, page=True),
    Case("GET", "/admin", ADMIN, page=True),
    Case("GET", "/join/{code}", _e(rest="ok"), page=True),
    Case("GET", "/login", PUBLIC, page=True),
    Case("GET", "/register", PUBLIC, page=True),
    Case("GET", "/docs", PUBLIC, page=True),
    Case("GET", "/openapi.json", PUBLIC),
    # Without the form's own cookie (another site's form) nobody logs in or registers.
    Case("POST", "/login", _e(rest="403", anonymous="403", revoked="403"), form=True),
    Case("POST", "/register", _e(rest="403", anonymous="403", revoked="403"), form=True),
    Case("POST", "/logout", _e(rest="400"), form=True),
    Case("POST", "/account/password", _e(rest="401"), form=True),
    Case("POST", "/account/tokens", ANYONE, form=True),
    Case("POST", "/account/tokens/{token}/revoke", OWN, form=True),
    Case("POST", "/account/delete", _e(rest="401"), form=True),
    Case(
        "POST", "/classes", _e(teacher="ok", other_teacher="ok", admin="ok", rest="403"), form=True
    ),
    Case("POST", "/classes/join", _e(rest="ok", teacher="409"), form=True),
    Case("POST", "/classes/{class}/publish", TEACHER, form=True),
    Case("POST", "/published/{pub}/update", TEACHER, form=True),
    Case("POST", "/classes/{class}/code", TEACHER, form=True),
    Case("POST", "/classes/{class}/leave", _e(owner="ok", other="ok"), form=True),
    Case("POST", "/updates/{conflict}", OWN, form=True),
    Case("POST", "/admin/registration", ADMIN, form=True),
    Case("POST", "/admin/invites", ADMIN, form=True),
    Case("POST", "/admin/users/{owner_id}/role", ADMIN, form=True),
)

#: Form fields of the page posts.
FORMS: dict[str, Callable[[World], dict[str, str]]] = {
    "/login": lambda w: {"username": "root1", "password": PASSWORD, "form_token": "x"},
    "/register": lambda w: {
        "username": w.unique("newbie"),
        "password": PASSWORD,
        "confirm": PASSWORD,
    },
    "/account/password": lambda w: {"current": "not it", "new": "x" * 10, "confirm": "x" * 10},
    "/account/tokens": lambda w: {"name": "t"},
    "/account/delete": lambda w: {"password": "not it"},
    "/classes": lambda w: {"name": w.unique("Another")},
    "/classes/join": lambda w: {"code": w.ids["code"]},
    "/classes/{class}/publish": lambda w: {"deck": "Chemistry"},
    "/updates/{conflict}": lambda w: {"choice": "mine"},
    "/admin/registration": lambda w: {"mode": "open"},
    "/admin/invites": lambda w: {"role": "learner"},
    "/admin/users/{owner_id}/role": lambda w: {"role": "teacher"},
}

#: Routes that need no row: static files and the docs' assets.
UNLISTED = {("GET", "/static"), ("HEAD", "/openapi.json")}


def test_every_route_of_the_server_is_in_the_matrix(
    app_factory: Callable[[], Any],
) -> None:
    app = app_factory()
    routes = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        for method in (context.methods or ())
    }
    listed = {(c.method, _template(c.path)) for c in CASES}
    assert sorted(routes - listed - UNLISTED) == []
    assert sorted(listed - routes) == []
    assert len(CASES) * len(ACTORS) >= 700


def _template(path: str) -> str:
    """The route's own path template from the matrix's placeholders."""
    names = {
        "deck": "deck_id",
        "note": "note_id",
        "card": "card_id",
        "class": "class_id",
        "pub": "publication_id",
        "conflict": "note_id",
        "token": "token_id",
        "owner_id": "user_id",
        "test": "token",
        "code": "code",
        "media": "name:path",
    }
    return re.sub(r"\{(\w+)\}", lambda m: "{" + names[m.group(1)] + "}", path)


@dataclass
class Shared:
    """One app and database for the whole module; each test builds its own people in it."""

    client: TestClient
    server: Server
    rounds: int = 0


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shared]:
    """The module's app over a database of its own, on each backend."""
    from tests.server.conftest import cheap_passwords
    from tokendeck.domain.accounts import Registration
    from tokendeck.web.app import create_app
    from tokendeck.web.settings import WebSettings

    if request.param == "postgres":
        postgres = request.getfixturevalue("postgres_server")
        url = postgres.create_database()
        request.addfinalizer(lambda: postgres.drop_database(url))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'server.db'}"
    passwords = cheap_passwords()
    with Server.open(url, passwords=passwords) as server:
        server.initialise("root1", PASSWORD, now=START, registration=Registration.OPEN)
        app = create_app(
            WebSettings(
                database_url=url, clock=lambda: START, passwords=passwords, install_builtin=False
            )
        )
        with TestClient(app, base_url="https://testserver") as client:
            yield Shared(client, server)


@pytest.fixture
def world(shared: Shared) -> World:
    """Fresh people (ada, bob, tess, tom with a numbered suffix), classes and decks."""
    shared.rounds += 1
    n, server = shared.rounds, shared.server
    ids: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    # SQLite: one transaction for the whole set-up, one fsync instead of one per step.
    # (PostgreSQL writes each user's rows on that user's own connection: no single one.)
    sqlite = server.store.db.dialect == "sqlite"
    with server.store.transaction() if sqlite else contextlib.nullcontext():
        accounts = {
            "owner": server.accounts.create_account(f"ada-{n}", PASSWORD, Role.LEARNER, now=START),
            "other": server.accounts.create_account(f"bob-{n}", PASSWORD, Role.LEARNER, now=START),
            "teacher": server.accounts.create_account(
                f"tess-{n}", PASSWORD, Role.TEACHER, now=START
            ),
            "other_teacher": server.accounts.create_account(
                f"tom-{n}", PASSWORD, Role.TEACHER, now=START
            ),
            "admin": server.accounts.get(1),
        }
        for actor, account in accounts.items():
            tokens[actor] = server.accounts.create_token(account, "matrix", now=START)[1]
        revoked_id, tokens["revoked"] = server.accounts.create_token(
            accounts["owner"], "old", now=START
        )
        server.accounts.revoke_token(accounts["owner"], revoked_id, now=START)
        ids["token"] = server.accounts.create_token(accounts["owner"], "spare", now=START)[0]
        teacher_col = server.collection(accounts["teacher"])
        for i in range(3):
            teacher_col.add_note("Biology", f"question {i}", f"answer {i}", now=START)
        teacher_col.add_note("Chemistry", "water", "H2O", now=START)
        school_class = server.classes.create(accounts["teacher"], "Secret Class", now=START)
        server.classes.create(accounts["other_teacher"], "Other Class", now=START)
        for learner in ("owner", "other"):
            server.classes.join(accounts[learner], school_class.join_code, now=START)
        publication = server.sharing.publish_deck(
            accounts["teacher"], teacher_col, school_class.id, "Biology", now=START
        )
        owner_col = server.collection(accounts["owner"])
        owner_col.update_settings(timezone="UTC")
        server.sharing.sync(accounts["owner"], owner_col, now=START)
        note = owner_col.add_note("Private-A", "secret front", "secret back", now=START)
        first = teacher_col.note(min(c.note_id for c in teacher_col.cards("Biology")))
        shared_note = owner_col.note_by_guid(first.guid)
        assert shared_note is not None
        owner_col.edit_note(shared_note.id, now=START, back="my words")
        teacher_col.edit_note(first.id, now=START, back="answer 0, revised")
        server.sharing.publish_changes(accounts["teacher"], teacher_col, publication.id, now=START)
        server.sharing.sync(accounts["owner"], owner_col, now=START)
        [conflict] = server.sharing.conflicts(accounts["owner"], owner_col)
        ids.update(
            note=note.id,
            card=owner_col.cards_of_note(note.id)[0].id,
            deck=owner_col.deck("Private-A").id,
            deck_name="Private-A",
            pub=publication.id,
            conflict=conflict.note_id,
            code=school_class.join_code,
            owner_id=accounts["owner"].user_id,
        )
        ids["class"] = school_class.id
        media = owner_col.media_dir()  # a picture only the owner has
        media.mkdir(parents=True, exist_ok=True)
        (media / "secret-drawing.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
        ids["media"] = "secret-drawing.png"
    headers = {actor: {"Authorization": f"Bearer {token}"} for actor, token in tokens.items()}
    headers["anonymous"] = {}
    client, owner = shared.client, headers["owner"]
    made = [
        client.post(
            "/api/v1/quiz/questions", json={"card_id": ids["card"], "format": "flip"}, headers=owner
        ).json()["token"]
        for _ in range(2)
    ]
    client.post("/api/v1/quiz/answers", json={"token": made[1], "rating": 3}, headers=owner)
    test = client.post(
        "/api/v1/quiz/tests", json={"deck": "Private-A", "count": 1}, headers=owner
    ).json()["token"]
    ids.update(question=made[0], answered=made[1], test=test)
    client.cookies.clear()
    return World(client, headers, ids, round=n)


def _call(world: World, case: Case, actor: str, ids: dict[str, Any]) -> Any:
    world.client.cookies.clear()  # every caller is only what its headers say
    path = case.path.format(**ids)
    query = case.query.format(**ids)
    url = f"{path}?{query}" if query else path
    headers = dict(world.headers[actor])
    if case.page:
        headers["Accept"] = "text/html"
    if case.form:
        fields = FORMS.get(case.path, lambda w: {})(world)
        return world.client.request(
            case.method, url, data=fields, headers=headers, follow_redirects=False
        )
    if case.kind == "upload":
        files = {"file": ("cards.csv", b"front,back\nq,a\n", "text/csv")}
        return world.client.request(case.method, url, files=files, headers=headers)
    body = case.body(world) if case.body else None
    return world.client.request(
        case.method, url, json=body, headers=headers, follow_redirects=False
    )


def _outcome(answer: Any, case: Case) -> str:
    status = answer.status_code
    if status in (303, 307) and "/login" in answer.headers.get("location", ""):
        return "401"  # a page sends a visitor without valid credentials to log in
    if 200 <= status < 400:
        return "ok"
    return str(status)


# Callers that are refused are asked first, then the allowed ones, so a route that
# changes or deletes something is denied while the thing still exists.
def _order(case: Case) -> list[str]:
    return sorted(ACTORS, key=lambda a: case.expect[a] == "ok")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_each_caller_gets_exactly_what_the_matrix_says(world: World, case: Case) -> None:
    got = {}
    for actor in _order(case):
        answer = _call(world, case, actor, world.ids)
        got[actor] = _outcome(answer, case)
        if got[actor] != "ok":
            _assert_leaks_nothing(world, case, actor, answer)
    assert got == case.expect


def _assert_leaks_nothing(world: World, case: Case, actor: str, answer: Any) -> None:
    text = answer.text
    asked = str(answer.request.url) + answer.request.content.decode(errors="replace")
    for secret in SECRETS:
        if secret not in asked:  # a name the caller sent may come back; nothing else may
            assert secret not in text, f"{actor} saw {secret!r}"
    if answer.status_code == 404 and "{" in case.path + case.query:
        missing = {
            k: (MISSING if isinstance(v, int) else "NoSuchThing") for k, v in world.ids.items()
        }
        if case.body is not None:
            return  # ids in bodies: compared below through the masked message only
        blank = _call(world, case, actor, missing)
        assert blank.status_code == 404
        assert _masked(blank.text) == _masked(text), "a deny differs from a missing id"


def _masked(text: str) -> str:
    text = re.sub(r"\d+", "N", text)
    return re.sub(r"Private-A|NoSuchThing|secret-drawing.png|[A-Z0-9]{8}", "X", text)
