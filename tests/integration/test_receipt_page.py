"""Issue 15: what the receipt page after sending tells the applicant."""

from __future__ import annotations

import sqlalchemy as sa

from portal.cases.models import Case
from portal.cases.tracking import tracking_code
from portal.identity.crypto import data_keys
from tests.support.apply import fill_application, send
from tests.support.flows import log_in_with_testid


def test_the_receipt_page_shows_the_tracking_code_and_what_it_is_for(app, client, db_session):
    """Point 16: not only in the PDF."""
    log_in_with_testid(client, "kari")
    sent = send(client, fill_application(client)).headers["Location"]
    case = db_session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    with app.app_context():
        code = tracking_code(data_keys(), case)
    assert code
    page = client.get(sent + "?lang=en").get_data(as_text=True)
    assert f'id="receipt-code">{code}<' in page
    assert "see how far the case has come without logging in" in page
    assert "See the status of a case</a>" in page
