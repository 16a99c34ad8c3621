"""Answering a request for information and withdrawing an application (issue 6)."""

from __future__ import annotations

from io import BytesIO

import pytest
import sqlalchemy as sa

from portal.applications.receipts import receipt_pdf
from portal.cases.models import Case, CaseStatus, Submission
from portal.cases.service import apply_event
from portal.cases.submissions import submission_payload
from portal.documents.attachments import Attachment
from portal.queue.models import OutboxMessage
from portal.queue.tasks import run_due_tasks
from tests.support.apply import fill_application, send
from tests.support.flows import csrf_token, log_in_with_testid
from tests.support.pdf import pdf_text

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def case(client, db_session) -> Case:
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    found = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    apply_event(db_session, found, "in_progress", {})
    db_session.commit()
    return found


def ask(db_session, case: Case, text: str = "Send the doctor's report") -> None:
    apply_event(db_session, case, "information_requested", {"text": text,
                                                           "answer_by": "2030-01-31"})
    db_session.commit()


def submissions(db_session, case: Case, kind: str) -> list[Submission]:
    db_session.expire_all()
    return list(db_session.scalars(sa.select(Submission).where(
        Submission.case_id == case.id, Submission.kind == kind)))


def test_the_person_answers_with_text_and_a_file_through_the_queue(app, client, db_session,
                                                                    case):
    ask(db_session, case)
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Answer the municipality" in page
    url = f"/eksempel/saker/{case.reference}/svar"
    page = client.get(url).get_data(as_text=True)
    added = client.post(url, data={"csrf_token": csrf_token(page), "action": "upload",
                                   "text": "Here is the report.",
                                   "file": (BytesIO(PNG), "report.png")},
                        content_type="multipart/form-data")
    assert added.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "report.png" in page
    assert "Here is the report." in page
    sent = client.post(url, data={"csrf_token": csrf_token(page), "action": "send",
                                  "text": "Here is the report."})
    assert sent.status_code == 302
    [reply] = submissions(db_session, case, "reply")
    payload = submission_payload(app.extensions["portal.keys"], reply)
    assert payload["text"] == "Here is the report."
    assert payload["in_answer_to"]["text"] == "Send the doctor's report"
    assert [a["display_name"] for a in payload["attachments"]] == ["report.png"]
    assert db_session.scalar(sa.select(Attachment).where(
        Attachment.submission_id == reply.id)).content_type == "image/png"
    assert db_session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.submission_id == reply.id)).type == "reply.submitted"
    assert db_session.get(Case, case.id).status == CaseStatus.IN_PROGRESS
    # Sent again (a double click, the back button): still one answer.
    client.post(url, data={"csrf_token": csrf_token(page), "action": "send", "text": "Again"})
    assert len(submissions(db_session, case, "reply")) == 1
    # The answer has its own receipt.
    run_due_tasks(app)
    with app.app_context():
        text = pdf_text(receipt_pdf(db_session, reply.id))
    assert "Here is the report." in text
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert f"/kvittering/{reply.id}.pdf" in page


def test_an_empty_answer_and_a_bad_file_are_told_next_to_the_field_and_the_text_is_kept(
        client, db_session, case):
    ask(db_session, case)
    url = f"/eksempel/saker/{case.reference}/svar?lang=en"
    page = client.get(url).get_data(as_text=True)
    empty = client.post(url, data={"csrf_token": csrf_token(page), "action": "send",
                                   "text": ""}).get_data(as_text=True)
    assert "Write an answer or add a file" in empty
    assert 'id="text-error"' in empty
    bad = client.post(url, data={"csrf_token": csrf_token(page), "action": "upload",
                                 "text": "My typed answer",
                                 "file": (BytesIO(b"MZ\x90\x00program"), "report.pdf")},
                      content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="file-error"' in bad
    assert "My typed answer" in bad
    assert submissions(db_session, case, "reply") == []


def test_there_is_nothing_to_answer_when_no_information_is_asked_for(client, case):
    response = client.get(f"/eksempel/saker/{case.reference}/svar")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/saker/{case.reference}")


def test_the_person_withdraws_after_confirming(client, db_session, case):
    url = f"/eksempel/saker/{case.reference}/trekk"
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Yes, withdraw the application" in page
    assert db_session.get(Case, case.id).status == CaseStatus.IN_PROGRESS  # nothing yet
    response = client.post(url, data={"csrf_token": csrf_token(page), "reason": "I moved"})
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Case, case.id).status == CaseStatus.WITHDRAWN
    [withdrawal] = submissions(db_session, case, "withdrawal")
    assert db_session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.submission_id == withdrawal.id)).type == "withdrawal.submitted"
    client.post(url, data={"csrf_token": csrf_token(page), "reason": "I moved"})
    assert len(submissions(db_session, case, "withdrawal")) == 1
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "The application was withdrawn" in page


def test_a_decided_case_cannot_be_withdrawn(client, db_session, case):
    apply_event(db_session, case, "decision", {"outcome": "granted",
                                              "decision_date": "2026-11-20",
                                              "complaint_deadline": "2026-12-18"})
    db_session.commit()
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "/trekk" not in page
    url = f"/eksempel/saker/{case.reference}/trekk"
    token = csrf_token(page)
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    assert submissions(db_session, case, "withdrawal") == []
    assert db_session.get(Case, case.id).status == CaseStatus.DECIDED


def test_the_application_receipt_carries_the_tracking_code_for_the_status_page(
        app, client, db_session, case):
    from portal.cases.tracking import tracking_code

    run_due_tasks(app)
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
    with app.app_context():
        text = pdf_text(receipt_pdf(db_session, submission.id))
        code = tracking_code(app.extensions["portal.keys"], db_session.get(Case, case.id))
    assert code
    assert code in text
    assert "/eksempel/status" in text
