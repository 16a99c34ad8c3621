"""The caseworker pages: queue, case page, actions, the § 11 a list, and dead letters for admins."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.applications.receipts import store_receipt
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.service import apply_event
from portal.cases.submissions import submission_payload
from portal.clock import today as today_in_norway
from portal.clock import utcnow
from portal.documents.attachments import store_attachment
from portal.documents.scanning import NoScanner
from portal.identity import staff as accounts
from portal.identity.crypto import data_keys
from portal.identity.models import StaffRole, StaffUser
from portal.municipalities.service import import_municipality
from portal.queue.models import OutboxMessage
from tests.integration.factories import municipality_data
from tests.support.apply import fill_application, send
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid

QUEUE = "/eksempel/ansatt/saker/"
OVERDUE = "/eksempel/ansatt/saker/over-en-maaned"
DEAD_LETTERS = "/eksempel/ansatt/admin/meldinger-som-stoppet/"
STAFF_LOGIN = "/eksempel/ansatt/logg-inn"
CASEWORKER = "saksbehandler@eksempel.example"
DESK = "desk@eksempel.example"
ADMIN = "admin@eksempel.example"
GOALS = "Walk to the shop on my own by summer."
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def case_url(reference: str, rest: str = "") -> str:
    return f"{QUEUE}{reference}{rest}"


def event_url(reference: str, event_type: str) -> str:
    return case_url(reference, f"/hendelse/{event_type}")


def apply_as_kari(app) -> str:
    """Kari applies for herself through the citizen pages; the case's reference."""
    citizen = app.test_client()
    log_in_with_testid(citizen, "kari")
    sent = send(citizen, fill_application(citizen))
    assert sent.status_code == 302
    receipt = citizen.get(sent.headers["Location"]).get_data(as_text=True)
    return re.search(r"IP-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", receipt).group(0)


def case_of(db_session, reference: str) -> Case:
    db_session.expire_all()
    return db_session.scalar(sa.select(Case).where(Case.reference == reference))


def staff_id(db_session, email: str = CASEWORKER) -> int:
    return db_session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email))


def audit(db_session, action: str, reference: str) -> list[AuditEvent]:
    return list(db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.target == f"case:{reference}")))


def post_event(client, reference: str, event_type: str, query: str = "", **data):
    page = client.get(case_url(reference)).get_data(as_text=True)
    return client.post(event_url(reference, event_type) + query,
                       data={"csrf_token": csrf_token(page), **data})


def error_of(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field_id}"
    return re.sub(r"<[^>]+>", "", match.group(1))


def in_days(days: int) -> str:
    return (today_in_norway() + timedelta(days=days)).strftime("%d.%m.%Y")


@pytest.fixture
def reference(app) -> str:
    return apply_as_kari(app)


@pytest.fixture
def caseworker(client):
    return log_in_staff(client)


# --- the queue and the case page -------------------------------------------------------------

def test_the_queue_shows_a_page_at_a_time_oldest_first(app, caseworker, monkeypatch):
    from portal.backoffice import worklist

    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    first, second, third = (apply_as_kari(app) for _ in range(3))
    page = caseworker.get(f"{QUEUE}?lang=en").get_data(as_text=True)
    new_cases = page.split('id="cases"')[1].split("</table>")[0]
    assert first in new_cases
    assert second in new_cases
    assert third not in new_cases
    assert "Showing 2 of 3." in page
    assert "Back to the first page" not in page  # on the first page there is no way back
    next_page = re.search(r'href="([^"]*etter=\d+[^"]*)"', page).group(1).replace("&amp;", "&")
    page = caseworker.get(next_page).get_data(as_text=True)
    new_cases = page.split('id="cases"')[1].split("</table>")[0]
    assert third in new_cases
    assert first not in new_cases
    assert second not in new_cases
    assert "Back to the first page" in page


def test_the_queue_lists_a_new_application(caseworker, reference):
    page = caseworker.get(f"{QUEUE}?lang=en").get_data(as_text=True)
    new_cases = page.split('id="cases"')[1].split("</table>")[0]
    assert f'href="{case_url(reference)}"' in new_cases
    assert "<td>New</td>" in new_cases


