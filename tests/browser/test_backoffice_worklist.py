"""The caseworker's day in Chromium (issue 17, «done when»): filter the list to new
applications of one kind, sort by days waited, find a person by identity number, take the
case and see it under «mine», and mark three cases received at once — in nb, nn and en with
axe-core on every page, without JavaScript, and by keyboard alone; no sideways scrolling at
320 px."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.cases.models import Case, CaseStatus
from portal.db import get_db
from tests.browser.conftest import RUNS, check
from tests.browser.test_backoffice import log_in
from tests.browser.test_keyboard import focused, tab_until
from tests.support.cases import make_case, person_nin

pytestmark = pytest.mark.browser
QUEUE = "/eksempel/ansatt/saker/"
CASEWORKER = "saksbehandler@eksempel.example"
BIRTHS = itertools.count(1)


def cases_for(server, kind: str, count: int, **person) -> list[Case]:
    session = get_db(server.app).session_factory()
    try:
        return [make_case(server.app, session, kind=kind, **person) for _ in range(count)]
    finally:
        session.close()


def status_of(server, case: Case) -> tuple[CaseStatus, int | None]:
    with get_db(server.app).session_scope() as session:
        found = session.scalar(sa.select(Case).where(Case.id == case.id))
        return found.status, found.assignee_id


def a_person() -> tuple[str, date]:
    """Someone nobody else in this module's database is (each test run has its own)."""
    number = next(BIRTHS)
    return f"Test Person {number}", date(1950 + number, 3, 4)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_caseworker_filters_sorts_searches_takes_a_case_and_bulk_receives(
        contexts, server, language, javascript):
    name, birth = a_person()
    [applied] = cases_for(server, "ip_application", 1, name=name, birth=birth)
    to_receive = cases_for(server, "eip_access", 3)
    page = contexts()
    log_in(page, CASEWORKER, language)
    page.goto(f"{QUEUE}?lang={language}")
    check(page, javascript)

    page.locator("#filter-kind").select_option("ip_application")
    page.locator("#filter-button").click()
    page.wait_for_url("**type=ip_application*")
    expect(page.locator("#cases")).to_contain_text(applied.reference)
    expect(page.locator("#cases")).not_to_contain_text(to_receive[0].reference)
    check(page, javascript)

    page.locator("#cases thead th").nth(8).locator("a").click()  # days waited
    page.wait_for_url("**sorter=waited*")
    assert page.locator("#cases thead th").nth(8).get_attribute("aria-sort") == "ascending"
    assert "type=ip_application" in page.url  # the filter stays
    check(page, javascript)

    page.locator("#search_by-2").check()
    page.locator("#query").fill(person_nin(birth))
    page.locator("#search-button").click()
    page.wait_for_url("**/sok*")
    assert person_nin(birth) not in page.url
    expect(page.locator("#found-cases")).to_contain_text(applied.reference)
    expect(page.locator("#found-cases")).to_contain_text(name)
    check(page, javascript)

    page.locator("#found-cases").get_by_role("link", name=applied.reference).click()
    page.locator("#assign-me").click()
    expect(page.locator(".ds-alert[role=status]")).to_contain_text(applied.reference)
    expect(page.locator("#case-assignee")).to_have_text("Sara Saksbehandler")
    assert status_of(server, applied)[1] is not None
    check(page, javascript)

    page.goto(f"{QUEUE}?lang={language}")
    page.locator("#view-mine").click()
    expect(page.locator("#cases")).to_contain_text(applied.reference)
    check(page, javascript)

    page.goto(f"{QUEUE}?visning=nye&type=eip_access&lang={language}")
    for case in to_receive:
        page.locator(f"#choose-{case.id}").check()
    page.locator("#bulk-received").click()
    expect(page.locator("h1")).to_contain_text("3")
    check(page, javascript)
    page.locator("#confirm-bulk").click()
    expect(page.locator(".ds-alert[role=status]")).to_contain_text(to_receive[2].reference)
    assert [status_of(server, c)[0] for c in to_receive] == [CaseStatus.RECEIVED] * 3
    check(page, javascript)


def press_until(page, key: str, predicate, limit: int = 20) -> None:
    for _ in range(limit):
        if predicate(focused(page)):
            return
        page.keyboard.press(key)
    raise AssertionError("never reached")


def test_the_caseworker_s_day_by_keyboard_alone(server_page, server):
    page = server_page
    name, birth = a_person()
    [applied] = cases_for(server, "ip_application", 1, name=name, birth=birth)
    to_receive = cases_for(server, "eip_access", 3)
    log_in(page, CASEWORKER, "en")
    page.goto(f"{QUEUE}?lang=en")

    tab_until(page, lambda el: el["id"] == "filter-kind", limit=80)
    press_until(page, "ArrowDown", lambda el: el["value"] == "ip_application")
    tab_until(page, lambda el: el["id"] == "filter-button")
    page.keyboard.press("Enter")
    page.wait_for_url("**type=ip_application*")
    tab_until(page, lambda el: el["text"].startswith("Days waited"), limit=120)
    page.keyboard.press("Enter")
    page.wait_for_url("**sorter=waited*")

    tab_until(page, lambda el: el["id"].startswith("search_by-"), limit=80)
    press_until(page, "ArrowDown", lambda el: el["id"] == "search_by-2")
    tab_until(page, lambda el: el["id"] == "query")
    page.keyboard.type(person_nin(birth))
    page.keyboard.press("Enter")
    page.wait_for_url("**/sok*")
    tab_until(page, lambda el: el["text"] == applied.reference, limit=120)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{applied.reference}")
    tab_until(page, lambda el: el["id"] == "assign-me", limit=120)
    page.keyboard.press("Enter")
    expect(page.locator("#case-assignee")).to_have_text("Sara Saksbehandler")

    page.goto(f"{QUEUE}?lang=en")
    tab_until(page, lambda el: el["id"] == "view-mine", limit=80)
    page.keyboard.press("Enter")
    page.wait_for_url("**visning=mine*")
    expect(page.locator("#cases")).to_contain_text(applied.reference)

    page.goto(f"{QUEUE}?visning=nye&type=eip_access&lang=en")
    for case in to_receive:
        tab_until(page, lambda el, case=case: el["id"] == f"choose-{case.id}", limit=200)
        page.keyboard.press("Space")
    tab_until(page, lambda el: el["id"] == "bulk-received", limit=200)
    page.keyboard.press("Enter")
    page.wait_for_url("**/flere*")
    tab_until(page, lambda el: el["id"] == "confirm-bulk", limit=80)
    page.keyboard.press("Enter")
    expect(page.locator(".ds-alert[role=status]")).to_contain_text("3 cases are marked")
    assert [status_of(server, c)[0] for c in to_receive] == [CaseStatus.RECEIVED] * 3


@pytest.mark.parametrize("path", ["", "?visning=alle&sorter=-waited"])
def test_the_list_needs_no_sideways_scrolling_at_320_px(browser, server, path):
    cases_for(server, "ip_application", 2, name="Kristoffer Langnavnsen-Bergersen")
    context = browser.new_context(base_url=server.url, viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        log_in(page, CASEWORKER, "nb")
        page.goto(f"{QUEUE}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320
    finally:
        context.close()


def test_the_case_list_is_wide_on_a_wide_screen_and_citizen_pages_keep_reading_width(
        browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        log_in(page, CASEWORKER, "nb")
        page.goto(QUEUE)
        assert page.locator("main").bounding_box()["width"] > 1100
        page.goto("/eksempel/")
        assert page.locator("main").bounding_box()["width"] < 800
    finally:
        context.close()
