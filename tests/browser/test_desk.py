"""Issue 14 in Chromium, in nb, nn and en with axe-core on every page, without JavaScript,
and by keyboard alone: desk staff help a person without BankID (a visit, an application, the
printed receipt); the person follows the status with the reference and the tracking code;
another visit sends a complaint and a consent; a look-up by identity number with a reason
shows the coarse status only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from portal.identity.nin import NinKind, generate_valid_nin
from tests.browser.citizens import AFTER_FOR_WHOM, answer_steps, end_all_representations
from tests.browser.conftest import RUNS, check
from tests.browser.test_keyboard import focused, tab_until
from tests.support.apply import GOALS_TEXT

pytestmark = pytest.mark.browser
PER_NIN = generate_valid_nin(date(1955, 6, 1), kind=NinKind.SYNTHETIC)  # no BankID
REFERENCE = re.compile(r"(IP|KL)-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}")


def log_in_desk(page, language: str) -> None:
    page.goto(f"/eksempel/ansatt/logg-inn?lang={language}")
    page.locator("#email").fill("desk@eksempel.example")
    page.locator("#password").fill(DEMO_STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()


def start_visit(page, language: str, javascript: bool, nin: str = PER_NIN) -> None:
    page.goto(f"/eksempel/ansatt/skranke/?lang={language}")
    check(page, javascript)
    page.locator("main a[href$='/skranke/ny']").click()
    check(page, javascript)
    page.locator("#nin").fill(nin)
    page.locator("#name").fill("Per Uten Bankid")
    page.locator("#id_check-0").check()  # passport
    page.locator("#id_document_digits").fill("7788")
    page.locator(f"#language-{['nb', 'nn', 'en'].index(language)}").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Per Uten Bankid")
    check(page, javascript)


def press(page, action: str) -> None:
    page.locator(f"main form[action$='{action}'] button").click()


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_the_desk_applies_for_a_person_without_bankid_who_then_follows_the_status(
        contexts, server, language, javascript):
    end_all_representations(server)
    desk = contexts()
    log_in_desk(desk, language)
    start_visit(desk, language, javascript)
    press(desk, "/ny/ip_application")
    desk.locator("#for_whom-0").check()  # for themself
    desk.locator("main form button[type=submit]").click()
    answer_steps(desk, AFTER_FOR_WHOM, "Et enkelt svar.")
    check(desk, javascript)
    desk.locator("button[value=continue]").click()
    check(desk, javascript)
    desk.locator("main form button[type=submit]").click()
    expect(desk).to_have_url(re.compile("/kvittering/"))
    check(desk, javascript)
    reference = desk.locator("#receipt-reference").inner_text()
    code = desk.locator("#receipt-code").inner_text()
    # Printed: the portal's chrome goes, the receipt fits one A4 page.
    desk.emulate_media(media="print")
    expect(desk.locator(".portal-header")).to_be_hidden()
    expect(desk.locator(".portal-no-print")).to_be_hidden()
    assert desk.locator(".portal-print-receipt").bounding_box()["height"] < 1000
    desk.emulate_media(media="screen")
    # The person, without BankID, on the public status page.
    person = contexts()
    person.goto(f"/eksempel/status?lang={language}")
    check(person, javascript)
    person.locator("#reference").fill(reference)
    person.locator("#tracking_code").fill(code)
    person.locator("main form button[type=submit]").click()
    expect(person.locator("main")).to_contain_text(reference)
    check(person, javascript)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_another_visit_sends_a_complaint_and_a_consent_and_a_look_up_shows_status_only(
        contexts, server, language, javascript):
    end_all_representations(server)
    desk = contexts()
    log_in_desk(desk, language)
    # A person of their own in each run (the module's server keeps its data between runs).
    day = 3 + [run.id for run in RUNS].index(f"{language}" if javascript else "nb-no-javascript")
    nin = generate_valid_nin(date(1950, 2, day), kind=NinKind.SYNTHETIC)
    start_visit(desk, language, javascript, nin)
    # A complaint about a decision on paper.
    press(desk, "/klage")
    desk.locator("#decision_date").fill("01.11.2026")
    desk.locator("#received_date").fill("03.11.2026")
    desk.locator("#decision_about").fill("Hjemmesykepleie, avslått")
    desk.locator("#deadline_weeks-1").check()
    check(desk, javascript)
    desk.locator("main form button[type=submit]").click()
    while "/vedlegg" not in desk.url:
        for field in ("disagreement", "grounds", "wanted_change", "late_reason"):
            if desk.locator(f"main form #{field}").count():
                desk.locator(f"#{field}").fill("Et enkelt svar.")
        if desk.locator("#postpone-0").count():
            desk.locator("#postpone-0").check()
        check(desk, javascript)
        desk.locator("main form button[type=submit]").click()
    desk.locator("button[value=continue]").click()
    desk.locator("main form button[type=submit]").click()
    expect(desk).to_have_url(re.compile("/kvittering/"))
    check(desk, javascript)
    # A consent, given on the spot.
    desk.goto(desk.url.split("/kvittering/")[0] + f"/samtykke?lang={language}")
    check(desk, javascript)
    desk.locator("#consent_planning").check()
    desk.locator("button[value=check]").click()
    check(desk, javascript)
    desk.locator("button[value=confirm]").click()
    expect(desk).to_have_url(re.compile("/kvittering/"))
    check(desk, javascript)
    # A look-up by identity number, with a reason: the coarse status, no answers.
    desk.goto(f"/eksempel/ansatt/skranke/oppslag?lang={language}")
    check(desk, javascript)
    desk.locator("#nin-nin").fill(nin)
    desk.locator("#nin-reason").fill("The person asks at the desk about the complaint.")
    desk.locator("form:has(#nin-nin) button[type=submit]").click()
    expect(desk.locator("main")).to_contain_text("KL-")
    expect(desk.locator("main")).not_to_contain_text(GOALS_TEXT)
    check(desk, javascript)


def test_a_visit_is_started_and_an_application_sent_by_keyboard_alone(browser, server):
    end_all_representations(server)
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    log_in_desk(page, "en")
    page.goto("/eksempel/ansatt/skranke/ny?lang=en")
    tab_until(page, lambda el: el["id"] == "nin")
    page.keyboard.type(generate_valid_nin(date(1951, 3, 4), kind=NinKind.SYNTHETIC))
    page.keyboard.press("Tab")
    page.keyboard.type("Kai Tastatur")
    tab_until(page, lambda el: el["id"] == "id_check-0")
    page.keyboard.press("Space")
    tab_until(page, lambda el: el["id"] == "language-0")
    tab_until(page, lambda el: el["tag"] == "BUTTON" and el["text"] == "Start the visit")
    page.keyboard.press("Enter")
    page.wait_for_url("**/besok/*/")
    tab_until(page, lambda el: el["text"] == "Apply for an individual plan or a coordinator")
    page.keyboard.press("Enter")
    page.wait_for_url("**/soknad/*/hvem")
    tab_until(page, lambda el: el["id"] == "for_whom-0")
    page.keyboard.press("Space")
    tab_until(page, lambda el: el["text"] == "Continue")
    page.keyboard.press("Enter")
    page.wait_for_url("**/hva")
    assert focused(page)["tag"] in ("BODY", "MAIN", "A", "H1")
    context.close()
