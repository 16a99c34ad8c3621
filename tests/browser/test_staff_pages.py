"""Staff pages in a real browser: accessible in every language, and usable without JavaScript.

The live server's database is shared by all browser tests, so these tests only log in and
look: they create, disable or reset no account.
"""

import pytest

from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser
LANGUAGES = ["nb", "nn", "en"]
LOGIN = "/eksempel/ansatt/logg-inn"


def log_in(page, email: str, password: str = DEMO_STAFF_PASSWORD) -> None:
    page.goto(f"{LOGIN}?lang=en")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_login_page_has_no_axe_violations_also_with_errors(page, language):
    page.goto(f"{LOGIN}?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    page.locator("#email").fill("admin@eksempel.example")
    page.locator("#password").fill("not-the-password")
    page.locator("main button[type=submit]").click()
    assert page.locator(".ds-error-summary").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_home_and_admin_pages_have_no_axe_violations(page, language):
    log_in(page, "admin@eksempel.example")
    for path in ("/eksempel/ansatt/", "/eksempel/ansatt/admin/ansatte",
                 "/eksempel/ansatt/admin/ansatte/ny", "/eksempel/ansatt/sikkerhet",
                 "/eksempel/ansatt/nytt-passord"):
        page.goto(f"{path}?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    page.goto(f"/eksempel/ansatt/admin/ansatte/ny?lang={language}")
    page.locator("main button[type=submit]").click()
    assert page.locator("#name-error").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_disable_confirmation_page_has_no_axe_violations(page, language):
    log_in(page, "admin@eksempel.example")
    page.goto(f"/eksempel/ansatt/admin/ansatte?lang={language}")
    page.locator("a[href*='/deaktiver']").first.click()
    assert page.locator("main form button[type=submit]").is_visible()
    assert_accessible(page)


def test_staff_login_works_without_javascript(page_without_javascript):
    page = page_without_javascript
    log_in(page, "saksbehandler@eksempel.example", "not-the-password")
    assert page.get_by_role("link", name="The e-mail address or password is wrong").is_visible()
    assert page.get_by_label("E-mail address").input_value() == "saksbehandler@eksempel.example"
    log_in(page, "saksbehandler@eksempel.example")
    assert page.get_by_role("heading", name="Staff pages", level=1).is_visible()
    assert page.get_by_text("Sara Saksbehandler").first.is_visible()
    page.get_by_role("button", name="Log out").click()
    page.goto("/eksempel/ansatt/?lang=en")
    assert page.get_by_role("heading", name="Log in as an employee").is_visible()


def test_staff_login_page_is_linked_from_the_citizen_login(page_without_javascript):
    page = page_without_javascript
    page.goto("/eksempel/logg-inn?lang=en")
    page.get_by_role("link", name="Log in as an employee of the municipality").click()
    assert page.get_by_role("heading", name="Log in as an employee").is_visible()
