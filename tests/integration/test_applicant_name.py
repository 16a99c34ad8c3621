"""Issue 15, point 6: the municipality knows who applies. The name comes from the login
when the identity provider gives it; otherwise the person is asked once, and it is kept."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.cases.models import Case
from portal.identity.idporten import name_from_claims
from portal.identity.models import Person
from portal.identity.nin import NinKind, generate_valid_nin
from tests.support.apply import fill_application, send, start_draft
from tests.support.flows import csrf_token, log_in_staff, log_in_with_testid

NAMELESS_NIN = generate_valid_nin(date(1979, 2, 3), kind=NinKind.SYNTHETIC)


def test_the_name_is_read_from_the_standard_claims():
    assert name_from_claims({"pid": "x", "name": " Nora Navn "}) == "Nora Navn"
    assert name_from_claims({"given_name": "Nora", "family_name": "Navn"}) == "Nora Navn"
    assert name_from_claims({"pid": "x"}) == ""
    assert name_from_claims({"name": 42}) == ""


def test_someone_whose_login_gave_no_name_is_asked_once_and_the_caseworker_sees_it(
        app, client, db_session):
    log_in_with_testid(client, "other", nin=NAMELESS_NIN, name="")
    started = client.post("/eksempel/ny/ip_application", data={
        "csrf_token": csrf_token(client.get("/eksempel/soknad").get_data(as_text=True))})
    assert "/ditt-navn" in started.headers["Location"]
    asked = client.get(started.headers["Location"] + "&lang=en")
    page = asked.get_data(as_text=True)
    assert "What is your full name?" in page
    refused = client.post(started.headers["Location"] + "&lang=en", data={
        "csrf_token": csrf_token(page), "name": "  "})
    assert "Enter your full name" in refused.get_data(as_text=True)
    back = client.post(started.headers["Location"], data={"csrf_token": csrf_token(page),
                                                          "name": "Nora Navnløs"})
    assert back.status_code == 302
    assert "/ditt-navn" not in back.headers["Location"]
    person = db_session.scalar(sa.select(Person).where(Person.name == "Nora Navnløs"))
    assert person is not None  # kept in the profile
    assert "/ditt-navn" not in start_draft(client)  # asked once
    send(client, fill_application(client))
    reference = db_session.scalars(sa.select(Case.reference).order_by(Case.id.desc())).first()
    caseworker = log_in_staff(app.test_client())
    staff_page = caseworker.get(f"/eksempel/ansatt/saker/{reference}?lang=en").get_data(
        as_text=True)
    assert "Nora Navnløs, national identity number" in staff_page
    sent_by = staff_page.split("Sent by", 1)[1].split("</dd>", 1)[0]
    assert "Nora Navnløs" in sent_by
