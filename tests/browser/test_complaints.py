"""Issue 12 in Chromium, in nb, nn and en with axe-core on every page, and again without
JavaScript: complaining in time about a decision made in the portal, and the back office
taking the complaint to Statsforvalteren while the citizen sees each step; a representative
complaining late for the principal; a parent complaining for a child; a complaint about a
decision on paper."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal import clock
from portal.cases.models import Case, CaseStatus
from portal.cases.service import apply_event
from portal.db import get_db
from portal.representation.models import Representation, Status
from tests.browser.citizens import (
    KARI,
    OLA,
    apply_as,
    back_office,
    case,
    end_all_representations,
    log_in,
)
from tests.browser.conftest import RUNS, check
from tests.support.apply import CHILD_NIN, KARI_NIN
from tests.support.flows import log_in_with_testid
from tests.support.representation import grant

pytestmark = pytest.mark.browser
COMPLAINT = re.compile(r"KL-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}")
TEXTS = {"disagreement": "Jeg trenger en koordinator.", "grounds": "Fire tjenester snakker "
         "ikke sammen.", "wanted_change": "Gi meg en koordinator.", "decision_about":
         "Hjemmesykepleie, avslått", "late_reason": "Brevet kom til feil adresse."}


def decided(server, reference: str, *, days_to_complain: int | None = None) -> None:
    """The back office decides: refused; the deadline as counted, or this many days left."""
    data = {"outcome": "refused", "decision_date": clock.today().isoformat()}
    if days_to_complain is not None:
        data["complaint_deadline"] = (clock.today() + timedelta(days=days_to_complain)
                                      ).isoformat()
    with get_db(server.app).session_scope() as session:
        found = session.scalar(sa.select(Case).where(Case.reference == reference))
        apply_event(session, found, "in_progress", {})
        apply_event(session, found, "decision", data)


def answer_complaint(page, javascript: bool, **texts) -> str:
    """Answer each question on its own page, then send; the complaint's reference."""
    values = {**TEXTS, **texts}
    while "/vedlegg" not in page.url:
        main = page.locator("main form")
        for field in ("decision_date", "received_date"):
            if main.locator(f"#{field}").count():
                page.locator(f"#{field}").fill(clock.today().strftime("%d.%m.%Y"))
        for field, text in values.items():
            if main.locator(f"#{field}").count():
                page.locator(f"#{field}").fill(text)
        for radio in ("#postpone-0", "#deadline_weeks-1"):
            if main.locator(radio).count():
                page.locator(radio).check()
        check(page, javascript)
        page.locator("main form button[type=submit]").click()
    check(page, javascript)
    page.locator("button[value=continue]").click()
    expect(page).to_have_url(re.compile("/sjekk"))
    check(page, javascript)
    page.locator("main form button[type=submit]").click()
    check(page, javascript)
    return COMPLAINT.search(page.locator("main").inner_text()).group(0)


def start_from_case(page, reference: str, language: str, javascript: bool) -> None:
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    check(page, javascript)
    page.locator(f"form[action$='/klage/sak/{reference}/decision'] button").click()


LIFE = [  # what the back office sends, and the status the citizen's case page then shows
    ({"type": "received"}, CaseStatus.RECEIVED),
    ({"type": "in_progress"}, CaseStatus.IN_PROGRESS),
    ({"type": "complaint_decision", "outcome": "not_upheld", "decision_date": "2026-12-20"},
     CaseStatus.DECIDED),
    ({"type": "sent_to_statsforvalteren", "sent_on": "2026-12-21"},
     CaseStatus.SENT_TO_STATSFORVALTEREN),
    ({"type": "statsforvalteren_decision", "outcome": "confirmed",
      "decision_date": "2027-02-01"}, CaseStatus.STATSFORVALTEREN_DECIDED),
]


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_citizen_complains_in_time_and_follows_it_to_statsforvalteren(
        contexts, server, token, language, javascript):
    end_all_representations(server)
    reference = apply_as(server, "ola")
    decided(server, reference)
    page = contexts()
    log_in(page, OLA, language)
    start_from_case(page, reference, language, javascript)
    complaint = answer_complaint(page, javascript)
    assert case(server, reference).status == CaseStatus.COMPLAINT_IN_PROGRESS
    timeline = page.locator(".portal-timeline__item")
    for event, status in LIFE:
        page.goto(f"/eksempel/saker/{complaint}?lang={language}")
        before = timeline.count()
        back_office(server, token, complaint, **event)
        page.reload()
        expect(timeline).to_have_count(before + 1)
        assert case(server, complaint).status == status
        check(page, javascript)
    expect(page.locator("main")).to_contain_text("Statsforvalt")  # nn: Statsforvaltaren
    page.goto(f"/eksempel/saker/{reference}?lang={language}")
    expect(page.locator("main")).to_contain_text(complaint)
    check(page, javascript)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_representative_complains_late_for_the_principal(
        contexts, server, language, javascript):
    end_all_representations(server)
    reference = apply_as(server, "ola")
    decided(server, reference, days_to_complain=-3)
    ola_client = server.app.test_client()
    log_in_with_testid(ola_client, "ola")
    grant(ola_client, KARI_NIN, "Kari Eksempel", scopes=("follow", "complain"))
    ola = case(server, reference).subject_person_id
    page = contexts()
    log_in(page, KARI, language)
    page.goto(f"/eksempel/fullmakt/handle-for?lang={language}")
    page.locator(f"input[name=acting_for][value='{ola}']").check()
    page.locator("main form button[type=submit]").click()
    start_from_case(page, reference, language, javascript)
    complaint = answer_complaint(page, javascript)
    found = case(server, complaint)
    assert (found.subject_person_id, found.submitted_late) == (ola, True)


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_parent_complains_for_a_child(contexts, server, language, javascript):
    end_all_representations(server)
    reference = apply_as(server, "kari", for_whom="child", subject_nin=CHILD_NIN,
                         subject_name="Emma Eksempel", request={"request": "child_coordinator"})
    decided(server, reference)
    with get_db(server.app).session_scope() as session:
        parenthood = session.scalars(sa.select(Representation).order_by(
            Representation.id.desc())).first()
        parenthood.status = Status.ACTIVE  # confirmed from the population register
    page = contexts()
    log_in(page, KARI, language)
    start_from_case(page, reference, language, javascript)
    complaint = answer_complaint(page, javascript)
    assert case(server, complaint).subject_person_id == case(server, reference).subject_person_id


@pytest.mark.parametrize(("language", "javascript"), RUNS)
def test_a_citizen_complains_about_a_decision_on_paper(contexts, server, language, javascript):
    end_all_representations(server)
    page = contexts()
    log_in(page, KARI, language)
    page.goto(f"/eksempel/klage?lang={language}")
    check(page, javascript)
    page.locator("main a[href$='/klage/ny']").click()
    check(page, javascript)
    page.locator("main form button[type=submit]").click()
    # A date in the future is refused next to the field, and what was typed is kept.
    page.locator("#decision_date").fill("31.12.2099")
    page.locator("#decision_about").fill(TEXTS["decision_about"])
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#decision_date-error")).to_be_visible()
    expect(page.locator("#decision_about")).to_have_value(TEXTS["decision_about"])
    check(page, javascript)
    complaint = answer_complaint(page, javascript)
    assert case(server, complaint).concerns_case_id is None
