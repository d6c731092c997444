"""The multi-user server end to end, as people use it: a teacher and two learners in browsers.

``tokendeck server init`` and ``tokendeck server`` run as commands against a real
PostgreSQL database; everything after that happens in Chromium pages (each
person in a browser context of their own, so their own cookies): the admin
invites a teacher, the teacher makes a class and publishes a deck, two learners
register through the class link and study the deck, the teacher watches the
dashboard and publishes a change, and the learners get it with their progress
kept (and the one who had edited the note chooses between the two texts).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from tests.processes import TOKENDECK, tokendeck_server
from tests.web.conftest import SCREENSHOTS
from tests.web.test_web_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.slow]

PASSWORD = "correct horse battery"


@pytest.fixture
def server(postgres_server: Any) -> Iterator[str]:
    """``tokendeck server init`` then ``tokendeck server`` (2 workers) on a new database."""
    from tests.postgres_server import OWNER

    name = "tokendeck_e2e"
    postgres_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    postgres_server.admin(f"CREATE DATABASE {name} OWNER {OWNER}")
    postgres_server.admin(f"ALTER SCHEMA public OWNER TO {OWNER}", database=name)
    env = {**os.environ, "TOKENDECK_PASSWORD": PASSWORD}
    init = subprocess.run(
        [
            TOKENDECK,
            "server",
            "init",
            "--database",
            postgres_server.url(name, OWNER),
            "--admin",
            "root1",
            "--registration",
            "invite",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    try:
        with tokendeck_server(postgres_server.url(name), env) as base:
            yield base
    finally:
        postgres_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Person:
    """One person's browser: a context of their own (cookies), one page, no script errors."""

    def __init__(self, browser: Any, base: str) -> None:
        # bypass_csp: Playwright's waits evaluate strings, which the pages' policy forbids
        # (tests/web/test_web_origins.py runs under the real policy).
        self.context = browser.new_context(
            base_url=base, viewport={"width": 1280, "height": 900}, bypass_csp=True
        )
        self.context.set_default_timeout(20_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def log_in(self, name: str) -> None:
        page = self.page
        page.goto("/login")
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_text(f"Signed in as {name}").wait_for()

    def register(self, name: str) -> None:
        page = self.page
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.get_by_text(f"Signed in as {name}").wait_for()

    def api(self, path: str) -> Any:
        """GET an API path with this person's session (as the page's own scripts do)."""
        return self.page.evaluate("async (path) => (await fetch('/api/v1' + path)).json()", path)

    def study(self, deck: str, ratings: list[str]) -> None:
        """Study ``deck`` on the study page: show each answer and press the rating."""
        page = self.page
        page.goto(f"/study?deck={deck}")
        for rating in ratings:
            page.locator("#reveal").wait_for()
            page.locator("#reveal").click()
            page.locator("#ratings").wait_for()
            with page.expect_response(lambda r: "/api/v1/study/answer" in r.url) as answered:
                page.locator("#ratings button", has_text=rating).first.click()
            assert answered.value.ok

    def audit(self, name: str, found: dict[str, list[str]]) -> None:
        """axe-core's serious or critical findings on the page as it is now."""
        problems = serious_violations(self.page)
        if problems:
            found[name] = problems

    def close(self) -> None:
        self.context.close()
        assert not self.errors, f"JavaScript errors: {self.errors}"


def test_a_teacher_and_two_learners_from_init_to_an_update(browser: Any, server: str) -> None:
    admin, teacher = Person(browser, server), Person(browser, server)
    ada, bob = Person(browser, server), Person(browser, server)
    inaccessible: dict[str, list[str]] = {}
    admin.page.goto("/login")
    admin.audit("login", inaccessible)

    # The admin invites a teacher (registration is by invitation only).
    admin.log_in("root1")
    admin.page.goto("/admin")
    admin.page.get_by_label("Role", exact=True).select_option("teacher")
    admin.page.get_by_role("button", name="Make an invitation").click()
    invite = admin.page.locator("#invite-link").inner_text().strip()
    admin.audit("admin", inaccessible)

    # The teacher registers, writes a deck, makes a class and publishes the deck to it.
    teacher.page.goto(invite)
    teacher.audit("register", inaccessible)
    teacher.register("tess")
    teacher.page.goto("/browse#add")
    for i in range(3):
        teacher.page.locator("#add-deck").fill("Biology")
        teacher.page.locator("#add-front").fill(f"question {i}")
        teacher.page.locator("#add-back").fill(f"answer {i}")
        teacher.page.locator("#add-form button[type=submit]").click()
        teacher.page.wait_for_function(
            f"document.getElementById('result-count').textContent.startsWith('{i + 1} card')"
        )
    teacher.page.goto("/classes")
    teacher.audit("classes", inaccessible)
    teacher.page.get_by_label("New class").fill("Biology 2B")
    teacher.page.get_by_role("button", name="Create class").click()
    teacher.page.get_by_text("The class is created").wait_for()
    class_url = teacher.page.url.split("?")[0]
    join_link = teacher.page.locator("#join-link").get_attribute("href")
    assert join_link and re.search(r"/join/[A-Z0-9]{8}$", join_link)
    teacher.page.get_by_label("Publish one of your decks").select_option("Biology")
    teacher.page.get_by_role("button", name="Publish deck").click()
    teacher.page.get_by_text("The deck is published").wait_for()

    # Two learners follow the class link, register, and study the deck in their browsers.
    for person, name in ((ada, "ada"), (bob, "bob")):
        person.page.goto(join_link)
        person.page.get_by_role("link", name="Create one").click()
        person.page.get_by_text("You are joining Biology 2B").wait_for()
        person.register(name)
        person.page.get_by_text("You joined the class").wait_for()
        assert person.page.get_by_role("link", name="Study Biology").count() == 1  # deck tree
    ada.study("Biology", ["Good", "Good", "Good"])
    bob.study("Biology", ["Again", "Good", "Good"])
    # Ada rewrites one note in her own words before the teacher changes it.
    [own] = ada.api("/cards?q=question%202")["cards"]
    ada.page.goto(f"/cards/{own['id']}")
    ada.page.locator("#edit-back").fill("my own words")
    ada.page.get_by_role("button", name="Save").click()
    ada.page.get_by_text("Saved.", exact=True).wait_for()

    # The teacher's dashboard: both learners' work on the class deck, and a CSV of it.
    teacher.page.goto(class_url)
    rows = {
        name: teacher.page.locator("#progress tr", has_text=name).inner_text()
        for name in ("ada", "bob")
    }
    assert all(re.search(r"\t3\t", text) for text in rows.values()), rows
    csv = teacher.page.evaluate(
        "async (url) => (await fetch(url)).text()", class_url + "/progress.csv"
    )
    assert csv.splitlines()[0].startswith("learner,reviews") and "ada,3," in csv
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    teacher.page.screenshot(path=str(SCREENSHOTS / "server-teacher-dashboard.png"), full_page=True)
    teacher.audit("class dashboard", inaccessible)
    teacher.page.goto("/account")
    teacher.audit("account", inaccessible)

    # The teacher changes two notes and publishes the change as a new version.
    for i in (1, 2):
        [card] = teacher.api(f"/cards?q=question%20{i}")["cards"]
        teacher.page.goto(f"/cards/{card['id']}")
        teacher.page.locator("#edit-back").fill(f"answer {i}, revised")
        teacher.page.get_by_role("button", name="Save").click()
        teacher.page.get_by_text("Saved.", exact=True).wait_for()
    teacher.page.goto(class_url)
    teacher.page.get_by_role("button", name="Publish the changes to Biology").click()
    teacher.page.get_by_text("A new version is published").wait_for()

    # Bob's next visit brings the change, his history and schedule kept.
    bob.page.goto("/")
    [changed] = bob.api("/cards?q=question%201")["cards"]
    assert changed["back"] == "answer 1, revised" and changed["reps"] == 1
    # Ada keeps her own words until she chooses; she sees both texts and takes the author's.
    ada.page.goto("/")
    ada.page.get_by_role("link", name=re.compile("1 shared note has an update")).click()
    ada.page.get_by_text("my own words").wait_for()
    ada.page.get_by_text("answer 2, revised").wait_for()
    ada.page.screenshot(path=str(SCREENSHOTS / "server-learner-updates.png"), full_page=True)
    ada.audit("updates", inaccessible)
    ada.page.get_by_role("button", name="Take the author's").click()
    ada.page.get_by_text("every shared note is up to date").wait_for()
    cards = {c["front"]: c for c in ada.api("/cards?deck=Biology")["cards"]}
    assert cards["question 2"]["back"] == "answer 2, revised"
    assert cards["question 1"]["back"] == "answer 1, revised"
    assert {c["reps"] for c in cards.values()} == {1}

    bob.page.goto("/classes")
    bob.page.get_by_role("link", name="Biology 2B").click()
    bob.page.get_by_role("link", name="Study Biology").wait_for()
    bob.audit("class (learner)", inaccessible)
    for person in (admin, teacher, ada, bob):
        person.close()
    assert inaccessible == {}
