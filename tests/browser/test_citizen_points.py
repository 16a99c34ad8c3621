"""Issue 15, what a citizen meets, as a person sees it (nb, nn, en, and without JavaScript):
the questions name the person applied for, every error shows at once and where it belongs,
«Mine utkast» tells drafts apart, the receipt page has the tracking code and says where the
receipt went, the timeline says who sent, and an ended fullmakt is explained."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.db import get_db
from portal.representation.models import Representation, Status
from tests.browser.citizens import AFTER_FOR_WHOM, KARI, OLA, answer_steps, log_in
from tests.browser.conftest import RUNS, check
from tests.support.apply import ADULT_NIN, CHILD_NIN, KARI_NIN
from tests.support.flows import log_in_with_testid
from tests.support.representation import grant

pytestmark = pytest.mark.browser
WORDS = {
    "services": {"nb": "Hvilke tjenester får Emma Eksempel nå?",
                 "nn": "Kva tenester får Emma Eksempel no?",
                 "en": "Which services does Emma Eksempel get now?"},
    "ended": {"nb": "Fullmakten din er avsluttet", "nn": "Fullmakta di er avslutta",
              "en": "Your power of attorney has ended"},
    "sent_by_you": {"nb": "Sendt av deg", "nn": "Sendt av deg", "en": "Sent by you"},
}


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_applying_for_a_child_names_the_child_and_shows_every_error_at_once(
        contexts, language, javascript):
    page = contexts()
    log_in(page, KARI, language)
    page.goto(f"/eksempel/ny/ip_application?lang={language}")
    page.locator("main form button[type=submit]").click()
    answer_steps(page, [("#for_whom-1",)])
    page.locator("#subject_nin").fill(ADULT_NIN)  # an adult, and no name
    page.locator("main form button[type=submit]").click()
    assert page.locator("#subject_nin-error").is_visible()
    assert page.locator("#subject_name-error").is_visible()
    assert page.locator("#subject_nin").input_value() == ADULT_NIN  # nothing typed is lost
    check(page, javascript)
    page.locator("#subject_nin").fill(CHILD_NIN)
    page.locator("#subject_name").fill("Emma Eksempel")
    page.locator("main form button[type=submit]").click()
    answer_steps(page, [("#request-1",)])
    assert page.locator("legend").first.inner_text().strip() == WORDS["services"][language]
    page.locator("main form button[type=submit]").click()  # nothing ticked
    assert page.locator("#services-error").is_visible()
    assert page.locator("#other_services-error").count() == 0
    check(page, javascript)
    page.goto(f"/eksempel/utkast/?lang={language}")
    card = page.locator(".portal-card").first
    assert "Emma Eksempel" in card.inner_text()
    check(page, javascript)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_the_receipt_page_has_the_tracking_code_and_says_where_the_receipt_went(
        contexts, language, javascript):
    page = contexts()
    log_in(page, OLA, language)
    page.goto(f"/eksempel/ny/ip_application?lang={language}")
    page.locator("main form button[type=submit]").click()
    answer_steps(page, [("#for_whom-0",), *AFTER_FOR_WHOM])
    page.locator("button[value=continue]").click()
    page.locator("main form button[type=submit]").click()
    assert page.locator("#receipt-code").inner_text().strip()
    assert page.locator("#receipt-mailed-to").is_visible()
    check(page, javascript)
    page.locator("main a[href*='/saker/IP-']").first.click()
    assert WORDS["sent_by_you"][language] in page.locator(".portal-timeline").inner_text()
    check(page, javascript)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_representative_whose_fullmakt_ended_is_told_so(contexts, server, language,
                                                           javascript):
    from tests.browser.citizens import apply_as

    reference = apply_as(server, "ola")
    ola = server.app.test_client()
    log_in_with_testid(ola, "ola")
    grant(ola, KARI_NIN, "Kari Eksempel")
    page = contexts()
    log_in(page, KARI, language)
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    assert page.locator("h1").count() == 1
    with get_db(server.app).session_scope() as session:
        for row in session.scalars(sa.select(Representation)):
            row.status = Status.REVOKED
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    assert page.locator("h1").inner_text().strip() == WORDS["ended"][language]
    check(page, javascript)
    assert ADULT_NIN not in page.content()
