"""Applying online: steps, drafts, one transaction, exactly one submission, receipt."""

from __future__ import annotations

import sqlalchemy as sa

from portal.applications.payloads import validate_payload
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent, Submission
from portal.cases.submissions import submission_payload
from portal.drafts.models import Draft
from portal.identity.crypto import data_keys
from portal.queue.models import OutboxMessage, Task
from tests.support.apply import (
    ADULT_NIN,
    CHILD_NIN,
    YOUTH_NIN,
    answer,
    fill_application,
    send,
    start_draft,
)
from tests.support.flows import csrf_token, log_in_with_testid, post_form
from tests.support.pdf import pdf_text


def submissions_by(db_session, draft_url: str) -> list[Submission]:
    public_id = draft_url.split("/")[3]
    draft = db_session.scalar(sa.select(Draft).where(Draft.public_id == public_id))
    return list(db_session.scalars(
        sa.select(Submission).where(Submission.idempotency_key == draft.idempotency_key)))


def test_applying_for_myself_stores_everything_in_one_go(client, db_session, app):
    log_in_with_testid(client, "kari")
    check_url = fill_application(client)
    sent = send(client, check_url)
    assert sent.status_code == 302
    receipt = client.get(sent.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "We have received your application" in receipt
    [submission] = submissions_by(db_session, check_url)
    case = db_session.get(Case, submission.case_id)
    assert case.reference in receipt
    assert case.status == "submitted"
    assert [e.type for e in db_session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id))] == ["submitted"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.submission_id == submission.id)) == 1
    kinds = db_session.scalars(sa.select(Task.kind).where(
        Task.payload["submission_id"].as_integer() == submission.id)).all()
    assert sorted(kinds) == ["receipt_email", "receipt_pdf"]
    assert db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.target == f"case:{case.reference}")).action == "submission.created"


def test_the_stored_payload_validates_against_its_schema_and_hash(client, db_session, app):
    log_in_with_testid(client, "kari")
    check_url = fill_application(client)
    send(client, check_url)
    [submission] = submissions_by(db_session, check_url)
    with app.app_context():
        payload = submission_payload(data_keys(), submission)
    validate_payload(payload)
    assert payload["goals"] == "Walk to the shop on my own by summer."
    assert payload["consent"]["given_by"] == "self"
    assert [s["key"] for s in payload["services"]] == ["home-nursing", "physiotherapy"]
    assert payload["subject"]["national_id"] not in submission.payload_encrypted.decode(
        "latin-1")


def test_a_resent_final_post_lands_on_the_same_receipt(client, db_session):
    log_in_with_testid(client, "kari")
    check_url = fill_application(client)
    token = csrf_token(client.get(check_url).get_data(as_text=True))
    first = client.post(check_url, data={"csrf_token": token})
    again = client.post(check_url, data={"csrf_token": token})  # the same POST, resent
    assert again.headers["Location"] == first.headers["Location"]
    assert len(submissions_by(db_session, check_url)) == 1


def test_a_parent_applies_for_a_child_under_16_and_consents_for_them(client, db_session, app):
    log_in_with_testid(client, "kari")
    check_url = fill_application(client, for_whom="child", subject_nin=CHILD_NIN,
                                 subject_name="Emma Eksempel",
                                 request={"request": "child_coordinator"})
    send(client, check_url)
    [submission] = submissions_by(db_session, check_url)
    with app.app_context():
        payload = submission_payload(data_keys(), submission)
    assert payload["representation"] == {"basis": "parental_responsibility",
                                         "document": "not_needed"}
    assert payload["consent"]["given_by"] == "parent"
    assert payload["subject"]["name"] == "Emma Eksempel"
    assert submission.subject_person_id != submission.submitted_by_person_id


