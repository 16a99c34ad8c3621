"""Every page works with JavaScript turned off."""

import pytest

from portal.info.pages import PAGES, STATEMENTS

pytestmark = pytest.mark.browser


def test_information_pages_work_without_javascript(page_without_javascript):
    page = page_without_javascript
    page.goto("/?lang=en")
    assert page.url.endswith("/eksempel/")
    for info_page in PAGES + STATEMENTS:
        page.get_by_role("link", name=str(info_page.title), exact=True).first.click() \
            if info_page in PAGES else page.goto(f"/eksempel/{info_page.path}")
        assert page.locator("h1").count() == 1
        page.goto("/eksempel/")


def test_feedback_can_be_given_without_javascript(page_without_javascript):
    page = page_without_javascript
    page.goto("/eksempel/samtykke?lang=en")
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send").click()
    page.get_by_label("What can we do better? (optional)").fill("Say more about withdrawing.")
    page.get_by_role("button", name="Continue").click()
    assert page.get_by_text("Say more about withdrawing.").is_visible()
    page.get_by_role("button", name="Send feedback").click()
    assert page.get_by_role("heading", name="Thank you for your feedback").is_visible()


def test_language_links_work_without_javascript(page_without_javascript):
    page = page_without_javascript
    page.goto("/eksempel/?lang=en")
    page.get_by_role("link", name="Norsk (nynorsk)").click()
    assert page.locator("html").get_attribute("lang") == "nn"
    page.goto("/eksempel/kontakt")
    assert page.locator("html").get_attribute("lang") == "nn"
