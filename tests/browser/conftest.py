"""Browser tests: real Chromium (Debian's package) driven by Playwright, with axe-core.

The portal runs in a thread on 127.0.0.1 with its own migrated SQLite database holding the
demo data. Chromium is required in CI (PORTAL_REQUIRE_BROWSER=1); on a developer machine
without it the browser tests are skipped with a message saying how to install it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import make_app, prepare_database

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]
# WCAG 2.2 level A and AA, which is what Norwegian law requires of public services.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def chromium_path() -> str:
    path = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if Path(path).exists():
        return path
    if os.environ.get("PORTAL_REQUIRE_BROWSER") == "1":
        pytest.fail("PORTAL_REQUIRE_BROWSER=1 but Chromium is not installed")
    pytest.skip("Browser tests skipped: install Chromium (apt-get install -y chromium)")
    return path


@dataclass
class LiveServer:
    url: str
    app: Flask


@contextmanager
def serve(tmp_path_factory, **config) -> Iterator[LiveServer]:
    """Serve the portal in a thread on 127.0.0.1 with its own database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    prepare_database(url).dispose()
    app = make_app(url, RATELIMIT_ENABLED=False, **config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    with serve(tmp_path_factory) as server:
        yield server.url


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    """A server with its own database for the module that asks for it."""
    with serve(tmp_path_factory) as live:
        yield live


@pytest.fixture
def server_page(browser, server):
    context = browser.new_context(base_url=server.url)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def short_session_server(tmp_path_factory) -> Iterator[str]:
    """Sessions that time out after 8 idle seconds, warning 6 seconds before."""
    with serve(tmp_path_factory, SESSION_IDLE_SECONDS=8, SESSION_WARNING_SECONDS=6) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    yield context.new_page()
    context.close()


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now and return its WCAG A/AA violations."""
    # After a click that submits a form, the next page may still be loading its style sheets;
    # axe must judge the page a person sees (target sizes, contrast), not the unstyled one.
    page.wait_for_load_state("load")
    page.evaluate(AXE_SOURCE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in violations
    )


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"


# With JavaScript in every language (axe-core needs it), and once without it.
LANGUAGES = ["nb", "nn", "en"]
RUNS = [pytest.param(language, True, id=language) for language in LANGUAGES] + [
    pytest.param("nb", False, id="nb-no-javascript")]


@pytest.fixture
def contexts(request, browser, server):
    """A function that opens a new browser (one person) with or without JavaScript, for a
    test parametrized with ``RUNS``."""
    opened = []
    javascript = request.node.callspec.params["javascript"]

    def open_page():
        context = browser.new_context(base_url=server.url, java_script_enabled=javascript)
        opened.append(context)
        return context.new_page()

    open_page.javascript = javascript
    yield open_page
    for context in opened:
        context.close()


@pytest.fixture(scope="module")
def token(server) -> str:
    """A back-office API token of the module's server (scope ``cases``)."""
    from portal.api.clients import create_client
    from portal.db import get_db
    from portal.municipalities.service import get_by_slug

    with get_db(server.app).session_scope() as session:
        municipality = get_by_slug(session, "eksempel")
        _client, secret = create_client(session, municipality_id=municipality.id,
                                        name="DIPS", scopes=["cases"])
    return secret


def check(page, javascript: bool) -> None:
    """axe-core where JavaScript runs; always: the page is whole (one h1) and has a title."""
    if javascript:
        assert_accessible(page)
    assert page.locator("h1").count() == 1
    assert page.title()
