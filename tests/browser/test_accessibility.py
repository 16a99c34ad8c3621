"""axe-core finds no WCAG 2.2 A/AA violation on any page, in any language."""

from urllib.parse import urljoin, urlparse

import pytest

from portal.info.pages import PAGES, STATEMENTS
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser
LANGUAGES = ["nb", "nn", "en"]


def crawl(page, base_url: str, start: str, limit: int = 60) -> list[str]:
    """Visit every page reachable by links from `start` on this site; return their URLs.

    A path is visited once, whatever its query (every page links to the login page with
    its own `next`); language links are left out, since the language is set by cookie.
    """
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if urlparse(url).path in seen:
            continue
        seen[urlparse(url).path] = url
        page.goto(urljoin(base_url, url))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = urlparse(href)
            if (target.netloc == urlparse(base_url).netloc
                    and not target.path.startswith("/static")
                    and "lang=" not in target.query and target.path not in seen):
                queue.append(f"{target.path}?{target.query}" if target.query else target.path)
    return sorted(seen.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_linked_page_has_no_axe_violations(page, live_server, language):
    page.goto(f"/?lang={language}")  # the cookie keeps the language while crawling
    visited = []
    for path in crawl(page, live_server, "/eksempel/"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert_accessible(page)
        visited.append(urlparse(path).path)
    expected = {f"/eksempel/{p.path}" for p in PAGES + STATEMENTS}
    expected |= {"/eksempel/logg-inn", "/eksempel/testid", "/eksempel/ansatt/logg-inn"}
    assert expected <= set(visited), f"not reached: {expected - set(visited)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_form_with_errors_has_no_axe_violations(page, language):
    page.goto(f"/eksempel/tilbakemelding/nyttig?lang={language}")
    page.locator("button[type=submit]").click()
    assert page.locator(".ds-error-summary").is_visible()
    assert_accessible(page)
    page.locator("#useful-0").check()
    page.locator("button[type=submit]").click()
    page.locator("textarea").fill("x" * 1001)
    page.locator("button[type=submit]").click()
    assert page.locator("#comment-error").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_check_answers_confirmation_and_error_pages_have_no_axe_violations(page, language):
    page.goto(f"/eksempel/tilbakemelding/nyttig?lang={language}")
    page.locator("#useful-1").check()
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]").click()
    assert "/tilbakemelding/sjekk" in page.url
    assert_accessible(page)
    page.locator("button[type=submit]").click()
    assert "/tilbakemelding/takk" in page.url
    assert_accessible(page)
    page.goto("/eksempel/finnes-ikke")
    assert_accessible(page)
    page.goto("/")
    assert_accessible(page)
