"""Pages not reached by the other browser tests: «Mine utkast», the request for access to the
electronic plan (with errors), the development mail list and the logged-out page."""

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def submit(page):
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_drafts_access_request_mail_list_and_logout_have_no_axe_violations(page, language):
    page.goto(f"/eksempel/testid?lang={language}")
    page.locator("#person-1").check()
    submit(page)
    page.goto("/eksempel/ny/ip_application")
    submit(page)  # an application draft, left open
    page.goto("/eksempel/utkast/")
    assert page.locator(".portal-card").count() >= 1
    assert_accessible(page)
    page.goto("/eksempel/tilgang-elektronisk-plan")
    page.locator("main a.ds-button").click()
    submit(page)  # start the request
    assert_accessible(page)
    submit(page)  # nothing filled in: errors next to the fields
    assert page.locator(".ds-error-summary").is_visible()
    assert_accessible(page)
    page.locator("#email").fill("kari@example.no")
    page.locator("#phone").fill("912 34 567")
    page.locator("#confirm_plan").check()
    page.locator("#accept_terms").check()
    submit(page)
    assert "/sjekk" in page.url
    assert_accessible(page)
    page.goto("/utvikling/e-post")
    assert_accessible(page)
    page.goto("/eksempel/")
    log_out = {"nb": "Logg ut", "nn": "Logg ut", "en": "Log out"}[language]
    page.get_by_role("button", name=log_out).click()
    page.wait_for_load_state("load")
    assert "/logget-ut" in page.url
    assert_accessible(page)
