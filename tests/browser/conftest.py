"""Browser tests: real Chromium (Debian's package) driven by Playwright, with axe-core.

The portal runs in a thread on 127.0.0.1 with its own migrated SQLite database holding the
demo data. Chromium is required in CI (PORTAL_REQUIRE_BROWSER=1); on a developer machine
without it the browser tests are skipped with a message saying how to install it.
"""

from __future__ import annotations

import json
import os
import re
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
# WCAG 2.2 level A and AA, which is what Norwegian law requires of public services, and axe's
# best-practice rules (landmarks, heading order, …), which count too.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
PAGE_CHECK = Path(__file__).with_name("page_check.js")


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
def shorter_than_warning_server(tmp_path_factory) -> Iterator[str]:
    """Sessions that time out after 10 idle seconds, with a warning of 2 minutes (longer than
    the session: the dialog must still not open as soon as a page loads)."""
    with serve(tmp_path_factory, SESSION_IDLE_SECONDS=10, SESSION_WARNING_SECONDS=120) as server:
        yield server.url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield CheckedBrowser(browser)
        browser.close()


class CheckedBrowser:
    """The browser, whose every new context checks every page it loads (page_check.js): axe with
    best practice, a title that no other page has, and no sideways scrolling at 320 px."""

    def __init__(self, browser):
        self._browser = browser
        self._script = (AXE_SOURCE.read_text() + "\n"
                        + PAGE_CHECK.read_text().replace("__TAGS__", json.dumps(WCAG_TAGS)))

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        if options.get("java_script_enabled", True):
            context.expose_binding("__portalPageCheck", lambda _source, report: PAGES.see(report))
            context.add_init_script(self._script)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()


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


def settle(page) -> None:
    """Wait until what the page is animating has come to rest.

    A Designsystemet transition (a details element opening, a dialog fading in) only starts
    at the frame after what set it off, so wait two frames first, then for every animation
    with an end to finish. Until then a click can land on a button that is still clipped,
    and axe measures the contrast of a colour half-way through its fade."""
    page.evaluate("""async () => {
        await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
        await Promise.all(document.getAnimations()
            .filter(a => Number.isFinite(a.effect?.getComputedTiming().endTime))
            .map(a => a.finished.catch(() => null)));
    }""")


def axe_violations(page) -> list[dict]:
    """Run axe-core on the page as it is now and return its violations (WCAG A/AA and best
    practice)."""
    # After a click that submits a form, the next page may still be loading its style sheets;
    # axe must judge the page a person sees (target sizes, contrast), not the unstyled one.
    page.wait_for_load_state("load")
    # One axe run at a time: the page's own check (page_check.js) may still be running.
    page.evaluate("() => window.__portalPageCheckDone")
    settle(page)
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


# --- What every page must pass, checked on every page the suite loads -----------------------

# Parts of a path that name one thing (a number, a reference, a token) rather than a page.
_ONE_THING = re.compile(
    r"^(\d+|[A-Z]{2}-\d{4}-\d+|(?=.*\d)[A-Za-z0-9_-]{8,}|(?=.*[A-Z])(?=.*[a-z])[A-Za-z0-9_-]{8,})$")


def page_kind(url: str) -> str:
    """The page a URL shows, whatever case, draft or visit it is for: /eksempel/sak/IP-2026-1 and
    /eksempel/sak/IP-2026-2 are one page."""
    from urllib.parse import urlsplit

    parts = urlsplit(url).path.rstrip("/").split("/")
    kind = "/".join("*" if _ONE_THING.match(part) else part for part in parts)
    # The service desk fills in the person's own pages for them: the same pages.
    return kind.replace("/ansatt/skranke/besok/*/", "/", 1) if "/soknad/" in kind or \
        "/klage/" in kind else kind


class PageChecks:
    """Reports from page_check.js, and the titles seen so far (language, title) → page."""

    def __init__(self) -> None:
        self.reports: list[dict] = []
        self.titles: dict[tuple[str, str], str] = {}
        self.checked = 0

    def see(self, report: dict) -> None:
        self.reports.append(report)

    def problems(self) -> list[str]:
        found = []
        for report in self.reports:
            self.checked += 1
            url = report["url"]
            if report.get("error"):
                found.append(f"{url}: the page check failed: {report['error']}")
                continue
            if report["violations"]:
                found.append(f"{url}\n{describe(report['violations'])}")
            overflow = report.get("overflow")
            if overflow and overflow["scrollWidth"] > 320:
                found.append(f"{url}: scrolls sideways at 320 px ({overflow['scrollWidth']} px "
                             f"wide; widest: {overflow['wide']})")
            if not report["title"].strip():
                found.append(f"{url}: no title")
            elif not report["errorPage"]:
                kind = page_kind(url)
                first = self.titles.setdefault((report["lang"], report["title"]), kind)
                if first != kind:
                    found.append(f"{url}: the title «{report['title']}» is also the title of "
                                 f"{first}")
        self.reports.clear()
        return found


PAGES = PageChecks()


@pytest.fixture(autouse=True)
def every_page_passes(request):
    """After each browser test: every page it loaded passed the checks of page_check.js."""
    yield
    if "browser" not in request.fixturenames:
        return
    problems = PAGES.problems()
    assert not problems, "\n\n".join(problems)


def pytest_terminal_summary(terminalreporter):
    if PAGES.checked:
        terminalreporter.write_line(
            f"browser: {PAGES.checked} page loads checked (axe with best practice, unique title, "
            f"320 px)")
