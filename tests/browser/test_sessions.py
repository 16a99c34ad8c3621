"""Logging in, the idle-timeout warning, staying logged in, and logging out, in Chromium."""

import time

import pytest

from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.browser
PROFILE = "/eksempel/min-profil"


@pytest.fixture
def short_page(browser, short_session_server):
    context = browser.new_context(base_url=short_session_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def short_page_without_javascript(browser, short_session_server):
    context = browser.new_context(base_url=short_session_server, java_script_enabled=False)
    yield context.new_page()
    context.close()


def log_in(page, person="Kari Eksempel"):
    page.goto(f"{PROFILE}?lang=en")
    assert "/logg-inn" in page.url
    page.get_by_role("link", name="Log in with TestID").click()
    page.get_by_label(person).check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{PROFILE}*")


def test_the_dialog_warns_before_the_timeout_and_staying_logged_in_works(short_page):
    page = short_page
    log_in(page)
    logged_in_at = time.monotonic()
    dialog = page.locator("#session-timeout-dialog")
    dialog.wait_for(state="visible", timeout=6000)
    assert page.evaluate("document.activeElement.id") == "session-extend"
    assert_accessible(page)
    page.keyboard.press("Enter")  # the focused "Stay logged in" button
    dialog.wait_for(state="hidden", timeout=3000)
    time.sleep(max(0, 9 - (time.monotonic() - logged_in_at)))  # past the first deadline
    page.reload()
    assert PROFILE in page.url
    assert "/logg-inn" not in page.url
    assert page.get_by_role("heading", name="My profile").is_visible()


def test_after_the_timeout_the_dialog_says_so_and_the_next_page_asks_to_log_in(short_page):
    page = short_page
    log_in(page)
    page.get_by_role("link", name="Log in again").wait_for(state="visible", timeout=12000)
    assert "You have been logged out" in page.locator("#session-dialog-text").inner_text()
    page.reload()
    assert "/logg-inn" in page.url
    assert page.get_by_text("inactive for a while").is_visible()
    assert_accessible(page)


def test_without_javascript_the_notice_shows_the_time_and_extends_the_session(
    short_page_without_javascript,
):
    page = short_page_without_javascript
    log_in(page)
    notice = page.locator("#session-timeout-text")
    assert "you will be logged out at" in notice.inner_text()
    time.sleep(5)
    page.get_by_role("button", name="Stay logged in").click()
    page.wait_for_url(f"**{PROFILE}*")
    time.sleep(5)  # 10 seconds since login: past the first deadline, within the new one
    page.goto(PROFILE)
    assert PROFILE in page.url
    assert "/logg-inn" not in page.url


def test_logout_ends_the_session(page):
    log_in(page)
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("heading", name="You are logged out").is_visible()
    page.goto(PROFILE)
    assert "/logg-inn" in page.url


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_login_and_profile_pages_have_no_axe_violations(page, language):
    page.goto(f"/eksempel/testid?lang={language}")
    page.locator("#person-4").check()  # "another test number", left empty: an error
    page.locator("button[type=submit]").click()
    assert page.locator(".ds-error-summary").is_visible()
    assert_accessible(page)
    page.locator("#person-1").check()
    page.locator("button[type=submit]").click()
    page.goto(f"{PROFILE}?lang={language}")
    assert_accessible(page)
    page.locator("#email").fill("not an address")
    page.locator("main form button[type=submit]").click()
    assert page.locator("#email-error").is_visible()
    assert_accessible(page)


# --- Issue 15, points 8 and 9 ----------------------------------------------------------------


def test_logging_in_again_after_the_timeout_keeps_what_was_typed(short_page):
    page = short_page
    log_in(page)
    page.locator("#email").fill("kept@example.no")
    page.get_by_role("link", name="Log in again").wait_for(state="visible", timeout=12000)
    page.get_by_role("link", name="Log in again").click()
    page.wait_for_url(lambda url: "/logg-inn" in url)
    page.get_by_role("link", name="Log in with TestID").click()
    page.get_by_label("Kari Eksempel").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{PROFILE}*")
    assert page.locator("#email").input_value() == "kept@example.no"


def test_after_the_timeout_the_dialog_heading_says_you_have_been_logged_out(short_page):
    page = short_page
    log_in(page)
    page.get_by_role("link", name="Log in again").wait_for(state="visible", timeout=12000)
    heading = page.locator("#session-dialog-title").inner_text()
    assert heading == "You have been logged out"
    assert_accessible(page)


def test_a_warning_longer_than_the_session_does_not_open_the_dialog_on_page_load(
        browser, shorter_than_warning_server):
    context = browser.new_context(base_url=shorter_than_warning_server)
    page = context.new_page()
    try:
        log_in(page)
        page.wait_for_timeout(1500)
        assert not page.locator("#session-timeout-dialog").is_visible()
        page.locator("#session-timeout-dialog").wait_for(state="visible", timeout=10000)
    finally:
        context.close()


def test_the_dialog_shows_norways_time_whatever_the_browsers_time_zone(
        browser, short_session_server):
    # New York is 6 hours behind Oslo: a time written on the browser's clock would differ.
    context = browser.new_context(base_url=short_session_server, timezone_id="America/New_York")
    page = context.new_page()
    try:
        log_in(page)
        page.locator("#session-timeout-dialog").wait_for(state="visible", timeout=6000)
        page.locator("#session-extend").click()
        page.locator("#session-timeout-dialog").wait_for(state="hidden", timeout=3000)
        shown = page.locator("#session-timeout-text").inner_text()
        expires = page.evaluate("document.getElementById('session-timeout').dataset.expiresAt")
        # The new expiry lies between the first one and 8 seconds later: either minute.
        clock = """([at, zone]) => [0, 8000].map(later => new Intl.DateTimeFormat('en', {
            hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone})
            .format(new Date(Date.parse(at) + later)))"""
        oslo = page.evaluate(clock, [expires, "Europe/Oslo"])
        new_york = page.evaluate(clock, [expires, "America/New_York"])
        assert not set(oslo) & set(new_york)
        assert not any(time_there in shown for time_there in new_york)
        assert any(time_here in shown for time_here in oslo)
    finally:
        context.close()
