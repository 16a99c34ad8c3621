"""The service desk (Innbyggertorg): a visit for a person who is present, assisted
submissions through the citizen's own forms (channel desk, exactly once), the receipt with the
tracking code, look-ups with a recorded reason, and who may use the desk."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.applications.payloads import validate_payload
from portal.audit.models import AuditEvent
from portal.cases.models import Case, Submission
from portal.cases.service import apply_event
from portal.cases.submissions import submission_payload
from portal.clock import utcnow
from portal.desk.models import DeskVisit
from portal.identity.nin import NinKind, generate_valid_nin
from portal.notifications.mail import stored_mails
from portal.notifications.sms import stored_sms
from portal.queue.models import OutboxMessage
from portal.queue.tasks import run_due_tasks
from portal.representation.models import Evidence, Representation, Status
from tests.support.apply import GOALS_TEXT, KARI_NIN
from tests.support.complaints import answer_steps, send_complaint
from tests.support.desk import (
    DESK_HOME,
    apply_at_desk,
    desk_client,
    fill_at_desk,
    post_on,
    reference_and_code,
    start_visit,
)
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid, post_form

PER_NIN = generate_valid_nin(date(1955, 6, 1), kind=NinKind.SYNTHETIC)  # no BankID


def submissions(db_session) -> list[Submission]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Submission).order_by(Submission.id)))


def audit(db_session, prefix: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)))


def test_a_visit_starts_only_with_an_identity_check_and_is_audit_logged(app, db_session):
    desk = desk_client(app)
    refused = post_form(desk, DESK_HOME + "ny?lang=en", nin="12345678901", name="Per Uten Bankid",
                        id_check="", language="nb")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'id="nin-error"' in page
    assert 'id="id_check-error"' in page
    assert "Per Uten Bankid" in page  # what was typed is kept
    visit = start_visit(desk, PER_NIN)
    assert "Per Uten Bankid" in desk.get(visit).get_data(as_text=True)
    [started] = audit(db_session, "desk.visit_started")
    assert started.reason.endswith(": passport")
    assert started.actor_staff_user_id is not None
    assert PER_NIN not in visit  # the number never travels in a URL


def test_a_desk_application_is_the_persons_own_sent_once_with_channel_desk(app, db_session):
    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    receipt_url = apply_at_desk(desk, visit)
    [submission] = submissions(db_session)
    person = db_session.get(DeskVisit, submission.desk_visit_id).person
    assert (submission.channel, submission.submitted_by_person_id) == ("desk", person.id)
    assert submission.submitted_by_staff_user_id is not None
    payload = submission_payload(app.extensions["portal.keys"], submission)
    validate_payload(payload)
    assert payload["channel"] == "desk"
    assert payload["applicant"]["national_id"] == PER_NIN
    messages = db_session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.submission_id == submission.id)).all()
    assert len(messages) == 1
    visit_page = desk.get(visit).get_data(as_text=True)
    assert receipt_url in visit_page  # «sent in this visit»


def test_a_repeated_post_of_the_check_page_gives_one_submission(app, db_session):
    desk = desk_client(app)
    check = fill_at_desk(desk, start_visit(desk, PER_NIN))
    token = csrf_token(desk.get(check).get_data(as_text=True))
    for _ in range(3):
        desk.post(check, data={"csrf_token": token})
    assert len(submissions(db_session)) == 1
    assert db_session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 1


def test_the_receipt_is_in_the_persons_language_and_its_code_opens_the_status_page(
        app, db_session):
    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN, language="nn")
    page = desk.get(apply_at_desk(desk, visit) + "?lang=en").get_data(as_text=True)
    assert 'lang="nn"' in page
    assert "Sporingskode" in page
    reference, code = reference_and_code(page)
    anonymous = app.test_client()
    status = post_form(anonymous, "/eksempel/status?lang=en", reference=reference,
                       tracking_code=code)
    assert "Sent" in status.get_data(as_text=True)
    assert reference in status.get_data(as_text=True)


def test_the_receipt_goes_by_e_mail_and_sms_with_the_code_and_no_identity_number(
        app_factory, db_session, tmp_path):
    app = app_factory(MAIL_BACKEND="file", MAIL_DIRECTORY=str(tmp_path / "mail"),
                      SMS_BACKEND="file", SMS_DIRECTORY=str(tmp_path / "sms"))
    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    receipt = apply_at_desk(desk, visit)
    reference, code = reference_and_code(desk.get(receipt).get_data(as_text=True))
    sent = post_form(desk, receipt, email="per@example.no", phone="912 34 567")
    assert sent.status_code == 302
    run_due_tasks(app)
    with app.app_context():
        [sms] = stored_sms()
        mails = [mail for mail in stored_mails() if mail.to == "per@example.no"]
    texts = [sms.text, *(mail.body for mail in mails)]
    assert len(texts) >= 2
    for text in texts:
        assert reference in text
        assert code in text
        assert PER_NIN not in text
        assert "/eksempel/status" in text


def test_a_complaint_a_reply_and_a_paper_fullmakt_at_the_desk(app, db_session):
    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    apply_at_desk(desk, visit)
    case = db_session.scalars(sa.select(Case)).one()
    apply_event(db_session, case, "in_progress", {})
    apply_event(db_session, case, "information_requested",
                {"text": "Send the letter from the doctor.", "answer_by": "2030-01-01"})
    db_session.commit()
    # The reply: on the person's own answer page, filled in at the desk.
    reply_url = f"{visit}svar/{case.reference}"
    page = desk.get(reply_url).get_data(as_text=True)
    assert "Send the letter from the doctor." in page
    response = desk.post(reply_url, data={"csrf_token": csrf_token(page), "action": "send",
                                          "text": "The letter comes by post."})
    assert response.status_code == 302
    [_, reply] = submissions(db_session)
    assert (reply.kind, reply.channel) == ("reply", "desk")
    # The decision, and a complaint about it.
    apply_event(db_session, case, "decision", {"outcome": "refused",
                                               "decision_date": "2026-12-01"})
    db_session.commit()
    started = post_on(desk, visit, visit + "klage", reference=case.reference)
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    check = answer_steps(desk, started.headers["Location"])
    assert send_complaint(desk, check).status_code == 302
    complaint = submissions(db_session)[-1]
    assert (complaint.kind, complaint.channel) == ("complaint", "desk")
    # A paper fullmakt from Per to Kari, the signed original seen at the desk.
    page = desk.get(visit + "fullmakt").get_data(as_text=True)
    request_id = re.search(r'name="request_id" type="hidden" value="([0-9a-f]+)"', page).group(1)
    data = {"csrf_token": csrf_token(page), "here_is": "principal", "other_nin": KARI_NIN,
            "other_name": "Kari Eksempel", "basis": "fullmakt", "scopes": ["follow", "complain"],
            "valid_to": "", "seen_original": "y", "request_id": request_id}
    assert desk.post(visit + "fullmakt", data=data).status_code == 302
    assert desk.post(visit + "fullmakt", data=data).status_code == 302  # resent: the same one
    [fullmakt] = db_session.scalars(sa.select(Representation))
    assert (fullmakt.status, fullmakt.evidence) == (Status.ACTIVE, Evidence.DESK)
    assert submissions(db_session)[-1].channel == "desk"
    assert len([s for s in submissions(db_session) if s.kind == "power_of_attorney"]) == 1


def test_a_consent_given_on_the_spot_at_the_desk(app, db_session):
    from portal.consents.models import Consent
    from tests.support.consents import give

    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    sent = give(desk, plan=True, url=visit + "samtykke")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:500]
    assert "/kvittering/" in sent.headers["Location"]  # the desk's receipt for the person
    [consent] = db_session.scalars(sa.select(Consent))
    assert consent.channel == "desk"
    assert consent.desk_visit_id  # which visit
    submission = submissions(db_session)[-1]
    assert (submission.kind, submission.channel) == ("consent", "desk")
    assert submission.desk_visit_id is not None
    assert desk.get(sent.headers["Location"]).status_code == 200


def test_a_look_up_by_identity_number_needs_a_reason_shows_coarse_status_and_is_logged(
        app, db_session):
    citizen = app.test_client()
    log_in_with_testid(citizen, "kari")
    from tests.support.apply import fill_application, send

    send(citizen, fill_application(citizen))
    reference = db_session.scalars(sa.select(Case)).one().reference
    desk = desk_client(app)
    page = desk.get(DESK_HOME + "oppslag?lang=en").get_data(as_text=True)
    token_nin = re.search(r'name="nin-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    refused = desk.post(DESK_HOME + "oppslag?lang=en", data={
        "action": "nin", "nin-csrf_token": token_nin, "nin-nin": KARI_NIN, "nin-reason": ""})
    assert 'id="nin-reason-error"' in refused.get_data(as_text=True)
    found = desk.post(DESK_HOME + "oppslag?lang=en", data={
        "action": "nin", "nin-csrf_token": token_nin, "nin-nin": KARI_NIN,
        "nin-reason": "Kari asks at the desk how her case is going."})
    page = found.get_data(as_text=True)
    assert reference in page
    assert GOALS_TEXT not in page  # no answers, only the status
    [looked_up] = [row for row in audit(db_session, "desk.lookup")
                   if row.target == f"case:{reference}"]
    assert looked_up.reason == "identity number: Kari asks at the desk how her case is going."


def test_the_person_later_sees_the_desk_submissions_and_every_desk_action(app, db_session):
    desk = desk_client(app)
    apply_at_desk(desk, start_visit(desk, PER_NIN))
    reference = db_session.scalars(sa.select(Case).where(Case.kind == "ip_application")).one(
        ).reference
    desk.get(start_visit(desk, PER_NIN))  # a second visit lists the person's cases
    page = desk.get(DESK_HOME + "oppslag").get_data(as_text=True)
    token = re.search(r'name="nin-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    desk.post(DESK_HOME + "oppslag", data={"action": "nin", "nin-csrf_token": token,
                                           "nin-nin": PER_NIN,
                                           "nin-reason": "Per asked on the phone first."})
    # Later, Per logs in with ID-porten (TestID here).
    per = app.test_client()
    log_in_with_testid(per, "other", nin=PER_NIN, name="Per Uten Bankid")
    my_cases = per.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    assert reference in my_cases
    assert "Your visits at the service desk" in my_cases
    assert my_cases.count("Dina Skranke") == 2  # two visits
    looked = per.get(f"/eksempel/saker/{reference}/hvem-har-sett?lang=en").get_data(
        as_text=True)
    for shown in ("Sent it for you at the service desk", "Saw the status at the service desk",
                  "Looked up the status at the service desk", "Per asked on the phone first.",
                  "Dina Skranke"):
        assert shown in looked, shown


# --- who may use the desk ---------------------------------------------------------------

def test_only_desk_staff_of_the_municipality_use_the_desk(app, db_session):
    from portal.identity import staff as accounts
    from portal.identity.models import StaffRole
    from portal.municipalities.service import import_municipality
    from tests.integration.factories import municipality_data

    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    testby = import_municipality(db_session, municipality_data())
    accounts.create_staff(db_session, municipality_id=testby.id, email="desk@testby.example",
                          name="Tove Testby", role=StaffRole.DESK,
                          password="testby-desk-password-1")
    db_session.commit()
    other_desk = log_in_staff(app.test_client(), "desk@testby.example",
                              "/testby/ansatt/logg-inn", "testby-desk-password-1")
    caseworker = log_in_staff(app.test_client())
    citizen = app.test_client()
    log_in_with_testid(citizen, "kari")
    anonymous = app.test_client()
    for url in (DESK_HOME, DESK_HOME + "ny", DESK_HOME + "oppslag", visit):
        assert other_desk.get(url).status_code == 403, url
        assert caseworker.get(url).status_code == 403, url
        assert citizen.get(url).status_code == 403, url
        assert anonymous.get(url).status_code == 302, url


def test_desk_staff_cannot_read_answers_or_attachments_of_a_case(app, db_session):
    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    apply_at_desk(desk, visit)
    case = db_session.scalars(sa.select(Case)).one()
    for url in (f"/eksempel/ansatt/saker/{case.reference}",
                f"/eksempel/ansatt/saker/{case.reference}/kvittering.pdf",
                f"/eksempel/ansatt/saker/{case.reference}/vedlegg/1",
                f"/api/v1/cases/{case.reference}"):
        assert desk.get(url).status_code in (401, 403), url
    page = desk.get(visit + "?lang=en").get_data(as_text=True)
    assert GOALS_TEXT not in page


def test_an_ended_visit_and_a_visit_of_an_ended_login_cannot_be_used(app, db_session):
    desk = desk_client(app)
    visit = start_visit(desk, PER_NIN)
    assert post_on(desk, visit, visit + "avslutt").status_code == 302
    assert desk.get(visit).status_code == 404
    assert post_on(desk, DESK_HOME, visit + "ny/ip_application").status_code in (400, 404)
    second = start_visit(desk, PER_NIN)
    assert post_on(desk, DESK_HOME, "/eksempel/logg-ut").status_code == 302
    log_in_staff(desk, "desk@eksempel.example")
    assert desk.get(second).status_code == 404  # started in a login that has ended
    third = start_visit(desk, PER_NIN)
    visit = db_session.scalars(sa.select(DeskVisit).order_by(DeskVisit.id.desc())).first()
    visit.expires_at = utcnow() - timedelta(seconds=1)  # its two hours are over
    db_session.commit()
    assert desk.get(third).status_code == 404


@pytest.mark.parametrize("closed", [True, False])
def test_closing_digital_submission_stops_the_citizen_but_not_the_desk(
        app, db_session, runner, closed):
    if closed:
        result = runner.invoke(args=["portal", "digital-submission", "--municipality", "eksempel",
                                     "--close", "--message-nb", "Stengt i dag.",
                                     "--message-nn", "Stengt i dag.",
                                     "--message-en", "Closed today."])
        assert result.exit_code == 0, result.output
    citizen = app.test_client()
    log_in_with_testid(citizen, "kari")
    intro = citizen.get("/eksempel/soknad?lang=en").get_data(as_text=True)
    assert ("Closed today." in intro) is closed
    started = post_form(citizen, "/eksempel/ny/ip_application")
    assert started.status_code == (409 if closed else 302)
    desk = desk_client(app)
    apply_at_desk(desk, start_visit(desk, PER_NIN))
    assert len([s for s in submissions(db_session) if s.channel == "desk"]) == 1
