"""The caseworker pages in Chromium: a caseworker takes a new application through in progress,
a request for information and a decision, in nb, nn and en, with axe-core on every page
(also with a form error). The applications are sent through the citizen pages with the test
client against the same server's database, which is this module's own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.cases.models import Case, CaseStatus
from portal.clock import today as today_in_norway
from portal.clock import utcnow
from portal.db import get_db
from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from portal.queue.models import OutboxMessage
from tests.browser.citizens import apply_as
from tests.browser.conftest import LiveServer, assert_accessible, settle

pytestmark = pytest.mark.browser
LANGUAGES = ["nb", "nn", "en"]
QUEUE = "/eksempel/ansatt/saker/"


@pytest.fixture
def page(server_page):
    return server_page  # on this module's own server (tests/browser/conftest.py)


def new_application(server: LiveServer) -> str:
    """Kari applies for herself through the citizen pages; the case's reference."""
    return apply_as(server, "kari")


def change_case(server: LiveServer, reference: str, change) -> CaseStatus:
    with get_db(server.app).session_scope() as session:
        case = session.scalar(sa.select(Case).where(Case.reference == reference))
        change(session, case)
        return case.status


def status_of(server: LiveServer, reference: str) -> CaseStatus:
    return change_case(server, reference, lambda _session, _case: None)


def log_in(page, email: str, language: str) -> None:
    page.goto(f"/eksempel/ansatt/logg-inn?lang={language}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_STAFF_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/ansatt/")


def date_in(days: int) -> str:
    return (today_in_norway() + timedelta(days=days)).strftime("%d.%m.%Y")


def press(page, event_type: str) -> None:
    page.locator(f"form[action$='/hendelse/{event_type}'] button[type=submit]").click()
    done(page, event_type)


def done(page, event_type: str) -> None:
    """Wait for the case page that says the action was done."""
    page.wait_for_url(f"**?done={event_type}")
    expect(page.locator(".ds-alert[role=status]")).to_be_visible()


def open_action(page, event_type: str):
    page.locator(f"#action-{event_type} summary").click()
    # Designsystemet opens a details element with a 0.4 s height transition; a click during
    # it can land on a button that is still clipped.
    settle(page)
    return page.locator(f"#action-{event_type}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_caseworker_takes_a_new_application_to_a_decision(page, server, language):
    reference = new_application(server)
    log_in(page, "saksbehandler@eksempel.example", language)
    page.goto(f"{QUEUE}?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)
    page.locator("#cases").get_by_role("link", name=reference).click()
    expect(page.locator("h1")).to_contain_text(reference)
    assert_accessible(page)

    press(page, "in_progress")
    assert status_of(server, reference) == CaseStatus.IN_PROGRESS

    request = open_action(page, "information_requested")
    request.locator("#request_text").fill("Send us the latest plan from school.")
    request.locator("button[type=submit]").click()  # no date yet: an error
    expect(page.locator("#answer_by-error")).to_be_visible()
    expect(page.locator(".ds-error-summary a[href='#answer_by']")).to_be_visible()
    assert page.locator("#request_text").input_value() == "Send us the latest plan from school."
    assert_accessible(page)
    page.locator("#answer_by").fill(date_in(14))
    page.locator("#action-information_requested button[type=submit]").click()
    done(page, "information_requested")
    assert status_of(server, reference) == CaseStatus.AWAITING_INFO
    assert_accessible(page)

    press(page, "in_progress")  # the answer came
    decision = open_action(page, "decision")
    decision.locator("#outcome-0").check()
    decision.locator("#decision_date").fill(date_in(0))
    decision.locator("#complaint_deadline").fill(date_in(21))
    decision.locator("button[type=submit]").click()
    done(page, "decision")
    assert status_of(server, reference) == CaseStatus.DECIDED
    assert page.locator("#action-decision").count() == 0
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_list_of_cases_waiting_over_a_month_has_no_axe_violations(page, server, language):
    reference = new_application(server)
    change_case(server, reference, lambda _session, case: setattr(
        case, "created_at", utcnow() - timedelta(days=40)))
    log_in(page, "saksbehandler@eksempel.example", language)
    page.goto(f"{QUEUE}?lang={language}")
    page.locator(f"main a[href$='{QUEUE}over-en-maaned']").click()
    expect(page.locator("#overdue-cases").get_by_role("link", name=reference)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dead_letter_page_has_no_axe_violations(page, server, language):
    reference = new_application(server)

    def stop(session, case):
        message = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.case_id == case.id))
        message.dead_lettered_at, message.deliveries = utcnow(), 5

    change_case(server, reference, stop)
    log_in(page, "admin@eksempel.example", language)
    page.goto(f"/eksempel/ansatt/admin/meldinger-som-stoppet/?lang={language}")
    assert reference in page.locator("main table").inner_text()
    assert_accessible(page)
    page.locator("main table tr", has_text=reference).locator("button").click()
    page.wait_for_url(f"**?sendt={reference}")
    expect(page.locator(".ds-alert[role=status]")).to_be_visible()
    assert_accessible(page)
