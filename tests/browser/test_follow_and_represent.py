"""Issues 6 and 7 in Chromium, in nb, nn and en, with axe-core on every page, and again
without JavaScript.

Following a case: the back office posts events through the API and the citizen sees each
one; the citizen answers a request for information with a file, and withdraws another
application. Acting for someone: Ola gives Kari a digital fullmakt; Kari acts for Ola,
applies and follows the case; Ola takes the fullmakt back and Kari loses access at once;
Kari's paper fullmakt from Jonas goes from pending to accepted by a caseworker.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.cases.models import Case, CaseStatus, Submission
from portal.db import get_db
from portal.documents.attachments import Attachment
from portal.identity.demo_people import DEMO_STAFF_PASSWORD
from portal.identity.nin import NinKind, generate_valid_nin
from portal.representation.models import Representation, Status
from tests.browser.citizens import (
    AFTER_FOR_WHOM,
    KARI,
    OLA,
    REFERENCE,
    answer_steps,
    apply_as,
    back_office,
    case,
    end_all_representations,
    log_in,
)
from tests.browser.conftest import RUNS, LiveServer, check
from tests.support.apply import YOUTH_NIN

pytestmark = pytest.mark.browser
KARI_NIN = generate_valid_nin(date(1984, 9, 2), kind=NinKind.SYNTHETIC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


EVENTS = [
    ("in_progress", {}, None),
    ("interim_reply", {"reason": "Mange søknader nå.", "expected_decision_date": "2027-01-15"},
     "Mange søknader nå."),
    ("coordinator_assigned", {"name": "Kim Koordinator", "unit": "Hjemmetjenesten"},
     "Kim Koordinator"),
    ("message", {"text": "Vi ringer deg neste uke."}, "Vi ringer deg neste uke."),
    ("information_requested", {"text": "Send legeerklæringen.", "answer_by": "2027-01-31"},
     "Send legeerklæringen."),
]


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_the_citizen_sees_each_event_answers_with_a_file_and_withdraws(
        contexts, server, token, language, javascript, tmp_path):
    reference, other = apply_as(server, "ola"), apply_as(server, "ola")
    page = contexts()
    log_in(page, OLA, language)
    timeline = page.locator(".portal-timeline__item")
    for event_type, data, shown in EVENTS:
        page.goto(f"/eksempel/saker/{reference}?lang={language}")
        before = timeline.count()
        back_office(server, token, reference, type=event_type, **data)
        page.reload()
        expect(timeline).to_have_count(before + 1)
        if shown:
            expect(page.locator("main")).to_contain_text(shown)
        check(page, javascript)
    # Answer the request, with a file.
    page.locator(f"a[href$='/saker/{reference}/svar']").click()
    check(page, javascript)
    document = tmp_path / "legeerklaering.png"
    document.write_bytes(PNG)
    page.locator("#text").fill("Her er legeerklæringen.")
    page.locator("#file").set_input_files(str(document))
    page.locator("button[value=upload]").click()
    expect(page.locator("main")).to_contain_text("legeerklaering.png")
    expect(page.locator("#text")).to_have_value("Her er legeerklæringen.")
    check(page, javascript)
    page.locator("button[value=send]").click()
    expect(page).to_have_url(re.compile(f"/saker/{reference}$"))
    check(page, javascript)
    assert case(server, reference).status == CaseStatus.IN_PROGRESS
    with get_db(server.app).session_scope() as session:
        reply = session.scalar(sa.select(Submission).join(Case).where(
            Case.reference == reference, Submission.kind == "reply"))
        assert session.scalar(sa.select(Attachment.display_name).where(
            Attachment.submission_id == reply.id)) == "legeerklaering.png"
    # Withdraw the other application, after the confirmation step.
    page.goto(f"/eksempel/saker/{other}?lang={language}")
    page.locator(f"a[href$='/saker/{other}/trekk']").click()
    check(page, javascript)
    assert case(server, other).status == CaseStatus.SUBMITTED
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/saker/{other}$"))
    check(page, javascript)
    assert case(server, other).status == CaseStatus.WITHDRAWN


def representations(server: LiveServer) -> list[Representation]:
    with get_db(server.app).session_scope() as session:
        rows = list(session.scalars(sa.select(Representation).order_by(Representation.id)))
        session.expunge_all()
        return rows


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_fullmakt_is_given_used_taken_back_and_a_paper_one_is_checked(
        contexts, server, language, javascript, tmp_path):
    end_all_representations(server)
    ola, kari, caseworker = contexts(), contexts(), contexts()
    # Ola gives Kari a fullmakt.
    log_in(ola, OLA, language)
    ola.goto(f"/eksempel/fullmakt/?lang={language}")
    check(ola, javascript)
    ola.goto(f"/eksempel/fullmakt/ny?lang={language}")
    check(ola, javascript)
    ola.locator("#representative_nin").fill(KARI_NIN)
    ola.locator("#representative_name").fill("Kari Eksempel")
    for number in range(4):
        ola.locator(f"#scopes-{number}").check()
    ola.locator("button[value=check]").click()
    check(ola, javascript)
    ola.locator("button[value=confirm]").click()
    expect(ola.locator("main")).to_contain_text("Kari Eksempel")
    check(ola, javascript)
    fullmakt = representations(server)[-1]
    assert fullmakt.status == Status.ACTIVE
    # Kari acts for Ola, applies for him, and follows the case.
    log_in(kari, KARI, language)
    kari.goto(f"/eksempel/fullmakt/handle-for?lang={language}")
    check(kari, javascript)
    kari.locator(f"input[name=acting_for][value='{fullmakt.principal_person_id}']").check()
    kari.locator("main form button[type=submit]").click()
    expect(kari.locator(".portal-acting")).to_contain_text("Ola Eksempel")
    kari.goto(f"/eksempel/ny/ip_application?lang={language}")
    kari.locator("main form button[type=submit]").click()
    answer_steps(kari, AFTER_FOR_WHOM, "Et enkelt svar.")
    kari.locator("button[value=continue]").click()
    check(kari, javascript)
    kari.locator("main form button[type=submit]").click()
    reference = REFERENCE.search(kari.content()).group(0)
    assert case(server, reference).subject_person_id == fullmakt.principal_person_id
    kari.goto(f"/eksempel/saker/?lang={language}")
    expect(kari.locator("main")).to_contain_text(reference)
    check(kari, javascript)
    assert kari.goto(f"/eksempel/saker/{reference}?lang={language}").status == 200
    check(kari, javascript)
    # Ola takes it back: Kari's very next page no longer shows the case, and says why.
    ola.goto(f"/eksempel/fullmakt/{fullmakt.id}/avslutt?lang={language}")
    check(ola, javascript)
    ola.locator("main form button[type=submit]").click()
    assert representations(server)[-1].status == Status.REVOKED
    assert kari.goto(f"/eksempel/saker/{reference}?lang={language}").status == 403
    check(kari, javascript)
    kari.goto(f"/eksempel/saker/?lang={language}")
    expect(kari.locator("main")).not_to_contain_text(reference)
    expect(kari.locator(".portal-acting")).to_have_count(0)  # she acts for nobody now
    check(kari, javascript)
    # A paper fullmakt from Jonas: pending until a caseworker accepts it.
    kari.goto(f"/eksempel/fullmakt/last-opp?lang={language}")
    check(kari, javascript)
    document = tmp_path / "fullmakt.png"
    document.write_bytes(PNG)
    kari.locator("#basis-0").check()
    kari.locator("#principal_nin").fill(YOUTH_NIN)
    kari.locator("#principal_name").fill("Jonas Eksempel")
    kari.locator("#scopes-0").check()
    kari.locator("#scopes-1").check()
    kari.locator("#document").set_input_files(str(document))
    kari.locator("main form button[type=submit]").click()
    paper = representations(server)[-1]
    assert (paper.status, paper.evidence) == (Status.PENDING, "document")
    check(kari, javascript)
    caseworker.goto(f"/eksempel/ansatt/logg-inn?lang={language}")
    caseworker.locator("#email").fill("saksbehandler@eksempel.example")
    caseworker.locator("#password").fill(DEMO_STAFF_PASSWORD)
    caseworker.locator("main form button[type=submit]").click()
    caseworker.goto(f"/eksempel/ansatt/fullmakter/?lang={language}")
    check(caseworker, javascript)
    caseworker.locator(f"a[href$='/fullmakter/{paper.id}']").click()
    check(caseworker, javascript)
    caseworker.locator("button[value=verify]").click()
    check(caseworker, javascript)
    assert representations(server)[-1].status == Status.ACTIVE
    kari.goto(f"/eksempel/fullmakt/handle-for?lang={language}")
    expect(kari.locator("main")).to_contain_text("Jonas Eksempel")
