"""The portal can be used with the keyboard alone."""

import pytest

pytestmark = pytest.mark.browser


def focused(page) -> dict:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName, id: document.activeElement.id,"
        " text: document.activeElement.textContent.trim(),"
        " value: document.activeElement.value || ''})"
    )


def tab_until(page, predicate, limit: int = 60) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if predicate(element):
            return element
    raise AssertionError("the element was never reached with Tab")


def test_first_tab_reaches_the_skip_link_which_moves_focus_to_main(page):
    page.goto("/eksempel/?lang=en")
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    assert page.locator(".ds-skip-link").is_visible()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"


def test_feedback_form_can_be_completed_with_the_keyboard(page):
    page.goto("/eksempel/koordinator?lang=en")
    tab_until(page, lambda el: el["id"].startswith("feedback-useful"))
    page.keyboard.press("Space")
    tab_until(page, lambda el: el["tag"] == "BUTTON")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tilbakemelding/kommentar")
    tab_until(page, lambda el: el["tag"] == "TEXTAREA")
    page.keyboard.type("Fine.")
    tab_until(page, lambda el: el["tag"] == "BUTTON")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tilbakemelding/sjekk")
    tab_until(page, lambda el: el["text"] == "Send feedback")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tilbakemelding/takk*")
    assert page.get_by_role("heading", name="Thank you for your feedback").is_visible()


def test_error_summary_links_move_focus_to_the_field(page):
    page.goto("/eksempel/tilbakemelding/nyttig?lang=en")
    page.get_by_role("button", name="Continue").click()
    tab_until(page, lambda el: el["text"] == "Choose yes or no")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "useful-0"
