"""Complaints (klage): on a decision, on the plan, on processing time; in time and late; by
the person, a parent and a representative; through the back office to Statsforvalteren."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal import clock
from portal.applications.payloads import validate_payload
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.service import apply_event
from portal.cases.submissions import submission_payload
from portal.clock import utcnow
from portal.municipalities.service import get_by_slug
from portal.queue.models import OutboxMessage
from portal.representation.models import Representation, Status
from tests.integration.test_backoffice import QUEUE, apply_as_kari, case_of, post_event
from tests.support.apply import CHILD_NIN, KARI_NIN, fill_application, send
from tests.support.complaints import answer_steps, reference_in, send_complaint, start_on_case
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid, post_form
from tests.support.representation import act_for, grant

S = CaseStatus
KARI = "kari"


def decide(db_session, reference: str, outcome: str = "refused", **extra) -> Case:
    found = case_of(db_session, reference)
    apply_event(db_session, found, "in_progress", {})
    apply_event(db_session, found, "decision", {"outcome": outcome,
                                                "decision_date": clock.today().isoformat(),
                                                **extra})
    db_session.commit()
    return case_of(db_session, reference)


def citizen(app, who: str = KARI, **login):
    client = app.test_client()
    log_in_with_testid(client, who, **login)
    return client


def complain(client, reference: str, about: str = "decision", **answers):
    started = start_on_case(client, reference, about)
    assert started.status_code == 302, started.get_data(as_text=True)[:400]
    check = answer_steps(client, started.headers["Location"], **answers)
    sent = send_complaint(client, check)
    assert sent.status_code == 302, sent.get_data(as_text=True)[:400]
    return reference_in(client.get(sent.headers["Location"]).get_data(as_text=True))


def complaint_case(db_session, reference: str) -> Case:
    return case_of(db_session, reference)


def payload_of(app, db_session, case: Case) -> dict:
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
    return submission_payload(app.extensions["portal.keys"], submission)


def api_event(client, token: str, reference: str, **body):
    return client.post(f"/api/v1/cases/{reference}/events", json=body,
                       headers={"Authorization": f"Bearer {token}"})


# --- a decision made in the portal --------------------------------------------------------

def test_a_complaint_in_time_is_a_case_of_its_own_and_reopens_the_decided_case(app, db_session):
    reference = apply_as_kari(app)
    decided = decide(db_session, reference)
    kari = citizen(app)
    page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "Complain about the decision" in page
    assert "Complain about the plan" not in page  # refused: there is no plan
    assert "you can complain until" in page

    complaint_reference = complain(kari, reference)

    complaint = complaint_case(db_session, complaint_reference)
    assert (complaint.kind, complaint.status, complaint.concerns_case_id) == (
        "complaint", S.SUBMITTED, decided.id)
    assert complaint.submitted_late is False
    assert case_of(db_session, reference).status == S.COMPLAINT_IN_PROGRESS
    payload = payload_of(app, db_session, complaint)
    validate_payload(payload)  # complaint.v1.json
    assert payload["concerns"]["case_reference"] == reference
    assert payload["concerns"]["decision"]["outcome"] == "refused"
    decision = next(e for e in decided.events if e.type == "decision")
    assert payload["deadline"] == {"last_day": decision.data["complaint_deadline"],
                                   "late": False, "late_reason": ""}
    [message] = db_session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.case_id == complaint.id))
    assert message.type == "complaint.submitted"
    original = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "Your complaint is being handled" in original
    assert complaint_reference in original
    assert "Complain about the decision" not in original  # one complaint at a time


def test_the_decision_carries_its_complaint_rule_and_a_deadline_on_a_working_day(
        app, db_session):
    reference = apply_as_kari(app)
    with time_machine.travel(datetime(2026, 12, 4, 10, tzinfo=UTC), tick=False):
        found = decide(db_session, reference)
    data = found.events[-1].data
    # pasient- og brukerrettighetsloven § 7-5 for a plan: four weeks from Friday 4 December
    # is New Year's Day; a weekend follows.
    assert data["complaint_rule"] == "pasient_og_brukerrettighetsloven_7_5"
    assert data["complaint_deadline"] == "2027-01-04"


def test_a_late_complaint_asks_why_and_the_caseworker_sees_that_it_is_late(app, db_session):
    reference = apply_as_kari(app)
    decide(db_session, reference, complaint_deadline=(clock.today() - timedelta(days=1))
           .isoformat())
    kari = citizen(app)
    page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "The last day to complain was" in page
    started = start_on_case(kari, reference)
    check = answer_steps(kari, started.headers["Location"], late_reason="x")
    late_step = check.replace("/sjekk", "/for-sent")
    refused = post_form(kari, late_step + "?lang=en", late_reason="")
    assert refused.status_code == 200
    assert "Write why the complaint is late" in refused.get_data(as_text=True)
    assert "forvaltningsloven § 31" in refused.get_data(as_text=True)
    answer_steps(kari, late_step, late_reason="I was in hospital when the letter came.")
    assert send_complaint(kari, check).status_code == 302
    complaint = db_session.scalars(sa.select(Case).where(Case.kind == "complaint")).one()
    assert complaint.submitted_late is True
    payload = payload_of(app, db_session, complaint)
    assert payload["deadline"]["late"] is True
    assert payload["deadline"]["late_reason"] == "I was in hospital when the letter came."
    caseworker = log_in_staff(app.test_client())
    assert "late" in caseworker.get(QUEUE + "?lang=en").get_data(as_text=True)
    staff_page = caseworker.get(f"{QUEUE}{complaint.reference}?lang=en").get_data(as_text=True)
    assert "Sent after the deadline" in staff_page
    assert "I was in hospital when the letter came." in staff_page


def test_a_resent_complaint_gives_one_case_and_one_message(app, db_session):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    kari = citizen(app)
    check = answer_steps(kari, start_on_case(kari, reference).headers["Location"])
    page = kari.get(check).get_data(as_text=True)
    for _ in range(3):
        kari.post(check, data={"csrf_token": csrf_token(page)})
    assert db_session.scalar(sa.select(sa.func.count(Case.id)).where(
        Case.kind == "complaint")) == 1
    assert db_session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
        OutboxMessage.type == "complaint.submitted")) == 1


# --- who may complain ---------------------------------------------------------------------

def test_a_representative_with_the_complain_scope_complains_late_for_the_principal(
        app, db_session):
    ola = citizen(app, "ola")
    send(ola, fill_application(ola))
    reference = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first().reference
    decide(db_session, reference, complaint_deadline="2026-01-05")
    grant(ola, KARI_NIN, "Kari Eksempel", scopes=("follow", "complain"))
    kari = citizen(app)
    principal = case_of(db_session, reference).subject_person_id
    act_for(kari, principal)
    complaint_reference = complain(kari, reference, late_reason="The letter went to Ola's "
                                   "old address.")
    complaint = complaint_case(db_session, complaint_reference)
    assert complaint.subject_person_id == principal
    payload = payload_of(app, db_session, complaint)
    assert payload["applicant"]["role"] == "fullmakt"
    assert payload["deadline"]["late"] is True
    assert complaint_reference in ola.get("/eksempel/saker/").get_data(as_text=True)


def test_a_representative_without_the_complain_scope_is_not_offered_and_is_refused(
        app, db_session):
    ola = citizen(app, "ola")
    send(ola, fill_application(ola))
    reference = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first().reference
    decide(db_session, reference)
    grant(ola, KARI_NIN, "Kari Eksempel", scopes=("follow",))
    kari = citizen(app)
    page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "Complain about the decision" not in page
    assert start_on_case(kari, reference).status_code == 404
    assert db_session.scalar(sa.select(sa.func.count(Case.id)).where(
        Case.kind == "complaint")) == 0


def test_a_parent_complains_for_a_child(app, db_session):
    parent = citizen(app, "kari")
    send(parent, fill_application(parent, for_whom="child", subject_nin=CHILD_NIN,
                                  subject_name="Emma Eksempel",
                                  request={"request": "child_coordinator"}))
    reference = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first().reference
    decide(db_session, reference)
    [parenthood] = db_session.scalars(sa.select(Representation))
    parenthood.status = Status.ACTIVE  # confirmed (the population register, or a caseworker)
    db_session.commit()
    complaint_reference = complain(parent, reference)
    payload = payload_of(app, db_session, complaint_case(db_session, complaint_reference))
    assert payload["applicant"]["role"] == "child"
    assert payload["subject"]["name"] == "Emma Eksempel"


# --- a decision on paper, the plan, processing time ---------------------------------------

def test_a_complaint_about_a_decision_on_paper_keeps_what_was_typed_and_is_sent(
        app, db_session):
    kari = citizen(app)
    response = post_form(kari, "/eksempel/klage/ny")
    assert response.status_code == 302
    first = response.headers["Location"]
    assert first.endswith("/vedtak")
    tomorrow = (clock.today() + timedelta(days=1)).strftime("%d.%m.%Y")
    refused = post_form(kari, first + "?lang=en", decision_date="10.11.2026",
                        received_date=tomorrow, decision_reference="2026/77",
                        decision_about="Home nursing, refused", deadline_weeks="3")
    page = refused.get_data(as_text=True)
    assert "The date cannot be after today" in page
    assert "Home nursing, refused" in page  # nothing typed is lost
    assert "2026/77" in page
    received = clock.today().strftime("%d.%m.%Y")
    check = answer_steps(kari, first, decision_date="10.11.2026", received_date=received,
                         decision_reference="2026/77", decision_about="Home nursing, refused",
                         deadline_weeks="3")
    assert send_complaint(kari, check).status_code == 302
    complaint = db_session.scalars(sa.select(Case).where(Case.kind == "complaint")).one()
    assert complaint.concerns_case_id is None
    payload = payload_of(app, db_session, complaint)
    assert payload["concerns"] == {"case_reference": None, "decision": {
        "made_in_portal": False, "date": "2026-11-10", "outcome": None, "reference": "2026/77",
        "about": "Home nursing, refused", "received_on": clock.today().isoformat(),
        "complaint_rule": "forvaltningsloven_29"}}


def test_the_plan_can_be_complained_about_once_granted_and_goes_to_the_system_coordinator(
        app, db_session):
    reference = apply_as_kari(app)
    decide(db_session, reference, outcome="granted")
    kari = citizen(app)
    page = kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert "Complain about the plan" in page
    complaint_reference = complain(kari, reference, about="plan")
    payload = payload_of(app, db_session, complaint_case(db_session, complaint_reference))
    municipality = get_by_slug(db_session, "eksempel")
    assert payload["about"] == "plan"
    assert payload["routed_to"] == municipality.plan_complaints_to[payload["language"]]
    assert payload["deadline"]["last_day"] is None  # no deadline on the plan's content
    assert case_of(db_session, reference).status == S.DECIDED  # the decision stands


def test_processing_time_can_be_complained_about_exactly_when_the_month_has_passed(
        app, db_session):
    reference = apply_as_kari(app)
    kari = citizen(app)
    offer = "Complain about the processing time"
    assert offer not in kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    assert start_on_case(kari, reference, "processing_time").status_code == 404
    found = case_of(db_session, reference)
    found.created_at = utcnow() - timedelta(days=40)
    db_session.commit()
    assert offer in kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    apply_event(db_session, found, "interim_reply", {"reason": "Waiting for the doctor.",
                                                     "expected_decision_date": "2099-01-01"})
    db_session.commit()
    assert offer not in kari.get(f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)
    waiting = case_of(db_session, apply_as_kari(app))
    waiting.created_at = utcnow() - timedelta(days=40)
    db_session.commit()
    complaint_reference = complain(kari, waiting.reference, about="processing_time")
    payload = payload_of(app, db_session, complaint_case(db_session, complaint_reference))
    assert payload["about"] == "processing_time"
    assert payload["concerns"]["decision"] is None


@pytest.mark.dates
def test_the_month_watch_covers_complaints(app, db_session):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    complaint_reference = complain(citizen(app), reference)
    complaint = complaint_case(db_session, complaint_reference)
    complaint.created_at = utcnow() - timedelta(days=32)
    db_session.commit()
    caseworker = log_in_staff(app.test_client())
    assert complaint_reference in caseworker.get(f"{QUEUE}over-en-maaned").get_data(
        as_text=True)
    page = citizen(app).get(f"/eksempel/saker/{complaint_reference}?lang=en")
    assert "Your case has taken more than a month" in page.get_data(as_text=True)


# --- the complaint's life -----------------------------------------------------------------

LIFE = [
    ({"type": "received"}, S.RECEIVED, "The municipality has received it", S.COMPLAINT_IN_PROGRESS),
    ({"type": "in_progress"}, S.IN_PROGRESS, "The municipality is looking at your complaint",
     S.COMPLAINT_IN_PROGRESS),
    ({"type": "complaint_decision", "outcome": "not_upheld", "decision_date": "2026-12-20"},
     S.DECIDED, "It sends your complaint to Statsforvalteren", S.COMPLAINT_IN_PROGRESS),
    ({"type": "sent_to_statsforvalteren", "sent_on": "2026-12-21"}, S.SENT_TO_STATSFORVALTEREN,
     "Your complaint has been sent to Statsforvalteren", S.SENT_TO_STATSFORVALTEREN),
    ({"type": "statsforvalteren_decision", "outcome": "confirmed",
      "decision_date": "2027-02-01"}, S.STATSFORVALTEREN_DECIDED,
     "Statsforvalteren agrees with the municipality", S.SENT_TO_STATSFORVALTEREN),
    ({"type": "closed"}, S.CLOSED, "The case is closed", S.DECIDED),
]


def test_the_back_office_takes_a_complaint_to_statsforvalteren_and_the_citizen_sees_each_step(
        app, db_session, token):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    kari = citizen(app)
    complaint_reference = complain(kari, reference)
    api = app.test_client()
    for body, status, words, original_status in LIFE:
        response = api_event(api, token, complaint_reference, **body)
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["case_status"] == status
        page = kari.get(f"/eksempel/saker/{complaint_reference}?lang=en").get_data(as_text=True)
        assert words in page, body
        assert case_of(db_session, reference).status == original_status, body
    case_json = api.get(f"/api/v1/cases/{reference}",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    assert case_json["complaints"] == [complaint_reference]
    assert api.get(f"/api/v1/cases/{complaint_reference}", headers={
        "Authorization": f"Bearer {token}"}).get_json()["concerns"] == reference


def test_complaint_events_on_the_application_case_are_refused_with_a_hint(
        app, db_session, token):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    response = api_event(app.test_client(), token, reference, type="sent_to_statsforvalteren",
                         sent_on="2026-12-21")
    assert response.status_code == 409
    assert "complaint's case" in response.get_json()["detail"]


def test_an_upheld_complaint_is_not_sent_on_and_a_new_decision_ends_the_complaint(
        app, db_session, token):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    complaint_reference = complain(citizen(app), reference)
    api = app.test_client()
    assert api_event(api, token, complaint_reference, type="received").status_code == 201
    assert api_event(api, token, complaint_reference, type="complaint_decision",
                     outcome="upheld", decision_date="2026-12-20").status_code == 201
    assert api_event(api, token, complaint_reference, type="sent_to_statsforvalteren",
                     sent_on="2026-12-21").status_code == 409
    assert api_event(api, token, reference, type="decision", outcome="granted",
                     decision_date="2026-12-20").status_code == 201
    assert case_of(db_session, reference).status == S.DECIDED
    assert api_event(api, token, complaint_reference, type="closed").status_code == 201


def test_a_dismissal_needs_a_reason_the_person_can_read(app, db_session, token):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    kari = citizen(app)
    complaint_reference = complain(kari, reference)
    api = app.test_client()
    assert api_event(api, token, complaint_reference, type="received").status_code == 201
    response = api_event(api, token, complaint_reference, type="complaint_decision",
                         outcome="dismissed", decision_date="2026-12-20")
    assert response.status_code == 422
    assert api_event(api, token, complaint_reference, type="complaint_decision",
                     outcome="dismissed", decision_date="2026-12-20",
                     reason="The complaint came four months late.").status_code == 201
    page = kari.get(f"/eksempel/saker/{complaint_reference}?lang=en").get_data(as_text=True)
    assert "The complaint came four months late." in page


def test_the_caseworker_pages_work_a_complaint_to_statsforvalteren(app, db_session):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    complaint_reference = complain(citizen(app), reference)
    caseworker = log_in_staff(app.test_client())
    page = caseworker.get(f"{QUEUE}{complaint_reference}?lang=en").get_data(as_text=True)
    assert f'href="{QUEUE}{reference}"' in page  # what it is about, one click away
    for event_type, data in (("in_progress", {}),
                             ("complaint_decision", {"complaint_outcome": "partly_upheld",
                                                     "complaint_decision_date": "20.12.2026"}),
                             ("sent_to_statsforvalteren", {"sent_on": "21.12.2026"}),
                             ("statsforvalteren_decision", {"statsforvalteren_outcome": "quashed",
                                                            "statsforvalteren_date":
                                                                "01.02.2027"})):
        response = post_event(caseworker, complaint_reference, event_type, **data)
        assert response.status_code == 302, (event_type, response.get_data(as_text=True)[:600])
    assert case_of(db_session, complaint_reference).status == S.STATSFORVALTEREN_DECIDED
    original = caseworker.get(f"{QUEUE}{reference}?lang=en").get_data(as_text=True)
    assert complaint_reference in original


def test_the_citizen_withdraws_a_complaint_and_the_decision_stands(app, db_session):
    reference = apply_as_kari(app)
    decide(db_session, reference)
    kari = citizen(app)
    complaint_reference = complain(kari, reference)
    url = f"/eksempel/saker/{complaint_reference}/trekk"
    page = kari.get(url + "?lang=en").get_data(as_text=True)
    assert "Withdraw the complaint" in page
    assert kari.post(url, data={"csrf_token": csrf_token(page), "reason": ""}).status_code == 302
    assert case_of(db_session, complaint_reference).status == S.WITHDRAWN
    assert case_of(db_session, reference).status == S.DECIDED
    assert "Complain about the decision" in kari.get(
        f"/eksempel/saker/{reference}?lang=en").get_data(as_text=True)


def test_the_receipt_pdf_of_a_complaint_lists_what_it_is_about(app, db_session):
    from portal.applications.receipts import receipt_pdf
    from portal.queue.tasks import run_due_tasks
    from tests.support.pdf import pdf_text

    reference = apply_as_kari(app)
    decide(db_session, reference)
    complaint = complaint_case(db_session, complain(citizen(app), reference))
    run_due_tasks(app)
    submission = db_session.scalar(sa.select(Submission).where(
        Submission.case_id == complaint.id))
    with app.app_context():
        text = pdf_text(receipt_pdf(db_session, submission.id))
    assert complaint.reference in text
    assert reference in text
    assert "Give me a coordinator." in text


def test_a_complaint_may_be_about_a_decision_received_on_a_date(app, db_session):
    """The deadline of a paper decision is counted from when the person got it."""
    received = date(2026, 11, 3)  # + 3 weeks: 24 November; + 4 weeks: 1 December
    with time_machine.travel(datetime(2026, 12, 1, 12, tzinfo=UTC), tick=False):
        kari = citizen(app)
        first = post_form(kari, "/eksempel/klage/ny").headers["Location"]
        check = answer_steps(kari, first, decision_date="30.10.2026",
                             received_date=received.strftime("%d.%m.%Y"),
                             decision_reference="", decision_about="Coordinator, refused",
                             deadline_weeks="unknown", late_reason="Ill.")
        assert check.endswith("/sjekk")
        # Counted as four weeks when the person does not know: 1 December, in time.
        assert "Last day to complain" in kari.get(check + "?lang=en").get_data(as_text=True)
        assert "after the deadline" not in kari.get(check + "?lang=en").get_data(as_text=True)
