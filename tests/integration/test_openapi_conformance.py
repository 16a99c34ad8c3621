"""Schemathesis generates requests from the OpenAPI document and runs them against the API:
no server errors, and every response matches the document (status, content type, schema)."""

from __future__ import annotations

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from portal.applications.payloads import validate_payload
from portal.cases.models import Case
from portal.consents.models import Consent
from tests.support.apply import fill_application, send
from tests.support.consents import withdraw
from tests.support.flows import log_in_with_testid


@pytest.fixture
def api_schema(app, client, db_session):
    # One real submission, so that lease, ack and case look-ups have something to find, and
    # a consent withdrawn, so that the queue holds a consent submission too.
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    gp = db_session.scalars(sa.select(Consent).where(Consent.recipient == "gp")).one()
    withdraw(client, gp.id)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


load_all_checks()
# Every check schemathesis has, also those that send what the document forbids (unknown
# fields, wrong types: negative_data_rejection) and other methods (unsupported_method: a 405
# with Allow). Stateful checks that need links between operations find nothing to follow.
ALL_CHECKS = CHECKS.get_all()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_contract(api_schema, token, mode):
    """Every operation, with generated requests (25 each, valid and invalid), authorised as a
    real client, under every check."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9  # every documented operation (schemathesis skips the document)
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def keeps_the_contract(case):
            # A negative case may be one without the Authorization header (the document's
            # security asks for it): it goes without, and must get a 401. Any other case is
            # sent as the real client.
            unauthorised = (mode is GenerationMode.NEGATIVE
                            and "authorization" not in {h.lower() for h in case.headers or {}})
            case.call_and_validate(
                headers={} if unauthorised else {"Authorization": f"Bearer {token}"},
                checks=ALL_CHECKS)

        keeps_the_contract()


def test_case_events_keep_the_contract_on_an_application_and_on_its_complaint(
        api_schema, token, app, db_session):
    """The events of both lives (an application's, a complaint's), generated from the
    document, against real cases: no server error, every answer as documented."""
    import sqlalchemy as sa

    from portal.cases.models import Case
    from portal.cases.service import apply_event
    from tests.support.complaints import answer_steps, reference_in, send_complaint, start_on_case

    application = db_session.scalars(sa.select(Case).where(Case.kind == "ip_application")).one()
    apply_event(db_session, application, "in_progress", {})
    apply_event(db_session, application, "decision", {"outcome": "refused",
                                                      "decision_date": "2026-12-01"})
    db_session.commit()
    kari = app.test_client()
    log_in_with_testid(kari, "kari")
    check = answer_steps(kari, start_on_case(kari, application.reference).headers["Location"])
    complaint = reference_in(kari.get(send_complaint(kari, check).headers["Location"])
                             .get_data(as_text=True))
    events = api_schema["/api/v1/cases/{reference}/events"]["POST"]
    read = api_schema["/api/v1/cases/{reference}"]["GET"]
    for reference in (application.reference, complaint):
        keeps_the_contract_for(events, reference, token)
        response = read.Case(path_parameters={"reference": reference}).call(
            headers={"Authorization": f"Bearer {token}"})
        read.validate_response(response)


def keeps_the_contract_for(operation, reference: str, token: str) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def keeps_the_contract(case):
        case.path_parameters = {"reference": reference}
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    keeps_the_contract()
def test_the_consent_read_and_the_consent_message_keep_the_contract(api_schema, token,
                                                                     db_session):
    """The consents of a real case, and a leased consent.submitted message, as documented."""
    operations = {result.ok().path: result.ok() for result in api_schema.get_all_operations()}
    assert "/api/v1/cases/{reference}/consents" in operations
    reference = db_session.scalar(sa.select(Case.reference).where(
        Case.kind == "ip_application"))
    headers = {"Authorization": f"Bearer {token}"}
    read = operations["/api/v1/cases/{reference}/consents"].Case(
        path_parameters={"reference": reference})
    response = read.call_and_validate(headers=headers)
    assert response.status_code == 200
    assert [c["recipient"] for c in response.json()["consents"]] == ["", "home_services"]
    lease = operations["/api/v1/queue/lease"].Case(body={"max_messages": 100})
    messages = lease.call_and_validate(headers=headers).json()["messages"]
    [consent] = [m for m in messages if m["type"] == "consent.submitted"]
    validate_payload(consent["submission"]["payload"])
