"""Faults a new user met (issue 15), as a person sees them in Chromium: the error summary after
following one of its links, the colour of errors in groups, the progress line."""

from __future__ import annotations

import pytest

from tests.browser.citizens import log_in
from tests.browser.conftest import check

pytestmark = pytest.mark.browser


def submit(page):
    page.locator("main form button[type=submit]").last.click()


def first_step(page, language: str) -> None:
    log_in(page, 0, language)
    page.goto("/eksempel/soknad")
    page.locator("main a.ds-button").click()
    submit(page)  # start: a new draft, on «for whom»


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_after_an_error_summary_link_the_next_error_page_focuses_the_summary(page, language):
    """Point 11: the link adds #for_whom-0 to the address; posting again must not carry it, so
    that the new error summary is focused and read out, not the field."""
    first_step(page, language)
    submit(page)  # nothing chosen: an error
    summary = page.locator(".ds-error-summary")
    assert summary.is_visible()
    summary.locator("a").first.click()
    assert "#" in page.url
    with page.expect_navigation():
        submit(page)  # still nothing chosen
    assert "#" not in page.url
    # autofocus moves to the summary once the page has loaded
    page.wait_for_function("document.activeElement.classList.contains('ds-error-summary')")
    check(page, True)


def test_an_error_in_a_group_is_red_like_an_error_in_a_text_field(page):
    """Point 12: Designsystemet greyed a message right after a legend."""
    first_step(page, "en")
    submit(page)
    group = page.locator("fieldset .ds-validation-message").first
    group_colour = group.evaluate("el => getComputedStyle(el).color")
    page.goto("/eksempel/min-profil?lang=en")
    page.locator("#email").fill("not an address")
    submit(page)
    field = page.locator(".ds-field .ds-validation-message").first
    assert field.is_visible()
    assert group_colour == field.evaluate("el => getComputedStyle(el).color")


def test_a_step_says_which_step_it_is(page):
    """Point 14."""
    first_step(page, "nb")
    assert page.locator(".portal-progress").inner_text().startswith("Steg 1 av ")
    assert page.get_by_text("Svarene dine er lagret.").count() == 0


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_pages_that_shared_a_title_have_their_own(page, language):
    """Point 15: the consent information page and the application's consent step; the
    information about the electronic plan and the page that starts asking for it."""
    log_in(page, 0, language)
    page.goto(f"/eksempel/samtykke?lang={language}")
    information = page.title()
    page.goto(f"/eksempel/soknad?lang={language}")
    page.locator("main a.ds-button").click()
    submit(page)
    page.locator("#for_whom-0").check()
    submit(page)
    for target in ("#request-1", "#services-0"):
        page.locator(target).check()
        submit(page)
    page.locator("#needs").fill("A plain answer.")
    page.locator("#goals").fill("A plain answer.")
    submit(page)
    page.locator("#contact_method-1").check()
    page.locator("#interpreter-0").check()
    submit(page)
    assert page.locator("#consent_planning").count() == 1  # the consent step
    assert page.title() != information
    page.goto(f"/eksempel/tilgang-elektronisk-plan?lang={language}")
    eip_information = page.title()
    page.locator("main a.ds-button").first.click()
    assert page.locator("main form").count() >= 1
    assert page.title() != eip_information
