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


def test_a_fullmakt_is_given_and_used_with_the_keyboard_alone(browser, server, server_page):
    """Giving a fullmakt (form, confirmation) and choosing whom to act for, by keyboard."""
    from datetime import date

    from portal.identity.nin import NinKind, generate_valid_nin
    from tests.browser.citizens import KARI, OLA, end_all_representations, log_in

    end_all_representations(server)
    page = server_page
    log_in(page, OLA, "en")
    page.goto("/eksempel/fullmakt/ny?lang=en")
    tab_until(page, lambda el: el["id"] == "representative_nin")
    page.keyboard.type(generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC))
    page.keyboard.press("Tab")
    page.keyboard.type("Kari Eksempel")
    tab_until(page, lambda el: el["id"] == "scopes-1")  # follow my cases
    page.keyboard.press("Space")
    tab_until(page, lambda el: el["text"] == "Continue")
    page.keyboard.press("Enter")
    page.wait_for_url("**/fullmakt/ny?*")
    assert page.locator("h1").inner_text() == "Check and confirm the power of attorney"
    tab_until(page, lambda el: el["text"] == "Confirm the power of attorney")
    page.keyboard.press("Enter")
    page.wait_for_url("**/fullmakt/")
    assert "Kari Eksempel" in page.locator("main").inner_text()

    context = browser.new_context(base_url=server.url)
    kari = context.new_page()
    log_in(kari, KARI, "en")
    kari.goto("/eksempel/fullmakt/handle-for?lang=en")
    tab_until(kari, lambda el: el["id"] == "acting_for-0")
    kari.keyboard.press("ArrowDown")  # radio buttons: the arrow keys choose
    tab_until(kari, lambda el: el["text"] == "Continue")
    kari.keyboard.press("Enter")
    kari.wait_for_url("**/saker/")
    assert "You act for Ola Eksempel" in kari.locator(".portal-acting").inner_text()
    context.close()
