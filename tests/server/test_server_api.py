"""The server's HTTP contract: register, token, bearer and cookie authentication, CSRF,
cookie flags, no user enumeration, rate limits, account pages and redirects."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.server.conftest import PASSWORD, register_all, token_for


def _login_page_token(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def _browser_login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Log in through the form like a browser; returns the page's CSRF token."""
    answer = client.post(
        "/login",
        data={"username": name, "password": password, "form_token": _login_page_token(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    home = client.get("/")
    found = re.search(r'name="tokendeck-csrf" content="([^"]+)"', home.text)
    assert found and found.group(1)
    return found.group(1)


def test_register_then_token_then_the_api_for_that_user(client: TestClient) -> None:
    made = client.post("/api/v1/auth/register", json={"username": "Ada", "password": PASSWORD})
    assert made.status_code == 201 and made.json()["username"] == "ada"
    again = client.post("/api/v1/auth/register", json={"username": "ada", "password": PASSWORD})
    assert again.status_code == 409
    issued = client.post("/api/v1/auth/token", json={"username": "ada", "password": PASSWORD})
    assert issued.status_code == 200
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    note = client.post(
        "/api/v1/notes", json={"deck": "Mine", "front": "f", "back": "b"}, headers=headers
    )
    assert note.status_code == 201
    assert [d["name"] for d in client.get("/api/v1/decks", headers=headers).json()] == ["Mine"]
    assert client.get("/api/v1/auth/me", headers=headers).json()["username"] == "ada"


def test_without_credentials_every_api_route_answers_401_in_the_one_error_shape(
    client: TestClient,
) -> None:
    for path in ("/api/v1/decks", "/api/v1/study/next", "/api/v1/auth/me", "/api/v1/classes"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthorized"
        assert answer.headers["www-authenticate"] == "Bearer"
    bad = client.get("/api/v1/decks", headers={"Authorization": "Bearer tdk_1_" + "x" * 43})
    assert bad.status_code == 401
    basic = client.get("/api/v1/decks", headers={"Authorization": "Basic YWRhOnB3"})
    assert basic.status_code == 401


def test_logging_in_reveals_nothing_about_which_names_exist(client: TestClient) -> None:
    register_all(client, ["ada"])
    passwords = client.app.state.server.passwords  # type: ignore[attr-defined]
    answers = []
    for name in ("ada", "nobody"):
        before = passwords.verifications
        answer = client.post("/api/v1/auth/token", json={"username": name, "password": "wrong!!!"})
        assert passwords.verifications == before + 1  # the same work either way
        answers.append((answer.status_code, answer.json(), sorted(answer.headers.keys())))
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
    token = _login_page_token(client)
    pages = [
        client.post("/login", data={"username": n, "password": "wrong!!!", "form_token": token})
        for n in ("ada", "nobody")
    ]
    assert [p.status_code for p in pages] == [401, 401]
    assert pages[0].text.replace("ada", "NAME") == pages[1].text.replace("nobody", "NAME")


def test_too_many_failed_logins_answer_429_with_retry_after(client: TestClient) -> None:
    for _ in range(10):
        client.post("/api/v1/auth/token", json={"username": "ghost", "password": "wrong!!!"})
    limited = client.post("/api/v1/auth/token", json={"username": "ghost", "password": "x"})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


def test_the_session_cookie_is_httponly_secure_and_samesite(client: TestClient) -> None:
    register_all(client, ["ada"])
    answer = client.post(
        "/login",
        data={"username": "ada", "password": PASSWORD, "form_token": _login_page_token(client)},
        follow_redirects=False,
    )
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie")
    assert cookie.startswith("tokendeck_session=")
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags


def test_changes_with_the_session_cookie_need_the_pages_csrf_token(client: TestClient) -> None:
    register_all(client, ["ada"])
    csrf = _browser_login(client, "ada")
    body = {"deck": "Mine", "front": "f", "back": "b"}
    assert client.post("/api/v1/notes", json=body).status_code == 403
    wrong = {"X-TokenDeck-CSRF": "0" * len(csrf)}
    assert client.post("/api/v1/notes", json=body, headers=wrong).status_code == 403
    ok = client.post("/api/v1/notes", json=body, headers={"X-TokenDeck-CSRF": csrf})
    assert ok.status_code == 201
    foreign = {"X-TokenDeck-CSRF": csrf, "Origin": "https://evil.example"}
    assert client.post("/api/v1/notes", json=body, headers=foreign).status_code == 403
    assert client.get("/api/v1/decks").status_code == 200  # reading needs no token
    form = client.post("/classes/join", data={"code": "XXXXXXXX"}, follow_redirects=False)
    assert form.status_code == 403  # a form without its hidden csrf_token field
    assert (
        client.post("/classes/join", data={"code": "XXXXXXXX", "csrf_token": csrf}).status_code
        == 404
    )


def test_the_login_form_needs_its_own_cookie_and_never_redirects_off_site(
    client: TestClient,
) -> None:
    register_all(client, ["ada"])
    forged = client.post(
        "/login",
        data={"username": "ada", "password": PASSWORD, "form_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    for target, expected in (
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/classes", "/classes"),
    ):
        client.cookies.delete("tokendeck_session")
        answer = client.post(
            "/login",
            data={
                "username": "ada",
                "password": PASSWORD,
                "form_token": _login_page_token(client),
                "next": target,
            },
            follow_redirects=False,
        )
        assert answer.headers["location"] == expected


def test_pages_send_a_visitor_to_log_in_and_back(client: TestClient) -> None:
    answer = client.get("/classes", headers={"Accept": "text/html"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/classes"
    join = client.get("/join/ABCD2345", follow_redirects=False)
    assert join.headers["location"] == "/login?next=/join/ABCD2345"


def test_logout_ends_the_session(client: TestClient) -> None:
    register_all(client, ["ada"])
    csrf = _browser_login(client, "ada")
    answer = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert client.get("/api/v1/auth/me").status_code == 401


def test_password_change_and_account_deletion_through_the_api(client: TestClient) -> None:
    register_all(client, ["ada"])
    headers = token_for(client, "ada")
    wrong = client.post(
        "/api/v1/auth/password", json={"current": "nope", "new": "brand new pass"}, headers=headers
    )
    assert wrong.status_code == 401
    changed = client.post(
        "/api/v1/auth/password",
        json={"current": PASSWORD, "new": "brand new pass"},
        headers=headers,
    )
    assert changed.status_code == 204
    token_for(client, "ada", "brand new pass")
    gone = client.request(
        "DELETE", "/api/v1/auth/me", json={"password": "brand new pass"}, headers=headers
    )
    assert gone.status_code == 204
    assert client.get("/api/v1/decks", headers=headers).status_code == 401


def test_tokens_are_listed_without_secrets_and_revoked_at_once(client: TestClient) -> None:
    register_all(client, ["ada"])
    headers = token_for(client, "ada")
    second = client.post("/api/v1/auth/tokens", json={"name": "phone"}, headers=headers).json()
    listed = client.get("/api/v1/auth/tokens", headers=headers).json()
    assert [t["name"] for t in listed] == ["phone", "API token"]
    assert all("token" not in t for t in listed)
    phone = {"Authorization": f"Bearer {second['token']}"}
    assert client.get("/api/v1/decks", headers=phone).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{second['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/decks", headers=phone).status_code == 401


def test_registration_can_be_closed_and_reopened_by_the_admin(client: TestClient) -> None:
    admin = token_for(client, "root1")
    assert client.put(
        "/api/v1/admin/registration", json={"mode": "closed"}, headers=admin
    ).json() == {"mode": "closed"}
    refused = client.post("/api/v1/auth/register", json={"username": "ada", "password": PASSWORD})
    assert refused.status_code == 403
    invite = client.post("/api/v1/admin/invites", json={"role": "teacher"}, headers=admin).json()
    client.put("/api/v1/admin/registration", json={"mode": "invite"}, headers=admin)
    made = client.post(
        "/api/v1/auth/register",
        json={"username": "tess", "password": PASSWORD, "invite": invite["code"]},
    )
    assert made.status_code == 201 and made.json()["role"] == "teacher"
    page = client.get("/register")
    assert "Invitation code" in page.text


def test_the_single_user_app_has_no_server_routes(tmp_path: object) -> None:
    from pathlib import Path

    from tokendeck.web.app import create_app
    from tokendeck.web.settings import WebSettings

    assert isinstance(tmp_path, Path)
    app = create_app(WebSettings(db_path=tmp_path / "c.db", install_builtin=False))
    with TestClient(app, base_url="http://127.0.0.1") as local:
        assert local.get("/api/v1/decks").status_code == 200
        own = {"Origin": "http://127.0.0.1"}  # the single-user app takes changes from itself
        assert local.post("/api/v1/auth/token", json={}, headers=own).status_code == 404
        assert local.get("/login").status_code == 404
        assert "Log out" not in local.get("/").text
