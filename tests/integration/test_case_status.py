"""The status page without ID-porten: a reference and a tracking code show the coarse status
and nothing more; every failure looks the same; guessing is rate-limited; nothing is logged."""

from __future__ import annotations

import logging
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal import clock
from portal.audit.models import AuditEvent
from portal.cases.models import Case, CaseStatus
from portal.cases.references import new_reference
from portal.cases.service import apply_event
from portal.cases.tracking import issue_tracking_code
from portal.identity.crypto import data_keys
from portal.identity.nin import NinKind, generate_valid_nin, parse_nin
from portal.identity.persons import find_or_create_person
from portal.municipalities.service import get_by_slug, import_municipality
from tests.integration.factories import municipality_data
from tests.support.flows import csrf_token

pytestmark = pytest.mark.dates  # run again at 23:30 UTC by make test

URL = "/eksempel/status?lang=en"
SUBJECT_NIN = generate_valid_nin(date(1976, 3, 15), kind=NinKind.SYNTHETIC)
SUBJECT_NAME = "Åse Ødegård"
ASKED_FOR = "Send the report from your physiotherapist about the knee"
NOT_FOUND = "We found no case with this reference and tracking code."


def a_case(app, db_session, slug: str = "eksempel",
           status: CaseStatus = CaseStatus.RECEIVED) -> tuple[Case, str]:
    """A case with a tracking code, as a desk submission makes it; returns the printed code."""
    with app.app_context():
        keys = data_keys()
        subject = find_or_create_person(db_session, keys,
                                        parse_nin(SUBJECT_NIN, allow_synthetic=True),
                                        name=SUBJECT_NAME)
        case = Case(municipality_id=get_by_slug(db_session, slug).id, kind="ip_application",
                    reference=new_reference(2026), subject_person_id=subject.id, status=status)
        db_session.add(case)
        db_session.flush()  # the code's ciphertext is bound to the case's row
        code = issue_tracking_code(keys, case)
    db_session.commit()
    return case, code


def look_up(client, reference: str, code: str, url: str = URL):
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "reference": reference,
                                  "tracking_code": code})


def without_token(page: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)


def test_the_reference_and_code_show_the_coarse_status_and_the_last_change(
    client, app, db_session,
):
    case, code = a_case(app, db_session)
    response = look_up(client, case.reference, code)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Received by the municipality" in page
    assert case.reference in page
    assert "Last changed" in page
    assert str(clock.today().year) in page


def test_the_code_may_be_typed_in_lower_case_without_dashes(client, app, db_session):
    case, code = a_case(app, db_session)
    page = look_up(client, case.reference.lower(), code.replace("-", " ").lower())
    assert "Received by the municipality" in page.get_data(as_text=True)


def test_the_page_shows_no_answers_messages_or_names(client, app, db_session):
    case, code = a_case(app, db_session)
    apply_event(db_session, case, "information_requested",
                {"text": ASKED_FOR, "answer_by": "2026-12-31"})
    db_session.commit()
    page = look_up(client, case.reference, code).get_data(as_text=True)
    assert "The municipality needs information from you" in page
    assert ASKED_FOR not in page
    assert "2026-12-31" not in page
    assert "31 December" not in page  # not even the date the answer is due
    assert SUBJECT_NAME not in page
    assert SUBJECT_NIN[:6] not in page


def test_each_lookup_is_audited_without_the_code(client, app, db_session):
    case, code = a_case(app, db_session)
    look_up(client, case.reference, code)
    [event] = db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "case.status_lookup")).all()
    assert (event.target, event.reason) == (f"case:{case.reference}",
                                            "reference and tracking code")
    assert event.subject_person_id == case.subject_person_id
    assert code.replace("-", "") not in f"{event.target} {event.reason}"


def test_a_wrong_reference_a_wrong_code_and_another_municipalitys_case_look_the_same(
    client, app, db_session,
):
    case, _code = a_case(app, db_session)
    other_case, other_code = a_case(app, db_session)
    import_municipality(db_session, municipality_data(slug="annenby"))
    elsewhere, elsewhere_code = a_case(app, db_session, slug="annenby")
    unknown = new_reference(2026)
    attempts = {
        "wrong reference": (unknown, other_code),
        "wrong code": (case.reference, other_code),
        "another municipality": (elsewhere.reference, elsewhere_code),
    }
    pages = {}
    for name, (reference, code) in attempts.items():
        response = look_up(client, reference, code)
        assert response.status_code == 200, name
        # What was typed is given back (the reference only); the rest must be the same.
        pages[name] = without_token(response.get_data(as_text=True)).replace(reference, "REF")
    assert pages["wrong reference"] == pages["wrong code"] == pages["another municipality"]
    assert NOT_FOUND in pages["wrong code"]
    assert 'href="#reference"' in pages["wrong code"]
    assert other_code not in pages["wrong code"]  # a typed code is never written back
    # The other municipality's case is found on its own page.
    found = look_up(client, elsewhere.reference, elsewhere_code, "/annenby/status?lang=en")
    assert "Received by the municipality" in found.get_data(as_text=True)
    assert not db_session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "case.status_lookup",
        AuditEvent.target.in_([f"case:{case.reference}", f"case:{other_case.reference}"]))).all()


def test_a_case_without_a_tracking_code_cannot_be_looked_up(client, app, db_session):
    case, _code = a_case(app, db_session)
    case.tracking_code_hash = case.tracking_code_encrypted = None
    db_session.commit()
    page = look_up(client, case.reference, "").get_data(as_text=True)
    assert "Enter the tracking code from your receipt" in page
    for code in ("0000-0000-00", "-"):
        assert NOT_FOUND in look_up(client, case.reference, code).get_data(as_text=True)


def test_empty_fields_say_what_to_type(client):
    page = look_up(client, "", "").get_data(as_text=True)
    assert 'href="#reference">Enter the reference from your receipt</a>' in page
    assert 'href="#tracking_code">Enter the tracking code from your receipt</a>' in page
    assert "<title>Error:" in page


def test_the_lookup_is_rate_limited(app_factory, db_session):
    client = app_factory(CASE_STATUS_RATE_LIMIT="3 per minute").test_client()
    token = csrf_token(client.get(URL).get_data(as_text=True))
    data = {"csrf_token": token, "reference": new_reference(2026), "tracking_code": "K7QM2XHP9R"}
    statuses = [client.post(URL, data=data).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get(URL).status_code == 200  # the form itself stays open


def test_neither_the_reference_nor_the_code_is_logged(client, app, db_session, caplog):
    case, code = a_case(app, db_session)
    with caplog.at_level(logging.DEBUG):
        look_up(client, case.reference, code)
        look_up(client, case.reference, "WRONG-CODE-1")
        look_up(client, new_reference(2026), code)
    for secret in (case.reference, code, code.replace("-", ""), "WRONG-CODE-1"):
        assert secret not in caplog.text


@pytest.mark.parametrize("url", ["/eksempel/logg-inn?lang=en"])
def test_the_login_page_links_to_the_status_page(client, url):
    page = client.get(url).get_data(as_text=True)
    assert 'href="/eksempel/status"' in page
