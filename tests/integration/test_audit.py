"""The audit log: every read of personal data is recorded whatever the response code."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import abort

from portal import access
from portal.audit.models import AuditEvent
from portal.audit.service import record, record_read
from portal.db import session
from tests.integration.test_backoffice import (
    GOALS,
    apply_as_kari,
    case_url,
    csrf_token,
    event_url,
)
from tests.support.flows import log_in_staff


def audit_rows(db_session, target: str) -> list[tuple[str, str]]:
    db_session.expire_all()
    return [(row.action, row.reason) for row in db_session.scalars(
        sa.select(AuditEvent).where(AuditEvent.target == target).order_by(AuditEvent.id))]


def test_a_refused_action_shows_nothing_of_the_case_and_its_audit_row_is_kept(app, db_session):
    """The outside sweep's High finding: …/hendelse/closed on a new case answered 409 with the
    whole case page, and the audit row was rolled back with the request."""
    reference = apply_as_kari(app)
    caseworker = log_in_staff(app.test_client())
    token = csrf_token(caseworker.get(case_url(reference)).get_data(as_text=True))
    before = audit_rows(db_session, f"case:{reference}")

    refused = caseworker.post(event_url(reference, "closed") + "?lang=en",
                              data={"csrf_token": token})

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    for shown_on_the_case_page in (GOALS, "Kari", "home nursing", "Timeline"):
        assert shown_on_the_case_page.lower() not in page.lower()
    assert audit_rows(db_session, f"case:{reference}")[len(before):] == [
        ("case.action_refused", "closed")]


@pytest.mark.parametrize("ending", [409, 500])
def test_a_read_is_kept_when_the_request_fails_after_it_and_the_action_is_not(
        app_factory, db_session, ending):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @access.public
    def read_then_fail():
        record_read(session(), "case.read", target="case:IP-TEST", reason="read")
        record(session(), "case.closed", target="case:IP-TEST", reason="action")
        if ending == 500:
            raise RuntimeError("the page failed while rendering")
        abort(ending)

    app.add_url_rule("/read-then-fail", view_func=read_then_fail)
    response = app.test_client().get("/read-then-fail")

    assert response.status_code == ending
    assert audit_rows(db_session, "case:IP-TEST") == [("case.read", "read")]
