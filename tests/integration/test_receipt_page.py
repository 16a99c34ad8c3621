"""Issue 15: what the receipt page after sending tells the applicant."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.applications.payloads import validate_payload
from portal.cases.models import Case, Submission
from portal.cases.submissions import submission_payload
from portal.cases.tracking import tracking_code
from portal.identity import contact_register
from portal.identity.contact_register import ContactDetails
from portal.identity.crypto import data_keys
from portal.notifications.mail import stored_mails
from portal.queue.tasks import run_due_tasks
from tests.support.apply import COMMON, answer, fill_application, send, start_draft
from tests.support.flows import log_in_with_testid, post_form


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


# --- Point 5: how to reach the applicant ----------------------------------------------------

def wishes_url(check: str) -> str:
    return check.replace("/sjekk", "/onsker") + "?return_to=check"


def contact_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(contact_email|contact_mobile)"[^>]*value="([^"]*)"', page))


def test_the_contact_questions_are_filled_in_from_the_profile(client):
    log_in_with_testid(client, "kari")
    post_form(client, "/eksempel/min-profil", name="Kari Eksempel", email="kari@example.no",
              phone="912 34 567", preferred_language="nb")
    url = answer(client, start_draft(client), for_whom="self")
    wishes = url.rsplit("/", 1)[0] + "/onsker"
    assert contact_fields(client.get(wishes).get_data(as_text=True)) == {
        "contact_email": "kari@example.no", "contact_mobile": "912 34 567"}


def test_the_contact_register_fills_in_what_the_profile_lacks(app_factory):
    def krr(nin: str) -> ContactDetails:
        return ContactDetails(email="fra.krr@example.no", mobile="+4741234567")

    contact_register.register("test-krr", krr)
    try:
        app = app_factory(CONTACT_REGISTER="test-krr")
        client = app.test_client()
        log_in_with_testid(client, "kari")
        url = answer(client, start_draft(client), for_whom="self")
        page = client.get(url.rsplit("/", 1)[0] + "/onsker").get_data(as_text=True)
    finally:
        del contact_register.LOOKUPS["test-krr"]
    assert contact_fields(page) == {"contact_email": "fra.krr@example.no",
                                    "contact_mobile": "+4741234567"}


def test_the_default_contact_register_knows_nothing(app):
    with app.app_context():
        assert contact_register.contact_register()("01010112345") is None


@pytest.mark.parametrize(("email", "mobile", "errors"), [
    ("kari@", "912 34 567", {"contact_email"}),
    ("kari@example.no", "22 33 44 55", {"contact_mobile"}),  # a landline
    ("kari.example.no", "12345", {"contact_email", "contact_mobile"}),
])
def test_a_wrong_email_or_mobile_is_told_next_to_the_field_and_kept(client, email, mobile,
                                                                     errors):
    log_in_with_testid(client, "kari")
    check = fill_application(client)
    page = post_form(client, wishes_url(check) + "&lang=en",
                     **{**COMMON["wishes"], "contact_email": email, "contact_mobile": mobile}
                     ).get_data(as_text=True)
    shown = set(re.findall(r'id="(contact_email|contact_mobile)-error"', page))
    assert shown == errors
    typed = {"contact_email": email, "contact_mobile": mobile}
    kept = contact_fields(page)
    assert all(kept[name] == typed[name] for name in errors)  # what was wrong, as typed


def test_the_contact_is_in_the_payload_and_the_receipt_goes_there(app_factory, db_session,
                                                                  tmp_path):
    app = app_factory(MAIL_BACKEND="file", MAIL_DIRECTORY=str(tmp_path))
    client = app.test_client()
    log_in_with_testid(client, "kari")
    check = fill_application(client)
    answer(client, wishes_url(check), **{**COMMON["wishes"],
                                         "contact_email": "Kari@Example.no",
                                         "contact_mobile": "+47 912 34 567"})
    sent = send(client, check).headers["Location"]
    submission = db_session.scalars(sa.select(Submission).order_by(Submission.id.desc())
                                    ).first()
    with app.app_context():
        payload = submission_payload(data_keys(), submission)
    assert payload["contact"] == {"email": "Kari@example.no", "mobile": "+4791234567"}
    page = client.get(sent + "?lang=en").get_data(as_text=True)
    assert "We send the receipt by e-mail to Kari@example.no." in page
    run_due_tasks(app)
    with app.app_context():
        assert [mail.to for mail in stored_mails()] == ["Kari@example.no"]


def test_without_an_email_the_receipt_page_says_none_is_sent(client):
    log_in_with_testid(client, "kari")
    sent = send(client, fill_application(client)).headers["Location"]
    page = client.get(sent + "?lang=en").get_data(as_text=True)
    assert "We do not send the receipt by e-mail" in page


def test_a_payload_without_contact_still_meets_the_schema(app, db_session, client):
    """Version 1 stays version 1: the contact is an optional property."""
    log_in_with_testid(client, "kari")
    send(client, fill_application(client))
    submission = db_session.scalars(sa.select(Submission).order_by(Submission.id.desc())
                                    ).first()
    with app.app_context():
        payload = submission_payload(data_keys(), submission)
    del payload["contact"]
    validate_payload(payload)
