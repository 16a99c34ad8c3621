"""'Mine saker' and the case page: no axe violations in any language, also without JavaScript."""

import pytest

from tests.browser.citizens import AFTER_FOR_WHOM, OLA, answer_steps, log_in
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser


def apply_quickly(page) -> str:
    log_in(page, OLA, "en")
    page.goto("/eksempel/ny/ip_application")
    page.locator("main form button[type=submit]").click()
    answer_steps(page, [("#for_whom-0",), *AFTER_FOR_WHOM])
    page.locator("button[value=continue]").click()
    page.locator("main form button[type=submit]").click()
    return page.locator(".portal-confirmation p").inner_text().split()[-1].rstrip(".")


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_my_cases_and_the_case_page_have_no_axe_violations(page, language):
    reference = apply_quickly(page)
    page.goto(f"/eksempel/saker/?lang={language}")
    assert reference in page.content()
    assert_accessible(page)
    page.locator(f"a[href$='{reference}']").click()
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_the_case_page_works_without_javascript(page_without_javascript):
    page = page_without_javascript
    reference = apply_quickly(page)
    page.goto("/eksempel/saker/")
    page.locator(f"a[href$='{reference}']").click()
    assert reference in page.content()