def test_the_case_page_shows_the_answers_and_who_it_is_about(app, caseworker, reference,
                                                             db_session):
    found = case_of(db_session, reference)
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == found.id))
    with app.app_context():
        nin = submission_payload(data_keys(), submission)["subject"]["national_id"]
    page = caseworker.get(case_url(reference) + "?lang=en").get_data(as_text=True)
    assert GOALS in page
    assert f"national identity number {nin[:6]}*****" in page
    assert nin not in page
    assert "Application for an individual plan and/or a coordinator" in page
    assert "Sent to the municipality" in page  # the timeline
    assert 'id="case-status">New<' in page


def test_every_read_of_a_case_page_is_audit_logged(caseworker, reference, db_session):
    caseworker.get(case_url(reference))
    caseworker.get(case_url(reference))
    reads = audit(db_session, "case.read", reference)
    assert len(reads) == 2
    found = case_of(db_session, reference)
    assert {(r.actor_staff_user_id, r.subject_person_id, r.municipality_id) for r in reads} == {
        (staff_id(db_session), found.subject_person_id, found.municipality_id)}


def test_a_reference_that_does_not_exist_gives_404(caseworker):
    assert caseworker.get(case_url("IP-2026-AAAA-AA")).status_code == 404


# --- actions ---------------------------------------------------------------------------------

def test_a_caseworker_takes_a_case_through_to_a_decision(caseworker, reference, db_session):
    steps = [
        ("received", {}, CaseStatus.RECEIVED),
        ("in_progress", {}, CaseStatus.IN_PROGRESS),
        ("information_requested", {"request_text": "Send us the latest plan from school.",
                                   "answer_by": in_days(14)}, CaseStatus.AWAITING_INFO),
        ("in_progress", {}, CaseStatus.IN_PROGRESS),
        ("coordinator_assigned", {"coordinator_name": "Per Koordinator",
                                  "coordinator_unit": "Home nursing",
                                  "coordinator_phone": "", "coordinator_email": ""},
         CaseStatus.IN_PROGRESS),
        ("decision", {"outcome": "granted", "decision_date": in_days(0),
                      "complaint_deadline": in_days(21)}, CaseStatus.DECIDED),
        ("message", {"message_text": "Your coordinator will call you."}, CaseStatus.DECIDED),
        ("closed", {}, CaseStatus.CLOSED),
    ]
    for event_type, data, status in steps:
        response = post_event(caseworker, reference, event_type, **data)
        assert response.status_code == 302, (event_type, response.get_data(as_text=True)[:800])
        assert response.headers["Location"] == f"{case_url(reference)}?done={event_type}"
        assert case_of(db_session, reference).status == status
    events = case_of(db_session, reference).events
    assert [e.type for e in events][1:] == [step[0] for step in steps]
    assert events[3].data == {"text": "Send us the latest plan from school.",
                              "answer_by": (today_in_norway() + timedelta(days=14)).isoformat()}
    assert all(e.actor_staff_user_id == staff_id(db_session) for e in events[1:])
    assert len(audit(db_session, "case.decision", reference)) == 1


def test_after_an_action_the_page_says_what_happened_and_shows_the_timeline(caseworker,
                                                                            reference):
    post_event(caseworker, reference, "in_progress")
    post_event(caseworker, reference, "information_requested",
               request_text="Send us the latest plan from school.", answer_by="31.12.2099")
    page = caseworker.get(f"{case_url(reference)}?done=information_requested&lang=en")
    text = page.get_data(as_text=True)
    assert "The request for information is sent." in text
    assert "Asked for more information" in text
    assert "31 December 2099" in text
    assert 'id="case-status">Waiting for information<' in text


def test_the_page_offers_only_the_actions_the_status_allows(caseworker, reference):
    page = caseworker.get(case_url(reference)).get_data(as_text=True)
    offered = set(re.findall(r'/hendelse/(\w+)"', page))
    assert offered == {"received", "in_progress", "interim_reply", "coordinator_assigned",
                       "message"}


