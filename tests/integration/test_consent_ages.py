"""Who consents at which age (pasient- og brukerrettighetsloven §§ 4-3 and 4-4): a child
under 16 applying alone is told that a parent must consent (issue 15, point 1); a 16- or
17-year-old whose parent applied is asked for their own consent (issue 13, point 4); a
parent's consent stops counting on the child's 16th birthday; a last day ends a consent at
Norway's midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine

from portal.api.clients import create_client
from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
from portal.consents.models import Channel, Consent, ConsentStatus, GivenBy, Purpose
from portal.consents.rules import missing_for, shown_status
from portal.identity.crypto import data_keys
from portal.identity.nin import NinKind, generate_valid_nin, parse_nin
from portal.identity.persons import find_or_create_person
from portal.municipalities.service import get_by_slug
from portal.queue.models import Task
from portal.queue.tasks import run_due_tasks
from portal.representation.models import Representation
from tests.support.apply import YOUTH_NIN, fill_application, send
from tests.support.consents import give
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid, post_form
from tests.support.representation import act_for

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test

FOURTEEN_NIN = generate_valid_nin(date(2012, 3, 3), kind=NinKind.SYNTHETIC)


def latest_case(db_session) -> Case:
    db_session.expire_all()
    return db_session.scalars(sa.select(Case).where(Case.kind == "ip_application")
                              .order_by(Case.id.desc())).first()


def application_payload(app, db_session, case: Case) -> dict:
    submission = db_session.scalar(sa.select(Submission).where(Submission.case_id == case.id))
    with app.app_context():
        return submission_payload(data_keys(), submission)


@pytest.fixture
def token(db_session) -> str:
    municipality = get_by_slug(db_session, "eksempel")
    _, secret = create_client(db_session, municipality_id=municipality.id, name="DIPS",
                              scopes=["cases"])
    db_session.commit()
    return secret


def missing(client, token: str, case: Case):
    return client.get(f"/api/v1/cases/{case.reference}/consents",
                      headers={"Authorization": f"Bearer {token}"}).get_json()["consent_missing"]


# --- Issue 15, point 1: a child under 16 applying alone ---------------------------------------


def test_a_child_under_16_applying_alone_is_told_that_a_parent_must_consent(
        app, client, db_session, token):
    log_in_with_testid(client, "other", nin=FOURTEEN_NIN, name="Siri Fjorten")
    check_url = fill_application(client)
    step = client.get(check_url.replace("/sjekk", "/samtykke") + "?lang=en").get_data(
        as_text=True)
    assert "A parent must consent" in step
    assert "You are under 16. Then you cannot give this consent alone" in step
    assert send(client, check_url).status_code == 302  # the child may send it anyway
    case = latest_case(db_session)
    consent = application_payload(app, db_session, case)["consent"]
    assert (consent["given_by"], consent["valid"], consent["missing"]) == (
        "child_under_16", False, "parent")
    assert db_session.scalars(sa.select(Consent)).all() == []  # never recorded as valid
    page = client.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Siri Fjorten is under 16, so a parent must consent" in page
    assert missing(client, token, case) == "parent"
    # The child cannot give it later either; the page says who can.
    page = client.get("/eksempel/samtykker/ny?lang=en").get_data(as_text=True)
    assert "a parent must give this consent for you" in page
    assert 'name="consent_planning"' not in page


def test_a_parent_gives_the_missing_consent_for_a_child_under_16(
        app, client, db_session, token):
    log_in_with_testid(client, "other", nin=FOURTEEN_NIN, name="Siri Fjorten")
    send(client, fill_application(client))
    case = latest_case(db_session)
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    post_form(kari, "/eksempel/fullmakt/foreldreansvar", child_nin=FOURTEEN_NIN,
              child_name="Siri Fjorten", request_id="parent-1")
    pending = db_session.scalars(sa.select(Representation)).one()
    caseworker = log_in_staff(app.test_client())
    url = f"/eksempel/ansatt/fullmakter/{pending.id}"
    caseworker.post(url, data={"csrf_token": csrf_token(caseworker.get(url).get_data(
        as_text=True)), "action": "verify"})
    act_for(kari, case.subject_person_id)
    tasks = kari.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    assert "Give consent for Siri Fjorten" in tasks
    assert give(kari, plan=True, sharing=["school"]).status_code == 302
    db_session.expire_all()
    plan = db_session.scalars(sa.select(Consent).where(Consent.purpose == "plan")).one()
    assert (plan.given_by, plan.given_by_name) == ("parent", "Kari Eksempel")
    assert missing(client, token, case) is None


# --- Issue 13, point 4: a young person of 16 or 17 whose parent applied ---------------------


def test_a_young_person_is_asked_for_their_own_consent_after_a_parent_applied(
        app_factory, db_session, tmp_path, token):
    app = app_factory(MAIL_DIRECTORY=str(tmp_path))
    jonas = app.test_client()
    log_in_with_testid(jonas, "jonas")
    post_form(jonas, "/eksempel/min-profil", name="Jonas Eksempel", email="jonas@example.no",
              phone="", preferred_language="en")
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    send(kari, fill_application(kari, for_whom="child", subject_nin=YOUTH_NIN,
                                subject_name="Jonas Eksempel"))
    case = latest_case(db_session)
    consent = application_payload(app, db_session, case)["consent"]
    assert (consent["given_by"], consent["valid"], consent["missing"]) == (
        "young_person", False, "young_person")
    assert db_session.scalars(sa.select(Consent)).all() == []  # a parent cannot consent
    assert db_session.scalar(sa.select(Task).where(Task.kind == "consent_request"))
    run_due_tasks(app)
    run_due_tasks(app)  # the request fans out into one message per channel
    mails = [path.read_text() for path in tmp_path.glob("*.eml")]
    assert any("asks for your consent" in mail and "jonas@example.no" in mail
               for mail in mails)
    # The task on «Mine saker», and the case shows that the consent is missing.
    assert "Give your consent" in jonas.get("/eksempel/saker/?lang=en").get_data(as_text=True)
    page = jonas.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Consent is missing" in page
    assert missing(jonas, token, case) == "young_person"
    assert give(jonas, plan=True, sharing=["school", "gp"]).status_code == 302
    assert "Give your consent" not in jonas.get("/eksempel/saker/?lang=en").get_data(
        as_text=True)
    page = jonas.get(f"/eksempel/saker/{case.reference}?lang=en").get_data(as_text=True)
    assert "Consent is missing" not in page
    assert missing(jonas, token, case) is None
    db_session.expire_all()
    assert {row.given_by for row in db_session.scalars(sa.select(Consent))} == {"person"}


# --- The dates: a 16th birthday and a last day, at Norway's midnight -------------------------


def a_consent(db_session, subject, **fields) -> Consent:
    municipality = get_by_slug(db_session, "eksempel")
    values = {"purpose": Purpose.PLAN, "given_by": GivenBy.PARENT, "channel": Channel.WEB,
              "text_version": "eksempel-2026-12-01", "text": "…", "language": "nb",
              "given_by_name": "Kari Eksempel", **fields}
    consent = Consent(municipality_id=municipality.id, subject_person_id=subject.id, **values)
    db_session.add(consent)
    db_session.flush()
    return consent


def test_a_parents_consent_stops_counting_on_the_childs_16th_birthday(app, db_session):
    born = date(2011, 1, 10)
    with app.app_context():
        child = find_or_create_person(db_session, data_keys(), parse_nin(
            generate_valid_nin(born, kind=NinKind.SYNTHETIC), allow_synthetic=True),
            name="Ung Person")
    consent = a_consent(db_session, child)
    municipality_id = consent.municipality_id
    # 23:30 UTC on 9 January is already the birthday in Norway.
    with time_machine.travel(datetime(2027, 1, 9, 22, 30, tzinfo=UTC), tick=False):
        assert shown_status(consent) == ConsentStatus.ACTIVE
        assert missing_for(db_session, municipality_id, child) is None
    with time_machine.travel(datetime(2027, 1, 9, 23, 30, tzinfo=UTC), tick=False):
        assert shown_status(consent) == ConsentStatus.EXPIRED
        assert missing_for(db_session, municipality_id, child) == "young_person"


def test_a_consent_ends_at_midnight_in_norway_after_its_last_day(app, db_session):
    from portal import clock

    with app.app_context():
        adult = find_or_create_person(db_session, data_keys(), parse_nin(
            generate_valid_nin(date(1970, 5, 5), kind=NinKind.SYNTHETIC),
            allow_synthetic=True), name="Voksen Person")
    consent = a_consent(db_session, adult, given_by=GivenBy.PERSON,
                        valid_to=clock.end_of_day(date(2027, 3, 31)))
    with time_machine.travel(datetime(2027, 3, 31, 21, 59, tzinfo=UTC), tick=False):
        assert shown_status(consent) == ConsentStatus.ACTIVE  # 23:59 in Oslo
    with time_machine.travel(datetime(2027, 3, 31, 22, 0, tzinfo=UTC), tick=False):
        assert shown_status(consent) == ConsentStatus.EXPIRED  # midnight, summer time
        assert missing_for(db_session, consent.municipality_id, adult) == "person"