def test_a_young_person_from_16_consents_themself(client, db_session, app):
    log_in_with_testid(client, "kari")
    check_url = fill_application(client, for_whom="child", subject_nin=YOUTH_NIN,
                                 subject_name="Jonas Eksempel")
    page = client.get(check_url.replace("/sjekk", "/samtykke") + "?lang=en")
    assert "is 16 or older and gives consent themself" in page.get_data(as_text=True)
    send(client, check_url)
    [submission] = submissions_by(db_session, check_url)
    with app.app_context():
        assert submission_payload(data_keys(), submission)["consent"]["given_by"] == "young_person"


def test_a_child_must_be_under_18(client):
    log_in_with_testid(client, "kari")
    url = answer(client, start_draft(client), for_whom="child")
    response = post_form(client, url + "?lang=en", subject_nin=ADULT_NIN, subject_name="Ola")
    assert "Your child must be under 18" in response.get_data(as_text=True)


def test_an_adult_cannot_get_a_child_coordinator(client):
    log_in_with_testid(client, "kari")
    url = answer(client, start_draft(client), for_whom="self")
    response = post_form(client, url + "?lang=en", request="child_coordinator")
    assert "A child coordinator is for children under 18" in response.get_data(as_text=True)


def test_a_power_of_attorney_application_says_where_the_document_is(client, db_session, app):
    log_in_with_testid(client, "kari")
    check_url = fill_application(client, for_whom="fullmakt", subject_nin=ADULT_NIN,
                                 subject_name="Ola Eksempel", document="post")
    send(client, check_url)
    [submission] = submissions_by(db_session, check_url)
    with app.app_context():
        payload = submission_payload(data_keys(), submission)
    assert payload["representation"] == {"basis": "power_of_attorney", "document": "by_post"}
    assert payload["consent"]["given_by"] == "representative"


def test_a_failure_before_commit_leaves_nothing_behind_and_the_draft_intact(
    app_factory, db_session, monkeypatch,
):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    log_in_with_testid(client, "kari")
    check_url = fill_application(client)

    def fail_after_the_submission_row(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("portal.cases.opening.enqueue", fail_after_the_submission_row)
    assert send(client, check_url).status_code == 500
    assert submissions_by(db_session, check_url) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    monkeypatch.undo()
    page = client.get(check_url + "?lang=en").get_data(as_text=True)
    assert "Walk to the shop on my own by summer." in page  # the draft still has it all
    assert send(client, check_url).status_code == 302
    assert len(submissions_by(db_session, check_url)) == 1


def test_the_worker_makes_the_receipt_pdf_and_the_email(app_factory, db_session, tmp_path):
    from portal.applications.receipts import receipt_pdf
    from portal.queue.tasks import run_due_tasks

    app = app_factory(MAIL_DIRECTORY=str(tmp_path))
    client = app.test_client()
    log_in_with_testid(client, "kari")
    post_form(client, "/eksempel/min-profil", name="Kari Eksempel", email="kari@example.no",
              phone="", preferred_language="en")
    check_url = fill_application(client)
    sent = send(client, check_url)
    assert run_due_tasks(app) == 2
    [submission] = submissions_by(db_session, check_url)
    with app.app_context():
        pdf = receipt_pdf(db_session, submission.id)
    text = pdf_text(pdf)
    assert "Walk to the shop on my own by summer." in text
    assert submission.payload_sha256 in text.replace("\n", "")
    [mail] = list(tmp_path.glob("*.eml"))
    message = mail.read_text()
    case = db_session.get(Case, submission.case_id)
    assert case.reference in message
    assert "Walk to the shop" not in message  # no health details in e-mail
    receipt = client.get(sent.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Download the receipt" in receipt
    assert client.get(f"/eksempel/kvittering/{case.reference}/kvittering.pdf").data == pdf


def test_another_citizen_cannot_see_the_receipt(client, db_session):
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    reference = db_session.scalars(sa.select(Case.reference)).first()
    log_in_with_testid(client, "ola")
    assert client.get(f"/eksempel/kvittering/{reference}").status_code == 404
    assert client.get(f"/eksempel/kvittering/{reference}/kvittering.pdf").status_code == 404