def test_an_impossible_action_gets_409_and_a_clear_message(caseworker, reference, db_session):
    response = post_event(caseworker, reference, "closed")
    assert response.status_code == 409
    page = caseworker.post(event_url(reference, "decision") + "?lang=en", data={
        "csrf_token": csrf_token(caseworker.get(case_url(reference)).get_data(as_text=True)),
        "outcome": "granted", "decision_date": in_days(0), "complaint_deadline": in_days(21)})
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert "This cannot be done now" in text
    assert "The case is: New." in text
    assert f'href="/eksempel/ansatt/saker/{reference}"' in text
    assert case_of(db_session, reference).status == CaseStatus.SUBMITTED


def test_a_wrong_date_is_shown_next_to_the_field_and_the_typed_text_is_kept(
    caseworker, reference, db_session
):
    post_event(caseworker, reference, "in_progress")
    response = post_event(caseworker, reference, "information_requested", "?lang=en",
                          request_text="Send us the plan.", answer_by="31.02.2099")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert error_of(page, "answer_by") == "Error: Write the date as day.month.year, like 31.12.2026"
    assert "<title>Error:" in page
    assert 'href="#answer_by"' in page  # the error summary links to the field
    assert "Send us the plan.</textarea>" in page
    assert 'value="31.02.2099"' in page
    assert '<details class="ds-details" id="action-information_requested" open>' in page
    assert case_of(db_session, reference).status == CaseStatus.IN_PROGRESS


@pytest.mark.parametrize(("field", "value", "message"), [
    ("answer_by", "", "Enter the date the applicant must answer by"),
    ("answer_by", "01.01.2020", "The date must be today or later"),
    ("request_text", "", "Write what information you need"),
])
def test_missing_or_past_answers_to_a_request_are_refused(caseworker, reference, field, value,
                                                          message):
    post_event(caseworker, reference, "in_progress")
    data = {"request_text": "Send us the plan.", "answer_by": in_days(7), field: value}
    page = post_event(caseworker, reference, "information_requested", "?lang=en", **data)
    assert error_of(page.get_data(as_text=True), field) == f"Error: {message}"


def test_a_complaint_deadline_before_the_decision_is_refused(caseworker, reference):
    post_event(caseworker, reference, "in_progress")
    page = post_event(caseworker, reference, "decision", "?lang=en", outcome="refused",
                      decision_date=in_days(0), complaint_deadline=in_days(-1))
    assert error_of(page.get_data(as_text=True), "complaint_deadline") == (
        "Error: The complaint deadline must be after the date of the decision")


def test_a_coordinator_needs_a_name_and_unit_and_checked_contact_details(caseworker,
                                                                         reference):
    page = post_event(caseworker, reference, "coordinator_assigned", "?lang=en",
                      coordinator_name="", coordinator_unit="Home nursing",
                      coordinator_phone="12", coordinator_email="not an address")
    text = page.get_data(as_text=True)
    assert error_of(text, "coordinator_name") == "Error: Enter the coordinator's name"
    assert error_of(text, "coordinator_phone") == (
        "Error: Enter a phone number with 8 digits, like 912 34 567")
    assert error_of(text, "coordinator_email") == (
        "Error: Enter an e-mail address in the right format, like name@example.no")


def test_the_address_of_an_action_shows_the_case_page_with_that_form_open(caseworker,
                                                                           reference):
    # Where a form sent after a session timeout comes back after logging in again.
    response = caseworker.get(event_url(reference, "interim_reply"))
    assert response.status_code == 200
    assert '<details class="ds-details" id="action-interim_reply" open>' in response.get_data(
        as_text=True)


def test_an_unknown_action_gives_404(caseworker, reference):
    assert post_event(caseworker, reference, "delete_everything").status_code == 404


def test_an_action_without_a_csrf_token_is_refused(caseworker, reference, db_session):
    assert caseworker.post(event_url(reference, "in_progress")).status_code == 400
    assert case_of(db_session, reference).status == CaseStatus.SUBMITTED


# --- receipt and attachments -----------------------------------------------------------------

