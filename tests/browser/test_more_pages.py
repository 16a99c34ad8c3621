"""The pages of issues 6 and 7 that the journeys in test_follow_and_represent.py do not
reach: axe-core in nb, nn and en, with form errors where a page has a form."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.cases.models import Case
from portal.cases.tracking import tracking_code
from portal.db import get_db
from portal.identity.crypto import data_keys
from portal.identity.nin import NinKind, generate_valid_nin
from tests.browser.citizens import KARI, OLA, apply_as, end_all_representations, log_in
from tests.browser.conftest import assert_accessible
from tests.support.apply import ADULT_NIN
from tests.support.flows import log_in_with_testid
from tests.support.representation import grant

pytestmark = pytest.mark.browser
LANGUAGES = ["nb", "nn", "en"]
KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)


@pytest.fixture
def page(server_page):
    return server_page  # on this module's own server (tests/browser/conftest.py)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_parent_form_and_the_change_page_have_no_axe_violations(page, server, language):
    end_all_representations(server)
    log_in(page, KARI, language)
    page.goto(f"/eksempel/fullmakt/foreldreansvar?lang={language}")
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()  # empty: errors
    expect(page.locator(".ds-error-summary")).to_be_visible()
    assert_accessible(page)
    ola = server.app.test_client()
    log_in_with_testid(ola, "ola")
    grant(ola, KARI_NIN, "Kari Eksempel", scopes=("follow",))
    log_in(page, OLA, language)
    page.goto(f"/eksempel/fullmakt/?lang={language}")
    page.locator("a[href$='/endre']").first.click()
    assert_accessible(page)
    page.locator("#valid_to").fill("31.02.2030")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#valid_to-error")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_representative_waiting_for_a_check_sees_only_the_receipt(page, server, language):
    end_all_representations(server)
    reference = apply_as(server, "kari", for_whom="fullmakt", subject_nin=ADULT_NIN,
                         subject_name="Ola Eksempel")
    log_in(page, KARI, language)
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    expect(page.locator(".portal-timeline")).to_have_count(0)
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_fullmakt_that_does_not_cover_applying_says_so(page, server, language):
    end_all_representations(server)
    ola = server.app.test_client()
    log_in_with_testid(ola, "ola")
    grant(ola, KARI_NIN, "Kari Eksempel", scopes=("follow",))
    log_in(page, KARI, language)
    page.goto(f"/eksempel/fullmakt/handle-for?lang={language}")
    page.locator("input[name=acting_for]").nth(1).check()
    page.locator("main form button[type=submit]").click()
    response = page.goto(f"/eksempel/ny/ip_application?lang={language}")
    assert response.status == 403
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_status_page_without_login_has_no_axe_violations(page, server, language):
    reference = apply_as(server, "ola")
    with server.app.app_context(), get_db(server.app).session_scope() as session:
        code = tracking_code(data_keys(), session.scalar(
            sa.select(Case).where(Case.reference == reference)))
    page.goto(f"/eksempel/status?lang={language}")
    assert_accessible(page)
    page.locator("#reference").fill(reference)
    page.locator("#tracking_code").fill("WRONG-CODE")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".ds-error-summary")).to_be_visible()
    assert_accessible(page)
    page.locator("#tracking_code").fill(code)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text(reference)
    assert_accessible(page)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_development_sms_list_has_no_axe_violations(page, language):
    page.goto(f"/utvikling/sms/?lang={language}")
    assert page.locator("h1").count() == 1
    assert_accessible(page)
