"""Consents (issue 13, and issue 15 point 1) in Chromium, in nb, nn and en with axe-core on
every page, and once more without JavaScript.

A citizen gives consent per service while applying, says no to one, later withdraws another
and sees it withdrawn; a representative with the consent scope changes a consent for the
principal; a 17-year-old gets the request after a parent applied, consents, and the case stops
showing the consent as missing; a 14-year-old applying alone is told a parent must consent.
Each run is a new person, so the runs do not share consents.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.cases.models import Case
from portal.consents.models import Consent, ConsentStatus
from portal.db import get_db
from portal.identity.nin import NinKind, generate_valid_nin
from tests.browser.citizens import REFERENCE, end_all_representations
from tests.browser.conftest import LANGUAGES, RUNS, check
from tests.support.apply import fill_application, send
from tests.support.flows import log_in_with_testid
from tests.support.representation import grant

pytestmark = pytest.mark.browser
# One birthday a run (nb, nn, en, nb without JavaScript): a new person each time.
DAY = {("nb", True): 1, ("nn", True): 2, ("en", True): 3, ("nb", False): 4}


def nin_of(born: date) -> str:
    return generate_valid_nin(born, kind=NinKind.SYNTHETIC)


def log_in_as(page, nin: str, name: str, language: str) -> None:
    page.goto(f"/eksempel/testid?lang={language}")
    page.locator("input[name=person][value=other]").check()
    page.locator("#nin").fill(nin)
    page.locator("#name").fill(name)
    page.locator("main form button[type=submit]").click()


def submit(page) -> None:
    page.locator("main form button[type=submit]").last.click()


def consents_of(server, name: str) -> list[Consent]:
    from portal.identity.models import Person

    with get_db(server.app).session_scope() as session:
        rows = list(session.scalars(sa.select(Consent).join(
            Person, Person.id == Consent.subject_person_id).where(Person.name == name)
            .order_by(Consent.id)))
        session.expunge_all()
        return rows


def apply_until_consent(page, javascript: bool, language: str) -> None:
    """From «start» to the consent step, applying for oneself."""
    page.goto(f"/eksempel/ny/ip_application?lang={language}")
    check(page, javascript)
    submit(page)
    page.locator("input[name=for_whom][value=self]").check()
    submit(page)
    page.locator("#request-0").check()
    submit(page)
    page.locator("#services-0").check()
    submit(page)
    page.locator("#needs").fill("Hjelp til å samordne tjenestene.")
    page.locator("#goals").fill("Klare meg selv hjemme.")
    submit(page)
    page.locator("#contact_method-0").check()
    page.locator("#interpreter-0").check()
    submit(page)
    expect(page).to_have_url(re.compile("/samtykke"))
    check(page, javascript)


def send_from_attachments(page, javascript: bool) -> str:
    """Attachments step → check page → send; the reference on the receipt page."""
    expect(page).to_have_url(re.compile("/vedlegg"))
    page.locator("button[value=continue]").click()
    check(page, javascript)
    submit(page)
    check(page, javascript)
    return REFERENCE.search(page.locator("main").inner_text()).group(0)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_citizen_gives_consent_per_service_declines_one_and_later_withdraws_another(
        contexts, server, language, javascript):
    name = f"Sara Samtykke {language}{'' if javascript else ' uten js'}"
    page = contexts()
    log_in_as(page, nin_of(date(1990, 1, DAY[language, javascript])), name, language)
    apply_until_consent(page, javascript, language)
    # Submitting without the plan consent: an error next to the box, linked from the summary.
    submit(page)
    expect(page.locator("#consent_planning-error")).to_be_visible()
    expect(page.locator(".ds-error-summary a[href='#consent_planning']")).to_be_visible()
    check(page, javascript)
    page.locator("#consent_planning").check()
    page.locator("input[name=sharing][value=gp]").check()
    page.locator("input[name=sharing][value=home_services]").check()
    page.locator("input[name=sharing][value=nav]").check()
    page.locator("input[name=sharing][value=nav]").uncheck()  # says no to NAV
    submit(page)
    page.locator("button[value=continue]").click()
    check(page, javascript)  # the check page says what the no means
    expect(page.locator("main")).to_contain_text("NAV")
    submit(page)
    check(page, javascript)
    reference = REFERENCE.search(page.locator("main").inner_text()).group(0)
    assert reference.startswith("IP-")
    recorded = {(row.recipient, row.status) for row in consents_of(server, name)}
    assert recorded == {("", "active"), ("gp", "active"), ("home_services", "active")}
    # Later: «Mine samtykker», withdraw the home-based services after the confirmation step.
    page.goto(f"/eksempel/samtykker/?lang={language}")
    check(page, javascript)
    home = next(row for row in consents_of(server, name) if row.recipient == "home_services")
    page.locator(f"a[href$='/samtykker/{home.id}/trekk']").click()
    check(page, javascript)
    assert consents_of(server, name)[-1].status == ConsentStatus.ACTIVE  # not yet
    submit(page)
    expect(page).to_have_url(re.compile("/samtykker/kvittering/"))
    check(page, javascript)
    page.locator("a[href$='/samtykker/']").last.click()
    check(page, javascript)
    withdrawn = page.locator("ul[aria-label] li",
                             has_text=re.compile("hjemmetjenesten|heimetenesta", re.IGNORECASE))
    expect(withdrawn.last).to_contain_text(re.compile("Trukket|Trekt|Withdrawn"))
    statuses = {row.recipient: row.status for row in consents_of(server, name)}
    assert statuses["home_services"] == ConsentStatus.WITHDRAWN
    assert statuses["gp"] == ConsentStatus.ACTIVE


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_representative_with_the_consent_scope_changes_a_consent_for_the_principal(
        contexts, server, language, javascript):
    end_all_representations(server)
    suffix = f"{language}{'' if javascript else ' uten js'}"
    principal_nin = nin_of(date(1950, 2, DAY[language, javascript]))
    representative_nin = nin_of(date(1975, 3, DAY[language, javascript]))
    principal = server.app.test_client()
    log_in_with_testid(principal, "other", nin=principal_nin, name=f"Per Prinsipal {suffix}")
    send(principal, fill_application(principal))
    grant(principal, representative_nin, f"Rut Fullmektig {suffix}",
          scopes=("follow", "consent"))
    page = contexts()
    log_in_as(page, representative_nin, f"Rut Fullmektig {suffix}", language)
    page.goto(f"/eksempel/fullmakt/handle-for?lang={language}")
    check(page, javascript)
    page.locator("input[name=acting_for]").nth(1).check()
    submit(page)
    page.goto(f"/eksempel/samtykker/?lang={language}")
    check(page, javascript)
    expect(page.locator("h1")).to_contain_text(f"Per Prinsipal {suffix}")
    gp = next(row for row in consents_of(server, f"Per Prinsipal {suffix}")
              if row.recipient == "gp")
    page.locator(f"a[href$='/samtykker/{gp.id}/endre']").click()
    check(page, javascript)
    page.locator("#information").fill("Bare medisinlisten")
    page.locator("#last_day").fill("31.12.2030")
    submit(page)
    check(page, javascript)  # check and confirm
    submit(page)
    expect(page).to_have_url(re.compile("/samtykker/kvittering/"))
    check(page, javascript)
    page.goto(f"/eksempel/samtykker/?lang={language}")
    expect(page.locator("main")).to_contain_text("Bare medisinlisten")
    check(page, javascript)
    rows = [row for row in consents_of(server, f"Per Prinsipal {suffix}")
            if row.recipient == "gp"]
    assert [row.status for row in rows] == [ConsentStatus.REPLACED, ConsentStatus.ACTIVE]
    assert (rows[-1].given_by, rows[-1].given_by_name) == (
        "representative", f"Rut Fullmektig {suffix}")


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_17_year_old_consents_after_a_parent_applied_and_the_case_stops_showing_it_missing(
        contexts, server, language, javascript):
    suffix = f"{language}{'' if javascript else ' uten js'}"
    youth_nin = nin_of(date(2009, 6, DAY[language, javascript]))
    parent = server.app.test_client()
    log_in_with_testid(parent, "kari")
    send(parent, fill_application(parent, for_whom="child", subject_nin=youth_nin,
                                  subject_name=f"Ung Person {suffix}"))
    with get_db(server.app).session_scope() as session:
        reference = session.scalars(sa.select(Case.reference).where(
            Case.kind == "ip_application").order_by(Case.id.desc())).first()
    page = contexts()
    log_in_as(page, youth_nin, f"Ung Person {suffix}", language)
    page.goto(f"/eksempel/saker/?lang={language}")
    check(page, javascript)
    task = page.locator("ul[aria-label] li", has=page.locator("a[href$='/samtykker/ny']"))
    expect(task).to_have_count(1)
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    check(page, javascript)
    missing = page.locator(".ds-alert", has=page.locator("a[href$='/samtykker/ny']"))
    expect(missing).to_have_count(1)
    missing.locator("a").click()
    check(page, javascript)
    page.locator("#consent_planning").check()
    page.locator("input[name=sharing][value=school]").check()
    submit(page)
    check(page, javascript)
    submit(page)
    expect(page).to_have_url(re.compile("/samtykker/kvittering/"))
    check(page, javascript)
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    check(page, javascript)
    expect(page.locator(".ds-alert", has=page.locator("a[href$='/samtykker/ny']"))
           ).to_have_count(0)
    page.goto(f"/eksempel/saker/?lang={language}")
    expect(page.locator("ul[aria-label] li", has=page.locator("a[href$='/samtykker/ny']"))
           ).to_have_count(0)
    given = consents_of(server, f"Ung Person {suffix}")
    assert {(row.recipient, row.given_by) for row in given} == {("", "person"),
                                                                ("school", "person")}


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_14_year_old_applying_alone_is_told_a_parent_must_consent(
        contexts, server, language, javascript):
    suffix = f"{language}{'' if javascript else ' uten js'}"
    page = contexts()
    log_in_as(page, nin_of(date(2012, 4, DAY[language, javascript])), f"Fjorten {suffix}",
              language)
    apply_until_consent(page, javascript, language)
    alert = page.locator("main .ds-alert[data-color=warning]")
    expect(alert).to_contain_text(re.compile("16"))
    submit(page)  # no box ticked: the child may still send the request
    reference = send_from_attachments(page, javascript)
    assert consents_of(server, f"Fjorten {suffix}") == []
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    check(page, javascript)
    expect(page.locator("main .ds-alert[data-color=warning]")).to_contain_text(
        f"Fjorten {suffix}")
    page.goto(f"/eksempel/samtykker/ny?lang={language}")
    check(page, javascript)
    expect(page.locator("#consent_planning")).to_have_count(0)
    expect(page.locator("main .ds-alert[data-color=warning]")).to_be_visible()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_caseworker_records_a_paper_consent_and_the_pages_on_the_way_pass_axe(
        browser, server, language):
    """The caseworker's record page (with its errors) and a representative's «not allowed»."""
    from portal.identity.demo_people import DEMO_STAFF_PASSWORD

    end_all_representations(server)
    suffix = f"papir {language}"
    subject_nin = nin_of(date(1960, 5, DAY[language, True]))
    citizen = server.app.test_client()
    log_in_with_testid(citizen, "other", nin=subject_nin, name=f"Pia {suffix}")
    send(citizen, fill_application(citizen))
    with get_db(server.app).session_scope() as session:
        reference = session.scalars(sa.select(Case.reference).where(
            Case.kind == "ip_application").order_by(Case.id.desc())).first()
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    try:
        page.goto(f"/eksempel/ansatt/logg-inn?lang={language}")
        page.locator("#email").fill("saksbehandler@eksempel.example")
        page.locator("#password").fill(DEMO_STAFF_PASSWORD)
        submit(page)
        page.goto(f"/eksempel/ansatt/saker/{reference}?lang={language}")
        check(page, True)
        page.locator(f"a[href$='/ansatt/saker/{reference}/samtykke']").click()
        check(page, True)
        submit(page)  # nothing filled in: errors next to the fields, and a summary
        expect(page.locator(".ds-error-summary")).to_be_visible()
        check(page, True)
        page.locator("input[name=sharing][value=ppt]").check()
        page.locator("input[name=channel][value=paper]").check()
        page.locator("input[name=given_by][value=person]").check()
        page.locator("#given_by_name").fill(f"Pia {suffix}")
        submit(page)
        expect(page).to_have_url(re.compile(f"/ansatt/saker/{reference}"))
        expect(page.locator("#consents-now")).to_contain_text("PP")
        check(page, True)
    finally:
        context.close()
    recorded = [row for row in consents_of(server, f"Pia {suffix}") if row.recipient == "ppt"]
    assert [(row.channel, row.recorded_by_staff_user_id is not None) for row in recorded] == [
        ("paper", True)]
    # A representative who may follow but not consent is told so, and sees no consents.
    follower_nin = nin_of(date(1977, 7, DAY[language, True]))
    grant(citizen, follower_nin, f"Frode {suffix}", scopes=("follow",))
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    try:
        log_in_as(page, follower_nin, f"Frode {suffix}", language)
        page.goto(f"/eksempel/fullmakt/handle-for?lang={language}")
        page.locator("input[name=acting_for]").nth(1).check()
        submit(page)
        response = page.goto(f"/eksempel/samtykker/?lang={language}")
        assert response.status == 403
        expect(page.locator("main")).not_to_contain_text("PP-")
        check(page, True)
    finally:
        context.close()
