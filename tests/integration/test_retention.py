"""Retention (issue 16, point 12): a closed case's documents are deleted by the worker a set
time after the back office had them all, per kind and per municipality, with an audit event;
the citizen's case page says how long they are kept."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
import time_machine

from portal.applications.models import Receipt
from portal.applications.receipts import store_receipt
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseEvent, Submission
from portal.cases.service import apply_event
from portal.clock import utcnow
from portal.documents.attachments import Attachment
from portal.municipalities.service import get_by_slug, import_municipality
from portal.queue.models import OutboxMessage
from portal.retention import apply_retention, days_for
from tests.integration.factories import municipality_data
from tests.integration.test_backoffice import case_url
from tests.support.apply import fill_application, send
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid

PNG = b"\x89PNG\r\n\x1a\n" + b"\x07" * 64


@pytest.fixture
def kari(app):
    client = app.test_client()
    log_in_with_testid(client, "kari")
    return client


def a_case_with_everything(app, kari, db_session) -> Case:
    """Kari applies with a file; the municipality answers, asks, decides; the receipt exists."""
    url = fill_application(kari)
    step = url.rsplit("/", 1)[0] + "/vedlegg"
    page = kari.get(step).get_data(as_text=True)
    kari.post(step, data={"csrf_token": csrf_token(page), "file": (BytesIO(PNG), "scan.png")},
              content_type="multipart/form-data")
    send(kari, url)
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
    with app.app_context():
        store_receipt(db_session, submission.id, b"%PDF-1.7 receipt")
    apply_event(db_session, case, "in_progress", {})
    apply_event(db_session, case, "message", {"text": "Kari's doctor says her knee is worse."})
    apply_event(db_session, case, "decision", {"outcome": "granted",
                                               "decision_date": "2026-12-01",
                                               "complaint_deadline": "2026-12-22"})
    db_session.commit()
    return case


def close(db_session, case: Case) -> None:
    apply_event(db_session, case, "closed", {})
    db_session.commit()


def back_office_has_it_all(db_session, case: Case) -> None:
    for message in db_session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.case_id == case.id)):
        message.acked_at = utcnow()
    db_session.commit()


def documents_of(db_session, case: Case) -> dict:
    db_session.expire_all()
    submissions = db_session.scalars(sa.select(Submission).where(
        Submission.case_id == case.id)).all()
    ids = [s.id for s in submissions]
    return {
        "payloads": sum(1 for s in submissions if s.payload_deleted_at is None
                        and s.payload_encrypted),
        "attachments": db_session.scalar(sa.select(sa.func.count()).select_from(Attachment)
                                         .where(Attachment.submission_id.in_(ids))),
        "receipts": db_session.scalar(sa.select(sa.func.count()).select_from(Receipt).where(
            Receipt.submission_id.in_(ids))),
    }


def later(days: float):
    return time_machine.travel(utcnow() + timedelta(days=days), tick=False)


def test_the_worker_deletes_a_closed_cases_documents_after_the_retention_time(
        app, kari, db_session):
    case = a_case_with_everything(app, kari, db_session)
    close(db_session, case)
    back_office_has_it_all(db_session, case)
    assert documents_of(db_session, case) == {"payloads": 1, "attachments": 1, "receipts": 1}
    page = kari.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    deleted_on = re.search(r"will be deleted from the portal on ([^.]+)\.", page).group(1)

    with later(89):
        assert apply_retention(app) == 0
    assert documents_of(db_session, case) == {"payloads": 1, "attachments": 1, "receipts": 1}

    with later(90.01):
        assert apply_retention(app) == 1
        assert apply_retention(app) == 0  # once
        again = app.test_client()  # three months on, Kari logs in again
        log_in_with_testid(again, "kari")
        page = again.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert documents_of(db_session, case) == {"payloads": 0, "attachments": 0, "receipts": 0}
    found = db_session.get(Case, case.id)
    assert found.documents_deleted_at is not None
    assert found.tracking_code_encrypted is None
    texts = [event.data.get("text") for event in db_session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id))]
    assert "Kari's doctor says her knee is worse." not in texts
    assert f"was deleted from the portal on {deleted_on}" in page
    assert "deleted from the portal" in page  # instead of the receipt link
    [event] = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "retention.deleted")).all()
    assert event.target == f"case:{case.reference}"
    assert event.subject_person_id == case.subject_person_id
    assert "90 days" in event.reason
    assert "1 submissions" in event.reason
    assert "1 attachments" in event.reason
    # The caseworker still sees the case, and why its answers are gone.
    with later(90.02):
        caseworker = log_in_staff(app.test_client())
        staff_page = caseworker.get(case_url(case.reference) + "?lang=en").get_data(
            as_text=True)
    assert "Deleted from the portal on" in staff_page


def test_nothing_is_deleted_while_the_back_office_lacks_a_message(app, kari, db_session):
    case = a_case_with_everything(app, kari, db_session)
    close(db_session, case)  # the messages are never acknowledged
    with later(1000):
        assert apply_retention(app) == 0
    assert documents_of(db_session, case)["payloads"] == 1
    page = kari.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "the portal keeps what was sent in it for 90 more days" in page


def test_an_open_case_says_how_long_its_documents_will_be_kept(app, kari, db_session):
    send(kari, fill_application(kari))
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    for language, words in (("en", "for 90 more days"), ("nb", "90"), ("nn", "90")):
        page = kari.get(f"/eksempel/saker/{case.reference}?lang={language}")
        assert words in page.get_data(as_text=True)
    with later(3650):
        assert apply_retention(app) == 0


def test_the_time_is_set_per_kind_and_per_municipality(app_factory, db_session):
    app = app_factory(RETENTION_DAYS={"default": 90, "eip_access": 30})
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    eksempel = get_by_slug(db_session, "eksempel")
    other = import_municipality(db_session, municipality_data(
        slug="annen", retention_days={"ip_application": 10, "default": 200}))
    assert days_for(app.config["RETENTION_DAYS"], eksempel, "ip_application") == 90
    assert days_for(app.config["RETENTION_DAYS"], eksempel, "eip_access") == 30
    assert days_for(app.config["RETENTION_DAYS"], other, "ip_application") == 10
    assert days_for(app.config["RETENTION_DAYS"], other, "eip_access") == 200
    eksempel.retention_days = {"ip_application": 10}
    db_session.commit()
    case = a_case_with_everything(app, kari, db_session)
    close(db_session, case)
    back_office_has_it_all(db_session, case)
    with later(9):
        assert apply_retention(app) == 0
    with later(10.01):
        assert apply_retention(app) == 1


def test_a_municipality_file_with_bad_retention_days_is_refused(db_session):
    from portal.municipalities.service import MunicipalityDataError

    for days in ({"ip_application": 0}, {"ip_application": "soon"}, {"IP": 5}, [90]):
        with pytest.raises(MunicipalityDataError, match="retention_days"):
            import_municipality(db_session, municipality_data(slug="feil", retention_days=days))


def test_a_case_opened_again_by_a_complaint_keeps_its_documents(app, kari, db_session):
    case = a_case_with_everything(app, kari, db_session)
    close(db_session, case)
    back_office_has_it_all(db_session, case)
    found = db_session.get(Case, case.id)
    found.status = "complaint_in_progress"  # as the back office's complaint handling does
    db_session.commit()
    with later(365):
        assert apply_retention(app) == 0
    assert documents_of(db_session, case)["payloads"] == 1


def test_a_fullmakt_in_use_keeps_its_document(app, kari, db_session):
    from portal.representation.models import Representation, Status
    from tests.integration.test_representation import upload

    assert upload(kari).status_code == 302
    representation = db_session.scalars(sa.select(Representation)).first()
    case = db_session.get(Case, representation.case_id)
    case.status = "closed"
    db_session.commit()
    back_office_has_it_all(db_session, case)
    with later(365):
        assert apply_retention(app) == 0
    representation.status = Status.REVOKED
    db_session.commit()
    with later(365):
        assert apply_retention(app) == 1
    db_session.expire_all()
    assert db_session.get(Representation, representation.id).attachment_id is None
