"""The admin pages for API clients and parked tasks: no axe violations in any language."""

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_admin_pages_have_no_axe_violations(page, language):
    page.goto(f"/eksempel/ansatt/logg-inn?lang={language}")
    page.locator("#email").fill("admin@eksempel.example")
    page.locator("#password").fill("demo-passord-2026")
    page.locator("main form button[type=submit]").click()
    page.goto("/eksempel/ansatt/admin/api-klienter/")
    assert_accessible(page)
    page.locator("main form button[type=submit]").last.click()  # nothing filled in: errors
    assert page.locator(".ds-error-summary").is_visible()
    assert_accessible(page)
    page.locator("#name").fill("DIPS")
    page.locator("#scopes-0").check()
    page.locator("main form button[type=submit]").last.click()
    assert page.locator(".portal-token").is_visible()
    assert_accessible(page)
    page.goto("/eksempel/ansatt/admin/oppgaver/")
    assert_accessible(page)
