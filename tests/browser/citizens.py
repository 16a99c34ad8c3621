"""What many browser tests do as a citizen: log in with TestID, fill in the application
form, send one through the test client, and start with nobody acting for anybody."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.db import get_db
from portal.representation.models import Representation, Status
from tests.support.apply import fill_application, send
from tests.support.flows import log_in_with_testid as log_in_client

# The demo people's places in TestID's list of people.
OLA, KARI = 0, 1
REFERENCE = re.compile(r"IP-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{2}")
# From «what are you applying for» to consent: a radio or checkbox id to tick, or a text
# field's id to fill in.
AFTER_FOR_WHOM = [("#request-1",), ("#services-0",), ("needs", "goals"),
                  ("#contact_method-1", "#interpreter-0"),
                  ("#consent_planning", "#sharing-0", "#sharing-1")]


def log_in(page, person: int, language: str) -> None:
    """Log in with TestID as the demo person at ``person`` in the list."""
    page.goto(f"/eksempel/testid?lang={language}")
    page.locator(f"#person-{person}").check()
    page.locator("main form button[type=submit]").click()


def answer_steps(page, steps, text: str = "A plain answer.") -> None:
    """Answer each step and go on; ends on the attachments step's page."""
    for step in steps:
        for target in step:
            if target.startswith("#"):
                page.locator(target).check()
            else:
                page.locator(f"#{target}").fill(text)
        page.locator("main form button[type=submit]").click()


def apply_as(server, person: str, **answers) -> str:
    """The demo person sends an application through the test client; its reference."""
    citizen = server.app.test_client()
    log_in_client(citizen, person)
    receipt = citizen.get(send(citizen, fill_application(citizen, **answers)).headers["Location"])
    return REFERENCE.search(receipt.get_data(as_text=True)).group(0)


def end_all_representations(server) -> None:
    """Nobody acts for anybody (a module's server lives for all its tests)."""
    with get_db(server.app).session_scope() as session:
        for row in session.scalars(sa.select(Representation)):
            row.status = Status.REVOKED


def back_office(server, token: str, reference: str, **event) -> None:
    """The back office posts an event to the case through the API."""
    response = server.app.test_client().post(
        f"/api/v1/cases/{reference}/events", json=event,
        headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()


def case(server, reference: str):
    """The case as it is in the server's database now."""
    from portal.cases.models import Case

    with get_db(server.app).session_scope() as session:
        found = session.scalar(sa.select(Case).where(Case.reference == reference))
        session.expunge(found)
        return found
