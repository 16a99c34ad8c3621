"""'Mine saker': the citizen follows the case as the back office moves it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.api.clients import create_client
from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.clock import utcnow
from portal.municipalities.service import get_by_slug
from tests.support.apply import CHILD_NIN, fill_application, send
from tests.support.flows import log_in_with_testid

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test


@pytest.fixture
def case(client, db_session) -> Case:
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    return db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()


@pytest.fixture
def back_office(client, db_session):
    municipality = get_by_slug(db_session, "eksempel")
    _, token = create_client(db_session, municipality_id=municipality.id, name="DIPS",
                             scopes=["cases"])
    db_session.commit()

    def post(reference: str, **event):
        response = client.post(f"/api/v1/cases/{reference}/events", json=event,
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.get_json()

    return post


def test_my_cases_lists_the_case_with_its_status(client, case):
    page = client.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    assert case.reference in page
    assert "Sent" in page


def test_the_case_page_shows_each_event_from_the_back_office(client, case, back_office):
    back_office(case.reference, type="in_progress")
    back_office(case.reference, type="information_requested", text="Send the doctor's report",
                answer_by="2026-12-31")
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "The municipality needs more information" in page
    assert "Send the doctor&#39;s report" in page
    assert "31 December 2026" in page
    assert "The municipality is waiting for an answer from you." in client.get(
        "/eksempel/saker/?lang=en").get_data(as_text=True)
    back_office(case.reference, type="in_progress")
    back_office(case.reference, type="coordinator_assigned", name="Kim Koordinator",
                unit="Hjemmetjenesten", phone="12 34 56 78")
    back_office(case.reference, type="decision", outcome="granted", decision_date="2026-12-01",
                complaint_deadline="2026-12-29")
    page = client.get(f"/eksempel/saker/{case.reference}?lang=nb").get_data(as_text=True)
    assert "Søknaden din er innvilget." in page
    assert "Kim Koordinator" in page
    assert "29. desember 2026" in page


def test_a_case_waiting_a_month_without_interim_reply_says_what_to_do(client, case,
                                                                    db_session, back_office):
    case.created_at = utcnow() - timedelta(days=40)
    db_session.commit()
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Your case has taken more than a month" in page
    back_office(case.reference, type="interim_reply", reason="Many applications",
                expected_decision_date="2027-01-15")
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Your case has taken more than a month" not in page
    assert "15 January 2027" in page


def test_another_citizen_gets_the_same_answer_as_for_no_case(client, case):
    log_in_with_testid(client, "ola")
    assert client.get(f"/eksempel/saker/{case.reference}").status_code == 404
    assert client.get("/eksempel/saker/IP-2026-0000-00").status_code == 404
    assert case.reference not in client.get("/eksempel/saker/").get_data(as_text=True)


def test_a_parent_who_applied_follows_the_case_and_the_read_is_audited(client, db_session):
    log_in_with_testid(client, "kari")
    send(client, fill_application(client, for_whom="child", subject_nin=CHILD_NIN,
                                  subject_name="Emma Eksempel"))
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    assert client.get(f"/eksempel/saker/{case.reference}").status_code == 200
    assert db_session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "case.read", AuditEvent.target == f"case:{case.reference}"))


def test_my_cases_needs_a_login(client):
    assert "/logg-inn" in client.get("/eksempel/saker/").headers["Location"]
