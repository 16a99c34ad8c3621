"""The admins' page of submissions not yet received: no axe violations in nb, nn and en, and
whole without JavaScript."""

import pytest

from tests.browser.conftest import RUNS, check

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_the_undelivered_page_is_accessible(contexts, language, javascript):
    page = contexts()
    page.goto(f"/eksempel/ansatt/logg-inn?lang={language}")
    page.locator("#email").fill("admin@eksempel.example")
    page.locator("#password").fill("demo-passord-2026")
    page.locator("main form button[type=submit]").click()
    page.goto("/eksempel/ansatt/")
    page.locator("main a[href$='/ansatt/admin/uleverte/']").click()
    assert page.url.endswith("/eksempel/ansatt/admin/uleverte/")
    check(page, javascript)
    assert page.locator("main h2").count() == 2
