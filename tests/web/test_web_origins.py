"""In Chromium: a page from another origin cannot change the collection; the app's own can.

Issue 14: a cross-origin multipart POST to /api/v1/import from any page in the
browser imported notes. Here a page served by a second server (another host
and port: another site) tries every way a page can send a request (a no-cors
``fetch`` with and without credentials, a CORS ``fetch``, a DELETE, plain HTML
form posts) while the app's own pages, under their Content-Security-Policy and
without Playwright's CSP bypass, import a file and answer a card.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

EVIL_PAGE = """<!doctype html><html><head><title>cute cats</title></head><body>
<form id="undo" method="POST" action="{api}/study/undo"></form>
<form id="import" method="POST" action="{api}/import" enctype="multipart/form-data">
  <textarea name="file">front,back
form,owned</textarea></form>
<script>
async function attack() {{
  const results = {{}};
  const csv = () => {{
    const body = new FormData();
    body.append("file", new Blob(["front,back\\nfetched,owned\\n"], {{type: "text/csv"}}), "x.csv");
    return body;
  }};
  const tries = {{
    "no-cors": {{mode: "no-cors"}},
    "no-cors, credentials": {{mode: "no-cors", credentials: "include"}},
    "cors": {{mode: "cors"}},
    "cors, credentials": {{mode: "cors", credentials: "include"}},
  }};
  for (const [label, options] of Object.entries(tries)) {{
    try {{
      const response = await fetch("{api}/import", {{method: "POST", body: csv(), ...options}});
      results[label] = `${{response.type}} ${{response.status}}`;
    }} catch (error) {{
      results[label] = "blocked";
    }}
  }}
  try {{
    await fetch("{api}/cards/1", {{method: "DELETE", credentials: "include"}});
    results["delete"] = "sent";
  }} catch (error) {{
    results["delete"] = "blocked";
  }}
  return results;
}}
</script></body></html>"""


@pytest.fixture
def evil_site(live_server: str) -> Iterator[str]:
    """Another site: a server on another port, reached under another host name."""
    page = EVIL_PAGE.format(api=f"{live_server}/api/v1").encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # live_server is http://127.0.0.1:PORT; "localhost" makes this a different site too.
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    thread.join(timeout=10)


def counts(db: Path) -> tuple[int, int, int, list[str]]:
    with sqlite3.connect(db) as conn:
        notes = conn.execute("SELECT count(*) FROM notes").fetchone()[0]
        cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
        reviews = conn.execute("SELECT count(*) FROM reviews").fetchone()[0]
        fronts = [r[0] for r in conn.execute("SELECT front FROM notes ORDER BY front")]
    return notes, cards, reviews, fronts


def test_another_site_cannot_change_the_collection_while_the_app_can(
    browser: Any, live_server: str, evil_site: str, web_db: Path, tmp_path: Path
) -> None:
    context = browser.new_context(base_url=live_server)  # no CSP bypass: the real policy
    context.set_default_timeout(15_000)
    violations: list[str] = []
    errors: list[str] = []
    try:
        app = context.new_page()
        app.on(
            "console", lambda m: violations.append(m.text) if "Security Policy" in m.text else None
        )
        app.on("pageerror", lambda exc: errors.append(str(exc)))

        # The app's own pages work under their policy: answer a card, import a file.
        app.goto("/study")
        app.locator("#reveal").click()
        app.locator("#ratings button").nth(2).click()
        app.locator("#progress").filter(has_text="1 done").wait_for()
        csv = tmp_path / "mine.csv"
        csv.write_text("front,back\nmine,ok\n", encoding="utf-8")
        app.goto("/transfer")
        app.locator("#import-file").set_input_files(str(csv))
        app.locator("#preview-button").click()
        app.locator("#confirm-import").click()
        app.locator("#import-status").filter(has_text="Imported: 1 added").wait_for()
        before = counts(web_db)
        assert "mine" in before[3] and before[2] == 1

        # Another site tries everything a page can do.
        evil = context.new_page()
        evil.goto(evil_site)
        results = evil.evaluate("attack()")
        for form in ("undo", "import"):  # plain HTML forms, posted as the top-level page
            evil.goto(evil_site)
            with evil.expect_navigation() as posted:
                evil.evaluate(f"document.getElementById('{form}').submit()")
            assert posted.value is not None and posted.value.status == 403
        after = counts(web_db)
    finally:
        context.close()
    assert after == before, f"the collection changed: {before} -> {after} ({results})"
    assert "fetched" not in after[3] and "form" not in after[3]
    # What the browser let through was refused by the server; the rest never left it.
    assert results["cors"] == "blocked" and results["delete"] == "blocked", results
    assert violations == [] and errors == []