def test_the_receipt_pdf_can_be_downloaded_and_the_read_is_logged(app, caseworker, reference,
                                                                  db_session):
    page = caseworker.get(case_url(reference) + "?lang=en").get_data(as_text=True)
    assert "The receipt (PDF) is not made yet." in page
    assert caseworker.get(case_url(reference, "/kvittering.pdf")).status_code == 404
    found = case_of(db_session, reference)
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == found.id))
    with app.app_context():
        store_receipt(db_session, submission.id, b"%PDF-1.7 receipt")
    db_session.commit()
    response = caseworker.get(case_url(reference, "/kvittering.pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == b"%PDF-1.7 receipt"
    assert response.headers["Content-Disposition"] == f"attachment; filename={reference}.pdf"
    assert len(audit(db_session, "receipt.read", reference)) == 1


def attach(app, db_session, reference: str, data: bytes = PNG, name: str = "scan.png") -> int:
    found = case_of(db_session, reference)
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == found.id))
    with app.app_context():
        stored = store_attachment(db_session, data_keys(), scanner=NoScanner(),
                                  municipality_id=found.municipality_id,
                                  data=data, filename=name)
    stored.submission_id = submission.id
    db_session.commit()
    return stored.id


def test_an_attachment_is_downloaded_with_its_type_and_the_read_is_logged(
    app, caseworker, reference, db_session
):
    attachment_id = attach(app, db_session, reference, name="Skolerapport.png")
    page = caseworker.get(case_url(reference)).get_data(as_text=True)
    link = case_url(reference, f"/vedlegg/{attachment_id}")
    assert f'href="{link}">Skolerapport.png</a>' in page
    response = caseworker.get(link)
    assert response.status_code == 200
    assert response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == "attachment; filename=Skolerapport.png"
    [read] = audit(db_session, "attachment.read", reference)
    assert read.reason == f"attachment {attachment_id}"
    assert read.actor_staff_user_id == staff_id(db_session)


def test_an_attachment_of_another_case_is_not_found_through_this_case(app, caseworker,
                                                                       reference, db_session):
    other = apply_as_kari(app)
    attachment_id = attach(app, db_session, other)
    assert caseworker.get(case_url(reference, f"/vedlegg/{attachment_id}")).status_code == 404
    assert caseworker.get(case_url(other, f"/vedlegg/{attachment_id}")).status_code == 200


# --- who may use the pages -------------------------------------------------------------------

def pages_of(reference: str) -> list[str]:
    return [QUEUE, OVERDUE, case_url(reference), case_url(reference, "/kvittering.pdf"),
            event_url(reference, "in_progress")]


def test_desk_staff_get_403(client, reference):
    log_in_staff(client, DESK)
    for url in pages_of(reference):
        assert client.get(url).status_code == 403, url
    assert post_event_as_desk(client, reference).status_code == 403


def post_event_as_desk(client, reference: str):
    token = csrf_token(client.get("/eksempel/ansatt/").get_data(as_text=True))
    return client.post(event_url(reference, "in_progress"), data={"csrf_token": token})


def test_admins_may_use_the_caseworker_pages(client, reference):
    log_in_staff(client, ADMIN)
    assert client.get(case_url(reference)).status_code == 200


def test_a_citizen_gets_403(client, reference):
    log_in_with_testid(client, "kari")
    for url in pages_of(reference):
        assert client.get(url).status_code == 403, url


def test_someone_not_logged_in_is_sent_to_the_staff_login(client, reference):
    response = client.get(case_url(reference))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{STAFF_LOGIN}?next=")


def test_staff_of_another_municipality_cannot_see_the_case(app, db_session, reference):
    testby = import_municipality(db_session, municipality_data())
    accounts.create_staff(db_session, municipality_id=testby.id, email="sak@testby.example",
                          name="Tor Testby", role=StaffRole.CASEWORKER,
                          password="testby-caseworker-password")
    db_session.commit()
    other = log_in_staff(app.test_client(), "sak@testby.example", "/testby/ansatt/logg-inn",
                         "testby-caseworker-password")
    assert other.get(case_url(reference)).status_code == 403
    assert other.get(f"/testby/ansatt/saker/{reference}").status_code == 404
    page = other.get("/testby/ansatt/saker/").get_data(as_text=True)
    assert reference not in page
    assert not audit(db_session, "case.read", reference)


# --- forvaltningsloven § 11 a ----------------------------------------------------------------

def age(db_session, reference: str, days: int) -> Case:
    found = case_of(db_session, reference)
    found.created_at = utcnow() - timedelta(days=days)
    db_session.commit()
    return found


@pytest.mark.dates
def test_the_month_list_has_old_cases_without_an_interim_reply(app, caseworker, db_session):
    waiting, answered, decided, recent = (apply_as_kari(app) for _ in range(4))
    for reference in (waiting, answered, decided):
        age(db_session, reference, 40)
    age(db_session, recent, 20)
    apply_event(db_session, case_of(db_session, answered), "interim_reply",
                {"reason": "Waiting for the school.", "expected_decision_date": "2099-01-31"})
    found = case_of(db_session, decided)
    apply_event(db_session, found, "in_progress", {})
    apply_event(db_session, found, "decision", {"outcome": "granted",
                                                "decision_date": "2026-01-05",
                                                "complaint_deadline": "2026-01-26"})
    db_session.commit()
    page = caseworker.get(OVERDUE).get_data(as_text=True)
    assert waiting in page
    for reference in (answered, decided, recent):
        assert reference not in page
    queue = caseworker.get(f"{QUEUE}?lang=en").get_data(as_text=True)
    assert "without a decision or an interim reply: 1." in queue


@pytest.mark.dates
def test_an_interim_reply_from_the_case_page_takes_a_case_off_the_month_list(
    caseworker, reference, db_session
):
    age(db_session, reference, 35)
    assert reference in caseworker.get(OVERDUE).get_data(as_text=True)
    response = post_event(caseworker, reference, "interim_reply",
                          reason="We are waiting for the school.",
                          expected_decision_date=in_days(30))
    assert response.status_code == 302
    assert reference not in caseworker.get(OVERDUE).get_data(as_text=True)


# --- dead letters ----------------------------------------------------------------------------

def stop_message(db_session, reference: str) -> OutboxMessage:
    found = case_of(db_session, reference)
    message = db_session.scalar(sa.select(OutboxMessage).where(OutboxMessage.case_id == found.id))
    message.deliveries = 5
    message.dead_lettered_at = utcnow()
    message.last_error = "too many deliveries"
    db_session.commit()
    return message


def test_an_admin_sees_a_dead_letter_and_sends_it_again(client, reference, db_session):
    message = stop_message(db_session, reference)
    log_in_staff(client, ADMIN)
    page = client.get(f"{DEAD_LETTERS}?lang=en").get_data(as_text=True)
    assert reference in page
    assert "took the message too many times without confirming that it got it" in page
    response = client.post(f"{DEAD_LETTERS}{message.id}/send-igjen",
                           data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{DEAD_LETTERS}?sendt={reference}"
    db_session.expire_all()
    message = db_session.get(OutboxMessage, message.id)
    assert (message.dead_lettered_at, message.deliveries) == (None, 0)
    [requeued] = audit(db_session, "queue.requeued", reference)
    assert requeued.actor_staff_user_id == staff_id(db_session, ADMIN)
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert f"The message about case {reference} is back in the queue." in page
    assert "No messages have stopped." in page


def test_the_reason_a_message_stopped_is_in_the_page_s_language(client, reference,
                                                                db_session):
    stop_message(db_session, reference)
    log_in_staff(client, ADMIN)
    page = client.get(f"{DEAD_LETTERS}?lang=nb").get_data(as_text=True)
    assert "too many deliveries" not in page
    assert "Saksbehandlingssystemet hentet meldingen for mange ganger" in page


def test_only_admins_see_dead_letters(caseworker, reference, db_session):
    message = stop_message(db_session, reference)
    assert caseworker.get(DEAD_LETTERS).status_code == 403
    token = csrf_token(caseworker.get(QUEUE).get_data(as_text=True))
    response = caseworker.post(f"{DEAD_LETTERS}{message.id}/send-igjen",
                               data={"csrf_token": token})
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(OutboxMessage, message.id).dead_lettered_at is not None


def test_a_message_that_is_not_stopped_cannot_be_sent_again(client, reference, db_session):
    found = case_of(db_session, reference)
    message = db_session.scalar(sa.select(OutboxMessage).where(OutboxMessage.case_id == found.id))
    log_in_staff(client, ADMIN)
    token = csrf_token(client.get(DEAD_LETTERS).get_data(as_text=True))
    response = client.post(f"{DEAD_LETTERS}{message.id}/send-igjen", data={"csrf_token": token})
    assert response.status_code == 404
